"""The portal's own records: 督办 reminders sent by the county and calendar-feed tokens."""

import secrets

from django.conf import settings
from django.db import models


class Supervision(models.Model):
    """A 督办 reminder from a county official to a township (or village): dated, worded, and
    shown to the unit's staff until they acknowledge it."""

    unit = models.ForeignKey("jurisdictions.Unit", verbose_name="督办单位", on_delete=models.PROTECT)
    requirement_code = models.CharField("要求编码", max_length=60, blank=True)
    text = models.TextField("督办内容", max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="督办人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("督办时间", auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "created_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.created_at:%Y-%m-%d}"


def new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """A per-user secret for the .ics feed: phone calendars cannot log in, so the secret in the
    URL is the credential. Revoking sets ``revoked_at``; a revoked token never works again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens")
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "日历订阅令牌"
        verbose_name_plural = "日历订阅令牌"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
