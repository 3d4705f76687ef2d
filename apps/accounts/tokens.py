"""API token secrets: generation and hashing. Pure functions, no database."""

from __future__ import annotations

import hashlib
import secrets

# "ecp_" marks the secret as ours (secret scanners and humans recognise it); 43 url-safe characters
# after it carry 256 random bits.
TOKEN_MARK = "ecp_"
PREFIX_LENGTH = 12  # "ecp_" + 8 characters: enough to tell tokens apart, useless for guessing


def new_secret() -> str:
    return TOKEN_MARK + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def prefix(secret: str) -> str:
    return secret[:PREFIX_LENGTH]
