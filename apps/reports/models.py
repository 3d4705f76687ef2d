"""Stored scorecards, the county jobs that produce them, and audit seals.

A scorecard is stored once per (unit, as-of date, data fingerprint, seal): asking again with
unchanged data returns the stored file, so a printed and filed PDF can always be verified
against the portal by its SHA-256.
"""

from django.conf import settings
from django.db import models


class Seal(models.Model):
    """An auditor's frozen evaluation of a unit's subtree as of a date.

    ``payload`` is the raw snapshot (units, evaluations, roll-ups, overdue tasks) and
    ``evidence`` the list of evidence references it used with their content hashes. Both are
    written once: later edits of records change the live evaluation, never the seal.
    """

    unit = models.ForeignKey("jurisdictions.Unit", verbose_name="单位", on_delete=models.PROTECT)
    as_of = models.DateField("评估基准日")
    number = models.CharField("封存编号", max_length=20, unique=True)
    payload = models.JSONField("封存数据")
    evidence = models.JSONField("证据清单", default=list)
    fingerprint = models.CharField("封存指纹", max_length=64)
    note = models.CharField("说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="封存人", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("封存时间", auto_now_add=True)

    class Meta:
        verbose_name = "评估封存"
        verbose_name_plural = "评估封存"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["unit", "as_of"], name="uniq_seal_unit_as_of")]

    def __str__(self) -> str:
        return self.number


class Scorecard(models.Model):
    unit = models.ForeignKey("jurisdictions.Unit", verbose_name="单位", on_delete=models.PROTECT)
    as_of = models.DateField("评估基准日")
    # Random file name under MEDIA_ROOT/scorecards/: the name reveals nothing and cannot be guessed.
    file = models.FileField("文件", upload_to="scorecards/", max_length=200)
    size = models.PositiveIntegerField("大小", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    payload = models.JSONField("评分卡数据")
    snapshot_fingerprint = models.CharField("数据指纹", max_length=64)
    verification_code = models.CharField("核验码", max_length=12, unique=True)
    seal = models.ForeignKey(Seal, verbose_name="封存", null=True, blank=True, on_delete=models.PROTECT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="生成人", null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "评分卡"
        verbose_name_plural = "评分卡"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "as_of", "snapshot_fingerprint"], name="uniq_scorecard_snapshot"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.as_of} {self.verification_code}"

    @property
    def display_code(self) -> str:
        c = self.verification_code
        return f"{c[:4]}-{c[4:]}"

    @property
    def download_name(self) -> str:
        return f"scorecard-{self.payload['unit']['code']}-{self.as_of:%Y%m%d}"


class JobState(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class ScorecardJob(models.Model):
    """A county scorecard produced by a Celery task; the page polls ``done``/``total``."""

    unit = models.ForeignKey("jurisdictions.Unit", verbose_name="单位", on_delete=models.PROTECT)
    as_of = models.DateField("评估基准日")
    state = models.CharField("状态", max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    scorecard = models.ForeignKey(Scorecard, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "评分卡生成任务"
        verbose_name_plural = "评分卡生成任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"job {self.pk} {self.unit_id} {self.state}"

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def finished(self) -> bool:
        return self.state in (JobState.DONE, JobState.FAILED)
