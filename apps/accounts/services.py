"""Writes of the accounts app: API tokens and the security settings. Each change and its audit record
share one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from apps.accounts import access, selectors, tokens
from apps.accounts.models import ApiToken, SecuritySettings, User
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


# ------------------------------------------------------------------------------
# 等保 security settings (the security administrator's)
# ------------------------------------------------------------------------------
@transaction.atomic
def security_settings_update(*, actor, values: dict) -> dict[str, dict]:
    """Save the security settings; returns {field: {"old": …, "new": …}} for what changed, which
    is also what the audit entry (``accounts.security_settings_changed``) records. Raises
    PermissionDenied for anyone but the security administrator (access.py) and ValidationError
    (Chinese, per field) for a value outside the 等保 bounds. A save that changes nothing on an
    existing row writes and audits nothing."""
    if not access.may_change_security_settings(actor):
        raise PermissionDenied("只有安全管理员可以修改安全设置")
    unknown = set(values) - set(selectors.FIELDS)
    if unknown:
        raise ValueError(f"unknown security settings: {sorted(unknown)}")
    # One row, created on the first save (with the deployment's values) and locked so that two
    # saves never interleave; the old values are read under the lock.
    row = SecuritySettings.objects.select_for_update().filter(pk=1).first()
    created = row is None
    if created:
        SecuritySettings.objects.bulk_create([SecuritySettings()], ignore_conflicts=True)
        row = SecuritySettings.objects.select_for_update().get(pk=1)
    old = selectors.values_of(row)
    for name, value in values.items():
        setattr(row, name, sorted(value) if isinstance(value, list | set | frozenset | tuple) else value)
    row.full_clean()
    new = selectors.values_of(row)
    changes = {name: {"old": old[name], "new": new[name]} for name in selectors.FIELDS if old[name] != new[name]}
    if not changes and not created:
        return {}
    row.updated_by = actor
    row.save()
    record_event(actor=actor, action="accounts.security_settings_changed", target="security_settings",
                 changes=changes, first_save=created)
    selectors.forget_security_settings()
    return changes
