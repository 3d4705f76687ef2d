"""Response shapes of the compliance API, for the OpenAPI schema (drf-spectacular).

The views return the plain dicts built by results.UnitEvaluation.to_dict(),
selectors.OverdueRow.to_dict() and api.UnitSnapshotsView; these serializers describe exactly
those shapes and are not used to build the responses.
"""

from rest_framework import serializers

from apps.compliance.results import Status

STATUS_CHOICES = [(s, Status.LABELS[s]) for s in Status.SEVERITY]


class SourceSerializer(serializers.Serializer):
    document = serializers.CharField(help_text="文件简称，如 中办国办意见")
    clause = serializers.CharField(help_text="条款号，如 (十三)")
    quote = serializers.CharField(help_text="原文摘录（同一条款的多段摘录以……连接）")
    scope = serializers.CharField(help_text="文件适用省份代码；空表示中央文件（只列中央和本省文件）")


class TaskSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    unit = serializers.CharField(help_text="单位代码（12位）")
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    due = serializers.DateField(allow_null=True)
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    subject = serializers.CharField(help_text="期间（如 2025年度）或人员姓名")
    missing = serializers.CharField(help_text="缺失内容，空表示已满足")
    evidence = serializers.ListField(child=serializers.CharField(), help_text="满足该任务的记录，如 drill:17")
    in_window = serializers.BooleanField(help_text="是否计入要求状态（12个月窗口）")


class RequirementResultSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.CharField()
    topic = serializers.CharField()
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    due = serializers.DateField(allow_null=True)
    actual = serializers.FloatField(allow_null=True)
    target = serializers.FloatField(allow_null=True)
    advisory = serializers.BooleanField()
    weight = serializers.FloatField(help_text="分值（满分100折算后）")
    deducted = serializers.FloatField(help_text="扣分 = 分值 × 缺口比例（可为部分扣分）")
    sources = SourceSerializer(many=True)
    tasks = TaskSerializer(many=True)
    missing = serializers.CharField()
    shortfall = serializers.FloatField(help_text="缺口比例 0–1（按缺项比例扣分）")
    deducts_no_data = serializers.BooleanField(help_text="无数据（扣分）：应有的对象未录入")


class SupersededSerializer(serializers.Serializer):
    requirement = serializers.CharField()
    title = serializers.CharField()
    by = serializers.CharField(help_text="替代它的本省要求编码")
    by_title = serializers.CharField()


class UnitEvaluationSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    level = serializers.CharField()
    as_of = serializers.DateField()
    score = serializers.FloatField(allow_null=True)
    grade = serializers.CharField()
    results = RequirementResultSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="各状态的要求数")
    superseded = SupersededSerializer(many=True, help_text="由本省要求替代、不计分的要求（由…替代）")


class SnapshotRowSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    score = serializers.FloatField(allow_null=True)
    grade = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())
    computed_at = serializers.DateTimeField()


class UnitSnapshotsSerializer(serializers.Serializer):
    unit = serializers.CharField()
    snapshots = SnapshotRowSerializer(many=True)


class OverdueTaskSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    requirement = serializers.CharField()
    requirement_title = serializers.CharField()
    due = serializers.DateField(allow_null=True)
    days_overdue = serializers.IntegerField(help_text="负数表示距截止还有几天")
    status = serializers.ChoiceField(choices=[(s, Status.LABELS[s]) for s in
                                              (Status.OVERDUE, Status.NON_COMPLIANT, Status.DUE_SOON)])
    status_label = serializers.CharField()
    source = serializers.CharField()
    missing = serializers.CharField()
    subject = serializers.CharField()


class OverdueReportSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    as_of = serializers.DateField()
    tasks = OverdueTaskSerializer(many=True)


class ReportingTotalsSerializer(serializers.Serializer):
    expected = serializers.IntegerField(help_text="应报期间数")
    reported = serializers.IntegerField(help_text="已报期间数")
    on_time = serializers.IntegerField(help_text="及时报送期间数")
    reporting_rate = serializers.FloatField(allow_null=True, help_text="报送率 [0,1]，无应报时为 null")
    timely_rate = serializers.FloatField(allow_null=True, help_text="及时率 [0,1]，无应报时为 null")


class ReportingRowSerializer(serializers.Serializer):
    unit = serializers.CharField()
    unit_name = serializers.CharField()
    requirement = serializers.CharField()
    expected = serializers.IntegerField()
    reported = serializers.IntegerField()
    on_time = serializers.IntegerField()


class ReportingSerializer(serializers.Serializer):
    unit = serializers.CharField()
    period = serializers.CharField()
    totals = ReportingTotalsSerializer()
    rows = ReportingRowSerializer(many=True)
