"""Password policy (等保 2.0 level 3, 8.1.4.1 a: 口令复杂度并定期更换) and password changes.

The validators run wherever Django validates a password (the change form, the admin, the
commands); ``password_set`` is the one write path that keeps the history and the change date.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.selectors import security_settings

CLASSES = (
    ("大写字母", str.isupper),
    ("小写字母", str.islower),
    ("数字", str.isdigit),
    ("特殊字符", lambda c: not c.isalnum()),
)


class ComplexityValidator:
    """``min_length`` defaults to 安全设置's password_min_length (the security administrator's)."""

    def __init__(self, min_length: int | None = None, min_classes: int = 3):
        self._min_length, self.min_classes = min_length, min_classes

    @property
    def min_length(self) -> int:
        return self._min_length or security_settings().password_min_length

    def validate(self, password, user=None):
        errors = []
        if len(password) < self.min_length:
            errors.append(ValidationError(f"密码至少需要 {self.min_length} 个字符。", code="password_too_short"))
        used = sum(any(test(c) for c in password) for _, test in CLASSES)
        if used < self.min_classes:
            errors.append(ValidationError(
                f"密码须包含大写字母、小写字母、数字、特殊字符中的至少 {self.min_classes} 类。",
                code="password_too_simple"))
        username = getattr(user, "username", "") or ""
        if username and username.lower() in password.lower():
            errors.append(ValidationError("密码不能包含用户名。", code="password_contains_username"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self):
        return (f"至少 {self.min_length} 个字符，包含大写字母、小写字母、数字、特殊字符中的至少 "
                f"{self.min_classes} 类，且不能包含用户名。")


class HistoryValidator:
    """Not the current password nor one of the ``count`` before it (checked against the hashes)."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        hashes = [user.password] if user.password else []
        hashes += list(user.password_history.values_list("password", flat=True)[: self.count])
        if any(check_password(password, h) for h in hashes[: self.count]):
            raise ValidationError(f"新密码不能与最近 {self.count} 次使用过的密码相同。", code="password_reused")

    def get_help_text(self):
        return f"不能与最近 {self.count} 次使用过的密码相同。"


def history_count() -> int:
    for v in settings.AUTH_PASSWORD_VALIDATORS:
        if v["NAME"].endswith(".HistoryValidator"):
            return v.get("OPTIONS", {}).get("count", 5)
    return 0


@transaction.atomic
def password_set(*, user, raw_password: str, by_self: bool) -> None:
    """Set a new password, keep the old hash in the history and record when.

    ``by_self=False`` (created or reset by someone else) makes the user change it at next login.
    """
    from apps.accounts.models import PasswordHistory

    if user.password and user.pk:
        PasswordHistory.objects.create(user=user, password=user.password)
        keep = history_count()
        stale = user.password_history.values_list("pk", flat=True)[keep:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()
    user.set_password(raw_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = not by_self
    if user.pk:
        user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    else:
        user.save()


def password_expired(user, now=None) -> bool:
    """True when 安全设置's password_max_age_days (default PASSWORD_MAX_AGE_DAYS) have passed since the
    last change (or, for accounts older than this rule, since they joined)."""
    days = security_settings().password_max_age_days
    if not days or not user.has_usable_password():
        return False  # single sign-on accounts have no local password to expire
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > timedelta(days=days)
