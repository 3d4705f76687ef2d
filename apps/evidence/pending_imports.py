"""An uploaded import file kept between the upload and the user's confirmation (「将新建队伍：…」).

The bytes go to a private directory under MEDIA_ROOT (never served: MEDIA_URL is not routed),
named by a random token that only the uploader's session knows; files older than a day are
removed whenever a new one is stored.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings

MAX_AGE_SECONDS = 24 * 3600


def _directory() -> Path:
    path = Path(settings.MEDIA_ROOT) / "import-pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes) -> str:
    directory = _directory()
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in directory.glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (directory / f"{token}.upload").write_bytes(data)
    return token


def take(token: str) -> bytes | None:
    """The stored bytes, removed from disk; None for an unknown or expired token."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        return None
    path = _directory() / f"{token}.upload"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    path.unlink(missing_ok=True)
    return data
