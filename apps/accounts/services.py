"""Writes of the accounts app: API tokens. Each change and its audit record share one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.accounts import tokens
from apps.accounts.models import ApiToken, User
from apps.core.audit import record_event


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once to whoever created the token, never stored


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: datetime | None = None, actor=None) -> IssuedToken:
    if expires_at is not None and expires_at <= timezone.now():
        raise ValueError("过期时间必须晚于现在")
    secret = tokens.new_secret()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=tokens.prefix(secret), digest=tokens.digest(secret),
        expires_at=expires_at, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record_event(actor=actor, action="accounts.api_token_created", token=token.prefix, owner=user.username,
                 name=name, expires_at=expires_at.isoformat() if expires_at else None)
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> bool:
    """Revoke the token; False if it already was (nothing changes, nothing is audited twice)."""
    now = timezone.now()
    revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now,
                                                                                 revoked_by=revoked_by)
    if not changed:
        return False
    token.revoked_at, token.revoked_by = now, revoked_by
    record_event(actor=actor, action="accounts.api_token_revoked", token=token.prefix, owner=token.user.username)
    return True
