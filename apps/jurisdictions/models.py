from django.db import models

from apps.jurisdictions.codes import FLAG_LABELS, SIGNIFICANT_DIGITS, Level, ancestor_code, subtree_range


class UnitQuerySet(models.QuerySet):
    def subtree(self, unit: "Unit", include_self: bool = True):
        """All units under `unit`: one indexed range scan on `code` (SQLite and PostgreSQL)."""
        rng = subtree_range(unit.code, unit.level)
        qs = self.filter(code__gte=rng.low, code__lte=rng.high)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def with_flag(self, flag: str):
        return self.filter(flags__contains=f",{flag},")


class Unit(models.Model):
    """An administrative unit: province, city, county (区/县), township (乡镇/街道), village (村/社区)."""

    code = models.CharField("区划代码", max_length=12, unique=True)
    name = models.CharField("名称", max_length=100)
    level = models.CharField("层级", max_length=10, choices=Level.CHOICES, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # Denormalised ancestor codes, filled on save: the province (for applicability), county and
    # township (for fan-out and roll-ups) are known without walking the tree.
    province_code = models.CharField("省级代码", max_length=12, db_index=True, editable=False)
    county_code = models.CharField("县级代码", max_length=12, blank=True, db_index=True, editable=False)
    township_code = models.CharField("乡镇代码", max_length=12, blank=True, db_index=True, editable=False)
    # Risk flags as ",flag_a,flag_b," (sorted): portable substring filter, cheap grouping key.
    flags = models.CharField("风险标识", max_length=200, blank=True, default="")
    tracking_start = models.DateField("考核起始日期", null=True, blank=True)
    is_demo = models.BooleanField("演示数据", default=False)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # The freshness stamp (docs/performance.md, "Freshness"): incremented, in the writer's
    # transaction, by every write that can change this unit's evaluation (services.units_touch);
    # a county's also by every such write anywhere in its subtree. Stored evaluations name the
    # stamp they were computed from, so "is it current?" is a comparison, not an aggregate.
    data_version = models.PositiveBigIntegerField("数据版本", default=0, editable=False)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = "行政单位"
        verbose_name_plural = "行政单位"
        ordering = ["code"]
        # One guardian grant per (user, unit) with the codename of the user's role.
        permissions = [
            ("govern_unit", "县级管理：查看、审核、督办辖区"),
            ("report_unit", "乡镇填报：填报辖区记录"),
            ("audit_unit", "审计：只读辖区并导出"),
            ("administer_unit", "管理辖区"),
        ]
        indexes = [
            models.Index(fields=["province_code", "level"]),
            models.Index(fields=["county_code", "level"]),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def save(self, *args, **kwargs):
        """Saving a unit can change its evaluation (name, level, flags, tracking start): its stamp
        and its county's move. The in-memory ``data_version`` is never written back over an
        existing row: it may be older than a concurrent increment (only units_touch writes it)."""
        from apps.jurisdictions.services import units_touch

        self.fill_ancestor_codes()
        if not self._state.adding and self.pk is not None and kwargs.get("update_fields") is None \
                and not kwargs.get("force_insert"):
            deferred = self.get_deferred_fields()
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields if not f.primary_key
                                       and f.name != "data_version" and f.attname not in deferred]
        super().save(*args, **kwargs)
        units_touch([self.pk])

    # -- derived values -------------------------------------------------------------
    @property
    def flag_list(self) -> list[str]:
        return [f for f in self.flags.split(",") if f] if self.flags else []

    @property
    def flag_labels(self) -> list[str]:
        return [FLAG_LABELS.get(f, f) for f in self.flag_list]

    @property
    def level_label(self) -> str:
        return Level.LABELS.get(self.level, self.level)

    @property
    def code_prefix(self) -> str:
        return self.code[: SIGNIFICANT_DIGITS[self.level]]

    def set_flags(self, flags) -> None:
        from apps.jurisdictions.codes import normalize_flags

        flags = normalize_flags(flags)
        self.flags = f",{','.join(flags)}," if flags else ""

    def fill_ancestor_codes(self) -> None:
        self.province_code = ancestor_code(self.code, Level.PROVINCE)
        depth = Level.ORDER.index(self.level)
        self.county_code = ancestor_code(self.code, Level.COUNTY) if depth >= 2 else ""
        self.township_code = ancestor_code(self.code, Level.TOWNSHIP) if depth >= 3 else ""

    def ancestor_codes(self) -> list[str]:
        """Codes of the ancestors, province first, computed from the code (no queries)."""
        codes = []
        for level in Level.ORDER[: Level.ORDER.index(self.level)]:
            c = ancestor_code(self.code, level)
            if c != self.code and c not in codes:
                codes.append(c)
        return codes

    def ancestors(self):
        """Ancestor units in one query, province first."""
        return Unit.objects.filter(code__in=self.ancestor_codes()).order_by("code")


class PeriodConfirmation(models.Model):
    """审核确认: a township submits a period (a year or a quarter) of its subtree as complete, the
    county confirms it or returns it; once confirmed, records of the subtree dated in the period
    cannot change by any path (apps/evidence/services.py check_period_open) until the county
    reopens it. One row per unit and period (the database says so); the states are a machine
    driven by apps/compliance/confirmations.py, every step audited."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", "已提交确认"
        CONFIRMED = "confirmed", "已确认"
        RETURNED = "returned", "已退回"
        REOPENED = "reopened", "已重新开放"

    unit = models.ForeignKey(Unit, verbose_name="单位", on_delete=models.PROTECT, related_name="confirmations")
    period = models.CharField("期间", max_length=7)  # "2026" or "2026Q3"
    starts_on = models.DateField("期间起")
    ends_on = models.DateField("期间止")
    state = models.CharField("状态", max_length=10, choices=State.choices)
    missing = models.JSONField("提交时尚缺", default=list, blank=True)
    submitted_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True)
    decided_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "期间确认"
        verbose_name_plural = "期间确认"
        constraints = [models.UniqueConstraint(fields=["unit", "period"], name="one_confirmation_per_unit_period")]
        indexes = [models.Index(fields=["state", "starts_on", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.period} {self.get_state_display()}"


def ancestor_codes(unit: Unit) -> list[str]:
    """The codes of the unit and every unit above it (the prefix-path, no query)."""
    depth = Level.ORDER.index(unit.level)
    return [ancestor_code(unit.code, level) for level in Level.ORDER[: depth + 1]]
