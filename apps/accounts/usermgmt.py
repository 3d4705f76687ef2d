"""Writes on user accounts: create, edit, (de)activate, reset the password, role and grants.

Used by the admin, 用户管理 and import_users. Each change and its audit record share one
transaction (account creation, password, role, grant and MFA device changes are audited at the
model by apps.audit.receivers, whatever path made them; the rest here); who may do what is decided by the caller through access.py before calling.
Initial and reset passwords are generated here, returned once, and never stored in clear.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from django.db import transaction

from apps.accounts import access
from apps.accounts.models import User
from apps.accounts.passwords import password_set
from apps.core.audit import record_event

EDITABLE_FIELDS = ("full_name", "mobile", "email")


def initial_password() -> str:
    """16 random characters with every class present, so it passes the password policy."""
    alphabet = string.ascii_letters + string.digits + "#%+-=@"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(16))
        if (any(c.isupper() for c in candidate) and any(c.islower() for c in candidate)
                and any(c.isdigit() for c in candidate) and any(not c.isalnum() for c in candidate)):
            return candidate


@dataclass(frozen=True)
class Created:
    user: User
    password: str  # shown once to whoever created the account


@transaction.atomic
def user_create(*, actor, username: str, role: str, units=(), full_name: str = "", mobile: str = "",
                email: str = "", password: str | None = None) -> Created:
    """Create an account whose password the new user must change at first login."""
    user = User(username=username, role=role, full_name=full_name, mobile=mobile, email=email)
    user.full_clean(exclude=["password"])
    password = password or initial_password()
    password_set(user=user, raw_password=password, by_self=False)
    for unit in units:
        access.grant(user, unit)
    # Audited where every account creation and grant is caught, whatever made it (apps.audit.receivers).
    return Created(user=user, password=password)


@transaction.atomic
def user_update(*, actor, user: User, **changes) -> list[str]:
    """Change the contact fields; returns the names of the fields that changed (audited)."""
    changed = [f for f in EDITABLE_FIELDS if f in changes and getattr(user, f) != changes[f]]
    if not changed:
        return []
    for f in changed:
        setattr(user, f, changes[f])
    user.full_clean(exclude=["password"])
    user.save(update_fields=changed)
    record_event(actor=actor, action="accounts.user_changed", username=user.username, fields=changed)
    return changed


@transaction.atomic
def user_set_active(*, actor, user: User, active: bool) -> bool:
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    record_event(actor=actor, action="accounts.user_activated" if active else "accounts.user_deactivated",
                 username=user.username)
    return True


@transaction.atomic
def user_reset_password(*, actor, user: User) -> str:
    """A new one-time password; the user must change it at next login."""
    password = initial_password()
    password_set(user=user, raw_password=password, by_self=False)
    record_event(actor=actor, action="accounts.password_reset", username=user.username)
    return password


@transaction.atomic
def user_set_grants(*, actor, user: User, units) -> bool:
    added, removed = access.set_grants(user, list(units))
    return bool(added or removed)  # each grant added or removed is audited by apps.audit.receivers


@transaction.atomic
def user_set_role(*, actor, user: User, role: str) -> bool:
    if user.role == role:
        return False
    access.change_role(user, role)  # audited (accounts.role_changed) by apps.audit.receivers
    return True
