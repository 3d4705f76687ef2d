"""The policy catalog: documents, clauses, duties and versioned quantified requirements.

Rules are data. Nothing in Python names a province or a number: the evaluation reads the
RequirementVersion in force on the as-of date and its typed ``params`` (see kinds.py).
"""

from django.conf import settings
from django.db import models

from apps.jurisdictions.codes import FLAG_LABELS, Level


class Document(models.Model):
    code = models.CharField("编号", max_length=40, unique=True)
    short_name = models.CharField("简称", max_length=40)
    title = models.CharField("标题", max_length=200)
    doc_number = models.CharField("文号", max_length=60, blank=True)
    issuer = models.CharField("发文机关", max_length=200)
    issued_on = models.DateField("发布日期")
    # Blank = nationwide; otherwise the 12-digit code of the province-level unit.
    scope_province_code = models.CharField("适用省份", max_length=12, blank=True, db_index=True)
    binding = models.BooleanField("具有约束力", default=True)
    authority_note = models.TextField("效力说明", blank=True)
    text = models.TextField("全文")
    source_file = models.CharField("来源文件", max_length=100, blank=True)

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        ordering = ["issued_on", "code"]

    def __str__(self) -> str:
        return self.short_name


class Clause(models.Model):
    document = models.ForeignKey(Document, verbose_name="文件", on_delete=models.CASCADE, related_name="clauses")
    number = models.CharField("条款号", max_length=20)  # e.g. "(十三)", "十", "(十四)"
    title = models.CharField("条款标题", max_length=200, blank=True)
    text = models.TextField("条款全文")
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "条款"
        verbose_name_plural = "条款"
        ordering = ["document", "order"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="uniq_clause_number")]

    def __str__(self) -> str:
        return f"{self.document.short_name}{self.number}"


class Duty(models.Model):
    """A duty (履职事项) a level carries, e.g. 巡查巡护 for townships and villages."""

    code = models.CharField("编码", max_length=60, unique=True)
    title = models.CharField("履职事项", max_length=200)
    levels = models.CharField("适用层级", max_length=100)
    scope_province_code = models.CharField("适用省份", max_length=12, blank=True)
    clause = models.ForeignKey(Clause, verbose_name="条款", on_delete=models.PROTECT, related_name="duties")
    quote = models.TextField("原文引述")

    class Meta:
        verbose_name = "履职事项"
        verbose_name_plural = "履职事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title

    @property
    def level_labels(self) -> str:
        return "、".join(Level.LABELS[lv] for lv in self.levels.split(",") if lv in Level.LABELS)


class Kind(models.TextChoices):
    TEAM_FLOOR = "team_floor", "救援队伍人数下限"
    PERIODIC_EVENT = "periodic_event", "周期性活动"
    TRAINING_CYCLE = "training_cycle", "人员培训周期"
    FACILITY_COUNT = "facility_count", "设施装备数量"
    RESPONSE_TIME = "response_time", "响应时限"
    STANDING_DOCUMENT = "standing_document", "常设制度文件"
    STAFFING = "staffing", "人员配备"


class Topic(models.TextChoices):
    TEAM = "team", "救援队伍"
    DRILL = "drill", "应急演练"
    TRAINING = "training", "培训"
    FACILITY = "facility", "设施装备"
    MEETING = "meeting", "研究部署"
    WARNING = "warning", "预警叫应"
    DUTY = "duty", "值班与制度"
    STAFFING = "staffing", "工作力量"
    PUBLICITY = "publicity", "宣传教育"


class Requirement(models.Model):
    """The stable identity of an obligation; its content lives in versions."""

    code = models.CharField("编码", max_length=60, unique=True)
    topic = models.CharField("主题", max_length=20, choices=Topic.choices)

    class Meta:
        verbose_name = "要求"
        verbose_name_plural = "要求"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class RequirementVersion(models.Model):
    """One version of a requirement. Versions are never edited once an evaluation may have used
    them: a change is a new version with its own ``effective_from``. The version in force on a
    date is the one with the latest ``effective_from`` on or before it."""

    requirement = models.ForeignKey(Requirement, verbose_name="要求", on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    effective_from = models.DateField("生效日期")
    title = models.CharField("要求", max_length=200)
    description = models.TextField("说明", blank=True)
    kind = models.CharField("类型", max_length=30, choices=Kind.choices)
    params = models.JSONField("参数", default=dict)
    levels = models.CharField("适用层级", max_length=100)
    scope_province_code = models.CharField("适用省份", max_length=12, blank=True, db_index=True)
    flags_any = models.CharField("风险标识条件(任一)", max_length=200, blank=True, default="")
    deadline = models.DateField("完成期限", null=True, blank=True)
    binding = models.BooleanField("约束性", default=True)
    weight = models.DecimalField("分值", max_digits=5, decimal_places=2, default=0)
    retired = models.BooleanField("自该版本起废止", default=False)
    # The date the obligation itself took effect, when this version only corrects an earlier
    # reading of the same sentence (blank = effective_from): periods and cycles run from it.
    obligation_from = models.DateField("义务起算日", null=True, blank=True)
    # Codes of requirements this one restates for the units it applies to (",CN-DUTY-ROSTER,"):
    # they are listed as 「由…替代」 and never scored there, so one fact is not deducted twice.
    supersedes = models.CharField("替代的要求", max_length=300, blank=True, default="")
    change_reason = models.CharField("变更原因", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True, blank=True,
                                   on_delete=models.SET_NULL)

    class Meta:
        verbose_name = "要求版本"
        verbose_name_plural = "要求版本"
        ordering = ["requirement__code", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["requirement", "version"], name="uniq_requirement_version"),
            models.UniqueConstraint(fields=["requirement", "effective_from"], name="uniq_requirement_effective"),
        ]
        indexes = [models.Index(fields=["effective_from"])]

    def __str__(self) -> str:
        return f"{self.requirement.code} v{self.version}"

    @property
    def level_list(self) -> list[str]:
        return [lvl for lvl in self.levels.split(",") if lvl in Level.LABELS]

    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags_any.split(",") if f]

    @property
    def level_labels(self) -> str:
        return "、".join(Level.LABELS[lv] for lv in self.level_list)

    @property
    def supersedes_list(self) -> list[str]:
        return [c for c in self.supersedes.split(",") if c]

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS.get(f, f) for f in self.flag_list]

    def clean(self):
        from django.core.exceptions import ValidationError

        from apps.policies.kinds import validate_params

        errors = validate_params(self.kind, self.params)
        if errors:
            raise ValidationError({"params": errors})


class Citation(models.Model):
    version = models.ForeignKey(RequirementVersion, verbose_name="要求版本", on_delete=models.CASCADE, related_name="citations")
    clause = models.ForeignKey(Clause, verbose_name="条款", on_delete=models.PROTECT, related_name="citations")
    quote = models.TextField("原文引述")
    order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "出处"
        verbose_name_plural = "出处"
        ordering = ["version", "order"]

    def __str__(self) -> str:
        return f"{self.clause}: {self.quote[:30]}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from apps.policies.rules import quote_in

        # The same check as the loader's: a citation must quote its clause word for word.
        if self.clause_id and self.quote and not quote_in(self.quote, self.clause.text):
            raise ValidationError({"quote": f"引文不在 {self.clause} 原文中（须逐字引用，空白除外）"})
