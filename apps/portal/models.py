"""The portal's own records: 督办 reminders sent by the county and calendar-feed tokens."""

import secrets

from django.conf import settings
from django.db import models


class Supervision(models.Model):
    """A 督办 from a county official to a township (or village), run as a small workflow:
    sent (with a 办理时限) → acknowledged → answered by the unit (反馈, optionally naming the
    records that settle it) → closed (办结) by the county. Open past its deadline it is overdue."""

    unit = models.ForeignKey("jurisdictions.Unit", verbose_name="督办单位", on_delete=models.PROTECT)
    requirement_code = models.CharField("要求编码", max_length=60, blank=True)
    # The title and the evidence form as they were when the 督办 was sent: the catalog may change.
    requirement_title = models.CharField("相关要求", max_length=200, blank=True)
    evidence_kind = models.CharField("记录类型", max_length=20, blank=True)
    due_on = models.DateField("办理时限", null=True, blank=True, db_index=True)
    text = models.TextField("督办内容", max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="督办人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("督办时间", auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply_text = models.TextField("反馈内容", max_length=1000, blank=True)
    # [{"kind": "drills", "pk": 12, "label": "防汛演练"}]: records the unit names as its answer.
    reply_records = models.JSONField("反馈关联记录", default=list, blank=True)
    replied_at = models.DateTimeField("反馈时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True, db_index=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_note = models.CharField("办结意见", max_length=500, blank=True)

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["unit", "created_at"])]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.created_at:%Y-%m-%d}"

    @property
    def state(self) -> str:
        if self.closed_at:
            return "closed"
        if self.replied_at:
            return "replied"
        if self.acknowledged_at:
            return "acknowledged"
        return "sent"

    @property
    def state_label(self) -> str:
        return {"closed": "已办结", "replied": "已反馈，待办结", "acknowledged": "已签收，办理中",
                "sent": "未签收"}[self.state]

    def is_overdue(self, today) -> bool:
        """Open after its deadline; the deadline day itself is still in time."""
        return self.closed_at is None and self.due_on is not None and today > self.due_on


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
