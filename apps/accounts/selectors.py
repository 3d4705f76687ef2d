"""Reads of the accounts app: the effective 等保 security settings.

``security_settings()`` is the one place code reads the password, session, lockout, MFA, password
login, 「查看完整信息」 and audit retention settings: the security administrator's saved row
(SecuritySettings, id 1) when there is one, else the deployment's values (environment,
config/settings.py). Within a request it is read once (``request_scope``, opened by
controls.SecuritySettingsScopeMiddleware) and read again after a save in that request
(``forget_security_settings``); outside requests (commands, Celery tasks) every call reads the
database, so a long-running worker never keeps a stale value.
"""

from __future__ import annotations

import contextlib
import contextvars
from dataclasses import dataclass, fields
from datetime import timedelta

from apps.accounts.models import SecuritySettings, deployment_default

# The request's cache: a dict while a request is served, None outside requests.
_cache: contextvars.ContextVar[dict | None] = contextvars.ContextVar("security_settings", default=None)


@dataclass(frozen=True)
class EffectiveSecuritySettings:
    password_min_length: int
    password_max_age_days: int  # 0: never (only a deployment value; a saved row is 7–180)
    session_idle_timeout_minutes: int  # 0: off (idem)
    session_absolute_hours: int  # 0: off (idem)
    lockout_failure_limit: int
    lockout_minutes: int
    mfa_required_roles: frozenset[str]
    password_login_enabled: bool
    pii_reveal_roles: frozenset[str]
    audit_retention_days: int
    saved: bool  # False: no row yet, the deployment's values apply


FIELDS = tuple(f.name for f in fields(EffectiveSecuritySettings) if f.name != "saved")


def values_of(row: SecuritySettings) -> dict:
    """A row's values as plain JSON-able data (role lists sorted), for audit entries."""
    return {name: sorted(getattr(row, name) or ()) if name in ROLE_LISTS else getattr(row, name)
            for name in FIELDS}


ROLE_LISTS = ("mfa_required_roles", "pii_reveal_roles")


def _effective(row: SecuritySettings | None) -> EffectiveSecuritySettings:
    values = {name: getattr(row, name) if row is not None else deployment_default(name) for name in FIELDS}
    for name in ROLE_LISTS:
        values[name] = frozenset(values[name] or ())
    return EffectiveSecuritySettings(**values, saved=row is not None)


def security_settings() -> EffectiveSecuritySettings:
    """The settings in force (one query per request at most)."""
    cache = _cache.get()
    if cache is not None and "value" in cache:
        return cache["value"]
    value = _effective(SecuritySettings.objects.filter(pk=1).first())
    if cache is not None:
        cache["value"] = value
    return value


def security_settings_row() -> SecuritySettings:
    """The saved row, or an unsaved one holding the deployment's values (the admin's form)."""
    return SecuritySettings.objects.filter(pk=1).first() or SecuritySettings()


def forget_security_settings() -> None:
    """Drop the request's cached value (after a save, so the rest of the request sees the new one)."""
    cache = _cache.get()
    if cache is not None:
        cache.clear()


@contextlib.contextmanager
def request_scope():
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


# django-axes reads these through AXES_FAILURE_LIMIT and AXES_COOLOFF_TIME (config/settings.py).
def lockout_failure_limit(request, credentials) -> int:
    return security_settings().lockout_failure_limit


def lockout_cooloff(request=None) -> timedelta:
    return timedelta(minutes=security_settings().lockout_minutes)
