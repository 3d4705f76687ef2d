"""Stored results of evaluations: dated snapshots, nightly runs, county reports, reminders."""

from django.conf import settings
from django.db import models


class Snapshot(models.Model):
    """The evaluation of one unit as of one date. ``fingerprint`` identifies the data it was
    computed from (see selectors.county_fingerprints): a snapshot is fresh while its county's
    current fingerprint is the same."""

    unit = models.ForeignKey("jurisdictions.Unit", on_delete=models.CASCADE, related_name="snapshots")
    as_of = models.DateField("评估日期")
    payload = models.JSONField("评估结果")
    score = models.FloatField("得分", null=True, blank=True)
    grade = models.CharField("等次", max_length=10, blank=True)
    counts = models.JSONField("状态统计", default=dict)
    fingerprint = models.CharField(max_length=64)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "评估快照"
        verbose_name_plural = "评估快照"
        ordering = ["unit", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["unit", "as_of"], name="uniq_snapshot_unit_as_of")]
        indexes = [models.Index(fields=["as_of"])]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.as_of}"


class EvaluationRun(models.Model):
    class State(models.TextChoices):
        RUNNING = "running", "运行中"
        SUCCEEDED = "succeeded", "成功"
        PARTIAL = "partial", "部分失败"
        FAILED = "failed", "失败"

    as_of = models.DateField("评估日期", db_index=True)
    trigger = models.CharField("触发方式", max_length=20, default="beat")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    counties = models.PositiveIntegerField("县数", default=0)
    counties_done = models.PositiveIntegerField("完成县数", default=0)
    units_evaluated = models.PositiveIntegerField("评估单位数", default=0)
    overdue_tasks = models.PositiveIntegerField("逾期任务数", default=0)
    emails_sent = models.PositiveIntegerField("发送邮件数", default=0)
    errors = models.JSONField("错误", default=list, blank=True)

    class Meta:
        verbose_name = "夜间评估运行"
        verbose_name_plural = "夜间评估运行"
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.as_of} {self.get_state_display()}"


class CountyReport(models.Model):
    """The overdue report of one county for one date: one row, replaced by a re-run."""

    county = models.ForeignKey("jurisdictions.Unit", on_delete=models.CASCADE, related_name="overdue_reports")
    as_of = models.DateField("评估日期")
    run = models.ForeignKey(EvaluationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    ok = models.BooleanField("成功", default=True)
    error = models.TextField("错误", blank=True)
    units_evaluated = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField("逾期", default=0)
    non_compliant = models.PositiveIntegerField("未达标", default=0)
    due_soon = models.PositiveIntegerField("即将到期", default=0)
    rows = models.JSONField("逾期任务", default=list)
    emailed_at = models.DateTimeField(null=True, blank=True)
    emails_sent = models.PositiveIntegerField(default=0)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "县逾期任务报告"
        verbose_name_plural = "县逾期任务报告"
        ordering = ["-as_of", "county"]
        constraints = [models.UniqueConstraint(fields=["county", "as_of"], name="uniq_county_report")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.as_of}"


class ReminderSent(models.Model):
    """What was sent, so a missed night never loses a reminder and a re-run never repeats it."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", "即将到期"
        OVERDUE = "overdue", "已逾期"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit_code = models.CharField(max_length=12)
    requirement = models.CharField(max_length=60)
    due = models.DateField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    as_of = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "已发送提醒"
        verbose_name_plural = "已发送提醒"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "requirement", "unit_code", "due", "stage"], name="uniq_reminder_sent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.requirement} {self.unit_code} {self.due} {self.stage}"


class CountySettings(models.Model):
    """Per-county notification options (an optional JSON webhook)."""

    county = models.OneToOneField("jurisdictions.Unit", on_delete=models.CASCADE, related_name="compliance_settings")
    webhook_url = models.URLField("Webhook 地址", blank=True)
    webhook_enabled = models.BooleanField("启用 Webhook", default=False)

    class Meta:
        verbose_name = "县通知设置"
        verbose_name_plural = "县通知设置"

    def __str__(self) -> str:
        return str(self.county_id)
