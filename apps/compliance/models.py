"""Stored results of evaluations: dated snapshots, nightly runs, county reports, reminders."""

from django.conf import settings
from django.db import models
from django.utils import timezone

# The night's own rows (snapshots, overdue rows) reference their unit or county without a
# foreign-key constraint in the database. A deferred constraint is checked row by row at commit,
# each check a locking read of the unit (FOR KEY SHARE): a county task's commit checked and locked
# every unit again for each row it wrote or carried over (≈ 1,000 rows per county, ≈ 4 ms of a
# warm night's 45 ms county task). The rows are derived: written only by the night's services from
# the unit list they have just read; units are never deleted (evidence protects them), and a
# deletion through Django still removes their rows (on_delete runs in Python).
NIGHT_ROWS_DB_CONSTRAINT = False


class Snapshot(models.Model):
    """The evaluation of one unit as of one date, in compact form: score, grade, status counts and
    per requirement ``results`` rows ``[requirement, version, status, due, actual, target,
    deducted]`` (see results.compact_results). The per-task detail is not stored: a unit page, the
    API or a PDF evaluates the unit again on demand (docs/performance.md). ``fingerprint`` is the
    stamp ``<catalog key>:<unit data_version>`` it was computed from (selectors.stamp): equal to
    the unit's current stamp, the snapshot is current."""

    # No index of its own: the unique (unit, as_of) serves lookups by unit (every row written
    # maintains each index, and the night writes one row per unit). No foreign-key constraint in
    # the database either (NIGHT_ROWS_DB_CONSTRAINT).
    unit = models.ForeignKey("jurisdictions.Unit", verbose_name="单位", on_delete=models.CASCADE, related_name="snapshots",
                             db_index=False, db_constraint=NIGHT_ROWS_DB_CONSTRAINT)
    as_of = models.DateField("评估日期")
    score = models.FloatField("得分", null=True, blank=True)
    grade = models.CharField("等次", max_length=10, blank=True)
    counts = models.JSONField("状态统计", default=dict)
    results = models.JSONField("各项结果", default=list)
    fingerprint = models.CharField("数据指纹", max_length=64)
    # The first date on which the evaluation may change without new evidence, catalog or settings
    # (rules.valid_until); null: never. Until then, and while the unit's stamp (``fingerprint``)
    # is unchanged, the nightly county task copies the row to the next date instead of evaluating.
    valid_until = models.DateField("有效至", null=True, blank=True)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "评估快照"
        verbose_name_plural = "评估快照"
        ordering = ["unit", "-as_of"]
        constraints = [models.UniqueConstraint(fields=["unit", "as_of"], name="uniq_snapshot_unit_as_of")]
        # (as_of, unit): a night's rows of a list of units (the county task's carry-over and its
        # previous-night stamps) are an index range, never a scan of the whole night filtered by
        # unit — the plan PostgreSQL picked when the newest date had no statistics yet. Serves
        # "all rows of a date" (retention, trends) as the as_of index did.
        indexes = [models.Index(fields=["as_of", "unit"], name="snapshot_as_of_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} @ {self.as_of}"


class EvaluationRun(models.Model):
    """The nightly run of one date: ONE row per date (a second trigger joins it, a trigger after it
    finished re-opens it). The watchdog re-queues counties that have not reported and closes a run
    past its deadline as failed, naming the missing counties (services.evaluation_runs_watch)."""

    class State(models.TextChoices):
        RUNNING = "running", "运行中"
        SUCCEEDED = "succeeded", "成功"
        PARTIAL = "partial", "部分失败"
        FAILED = "failed", "失败"

    as_of = models.DateField("评估日期", db_index=True)
    trigger = models.CharField("触发方式", max_length=20, default="beat")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.RUNNING)
    # Reset when a finished run is re-opened: counties report anew from this time on.
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    requeued_at = models.DateTimeField("补发时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("运行次数", default=1)
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
        constraints = [models.UniqueConstraint(fields=["as_of"], name="uniq_evaluation_run_as_of")]

    def __str__(self) -> str:
        return f"{self.as_of} {self.get_state_display()}"

    @property
    def missing_counties(self) -> list[dict]:
        """The counties a closed run is missing (named in ``errors`` by the watchdog)."""
        return [e for e in self.errors or [] if e.get("missing")]


class CountyReport(models.Model):
    """The overdue report of one county for one date: one row, replaced by a re-run."""

    county = models.ForeignKey("jurisdictions.Unit", verbose_name="县", on_delete=models.CASCADE,
                               related_name="overdue_reports")
    as_of = models.DateField("评估日期")
    run = models.ForeignKey(EvaluationRun, verbose_name="评估批次", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="reports")
    ok = models.BooleanField("成功", default=True)
    error = models.TextField("错误", blank=True)
    units_evaluated = models.PositiveIntegerField("评估单位数", default=0)
    overdue = models.PositiveIntegerField("逾期", default=0)
    non_compliant = models.PositiveIntegerField("未达标", default=0)
    due_soon = models.PositiveIntegerField("即将到期", default=0)
    # The report's tasks are CountyOverdueRow rows (one per task, paginated in SQL).
    # What the county pages show (selectors.county_summary: topic × township worst status with the
    # villages behind it, overdue counts, scores) and the stamp it was computed from,
    # ``<catalog key>:<county data_version>`` read before computing (selectors.stamp): pages read
    # these instead of decoding every unit's snapshot while the stamp is the county's current one,
    # and a same-night re-run with an unchanged stamp carries the report over without evaluating.
    summary = models.JSONField("县汇总", default=dict, blank=True)
    fingerprint = models.CharField("数据指纹", max_length=64, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    emails_sent = models.PositiveIntegerField("已发邮件数", default=0)
    webhook_sent_at = models.DateTimeField("Webhook 推送时间", null=True, blank=True)
    webhook_error = models.CharField("Webhook 错误", max_length=500, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "县逾期任务报告"
        verbose_name_plural = "县逾期任务报告"
        ordering = ["-as_of", "county"]
        constraints = [models.UniqueConstraint(fields=["county", "as_of"], name="uniq_county_report")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.as_of}"


class CountyOverdueRow(models.Model):
    """One open task of a county's nightly report (selectors.overdue_rows): what the overdue list,
    its CSV/XLSX, the API's overdue endpoint, the webhook and the reminders read, filtered, sorted
    and paginated in SQL. Written in bulk by the county task with its report (DELETE + COPY, in
    the task's transaction); current exactly when its CountyReport is (selectors.
    stored_county_report). The report's own order is by the columns (most overdue first, then
    unit, requirement, subject: selectors.OVERDUE_SORTS); ``position`` numbers a unit's rows in
    that order and only breaks ties between rows that are otherwise equal. ``days_overdue`` is
    derived (``as_of - due``). Keyed by the unit's code and numbered per unit, so a night copies
    the rows of the units it carries over with one INSERT … SELECT, unchanged."""

    # Every lookup names a date: the unique constraint's index, date first, serves a county's rows
    # of a date (and unit) and retention's "before a date" alike. Date first also keeps the
    # night's plans right: the planner has no statistics for tonight's date while the night
    # writes it (it counts one row), and with a separate date index it read the whole night
    # written so far for each county's DELETE instead of the county's rows.
    county = models.ForeignKey("jurisdictions.Unit", verbose_name="县", on_delete=models.CASCADE, related_name="+",
                               db_index=False, db_constraint=NIGHT_ROWS_DB_CONSTRAINT)
    as_of = models.DateField("评估日期")
    position = models.PositiveIntegerField("序号")
    unit_code = models.CharField("单位代码", max_length=12)
    unit_name = models.CharField("单位名称", max_length=100)
    requirement = models.CharField("要求编码", max_length=60)
    requirement_title = models.TextField("要求")
    due = models.DateField("截止日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20)
    source = models.TextField("依据", blank=True)
    missing = models.TextField("缺失内容", blank=True)
    subject = models.TextField("对象", blank=True)

    class Meta:
        verbose_name = "县逾期任务"
        verbose_name_plural = "县逾期任务"
        constraints = [models.UniqueConstraint(fields=["as_of", "county", "unit_code", "position"],
                                               name="uniq_overdue_row_per_unit")]

    def __str__(self) -> str:
        return f"{self.county_id} {self.as_of} {self.unit_code} {self.requirement}"


class Reminder(models.Model):
    """The reminder outbox: one row per user, task and stage (the database refuses a second), so a
    missed night never loses a reminder and a re-run never repeats it. A row is claimed before it
    is sent and marked sent after; a send that fails releases the claim and is retried later
    (services.reminders_deliver), and a claim left by a dead worker expires."""

    class Stage(models.TextChoices):
        DUE_SOON = "due_soon", "即将到期"
        OVERDUE = "overdue", "已逾期"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="+")
    township_code = models.CharField("乡镇代码", max_length=12, blank=True)
    unit_code = models.CharField("单位代码", max_length=12)
    requirement = models.CharField("要求编码", max_length=60)
    due = models.DateField("到期日")
    stage = models.CharField("提醒阶段", max_length=10, choices=Stage.choices)
    as_of = models.DateField("评估日期")
    line = models.TextField("提醒内容", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    claim = models.CharField("领取标记", max_length=32, blank=True)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("发送尝试", default=0)
    last_error = models.CharField("最近错误", max_length=500, blank=True)

    class Meta:
        verbose_name = "提醒发件箱"
        verbose_name_plural = "提醒发件箱"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "requirement", "unit_code", "due", "stage"], name="uniq_reminder_sent"
            )
        ]
        indexes = [models.Index(fields=["township_code", "sent_at"], name="reminder_pending_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.requirement} {self.unit_code} {self.due} {self.stage}"


class CountySettings(models.Model):
    """Per-county notification options (an optional JSON webhook)."""

    county = models.OneToOneField("jurisdictions.Unit", verbose_name="县", on_delete=models.CASCADE,
                                  related_name="compliance_settings")
    webhook_url = models.URLField("Webhook 地址", blank=True)
    webhook_enabled = models.BooleanField("启用 Webhook", default=False)

    class Meta:
        verbose_name = "县通知设置"
        verbose_name_plural = "县通知设置"

    def __str__(self) -> str:
        return str(self.county_id)
