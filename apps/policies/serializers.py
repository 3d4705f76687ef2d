"""Read-only shapes of the policy catalog API (/api/v1/policies/..., /api/v1/units/<code>/requirements/).

Every field is read from objects the selectors already loaded (prefetched citations, clauses,
documents), so serializing a list costs no query per row.
"""

from rest_framework import serializers

from apps.jurisdictions.codes import FLAG_LABELS, Level
from apps.policies import kinds
from apps.policies.models import Clause, Document, Duty, Kind, Requirement, RequirementVersion, Topic
from apps.policies.rules import split_marked

FLAG_CHOICES = list(FLAG_LABELS.items())


class ClauseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Clause
        fields = ["number", "title", "text"]


class DocumentSerializer(serializers.ModelSerializer):
    scope_province_code = serializers.CharField(help_text="空 = 全国适用；否则为省级单位的12位区划代码")
    binding = serializers.BooleanField(help_text="false = 倡导性文件（如 晋应急函〔2025〕88号），其要求不计分")

    class Meta:
        model = Document
        fields = ["code", "short_name", "title", "doc_number", "issuer", "issued_on", "scope_province_code",
                  "binding", "authority_note", "source_file"]


class DocumentDetailSerializer(DocumentSerializer):
    clauses = ClauseSerializer(many=True, read_only=True)

    class Meta(DocumentSerializer.Meta):
        fields = [*DocumentSerializer.Meta.fields, "text", "clauses"]


class CitationSerializer(serializers.Serializer):
    document = serializers.CharField(source="clause.document.code", help_text="文件编号，如 CN-2024")
    document_short_name = serializers.CharField(source="clause.document.short_name")
    clause = serializers.CharField(source="clause.number", help_text="条款号，如 (十三)")
    quote = serializers.CharField(help_text="原文引述（与文件原文逐字一致，忽略空白）")


class VersionSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=Kind.choices, help_text="要求类型；params 的结构见 docs/catalog.md")
    kind_label = serializers.CharField(source="get_kind_display")
    params = serializers.DictField(help_text="该类型的参数，如 {min_members: 30, team_types: [comprehensive]}")
    summary = serializers.SerializerMethodField(help_text="规则的中文表述")
    levels = serializers.SerializerMethodField()
    flags_any = serializers.SerializerMethodField(help_text="风险标识条件：具有其中任一标识的单位适用；空 = 不限")
    weight = serializers.FloatField(help_text="分值（评价时按单位适用的约束性要求折算为满分100）")
    citations = CitationSerializer(many=True, read_only=True)

    class Meta:
        model = RequirementVersion
        fields = ["version", "effective_from", "title", "description", "kind", "kind_label", "params", "summary",
                  "levels", "scope_province_code", "flags_any", "deadline", "binding", "weight", "retired",
                  "change_reason", "created_at", "citations"]

    def get_summary(self, obj) -> str:
        return kinds.describe_params(obj.kind, obj.params)

    def get_levels(self, obj) -> list[str]:
        return split_marked(obj.levels)

    def get_flags_any(self, obj) -> list[str]:
        return split_marked(obj.flags_any)


class RequirementSerializer(serializers.ModelSerializer):
    topic = serializers.ChoiceField(choices=Topic.choices)
    topic_label = serializers.CharField(source="get_topic_display")
    versions = VersionSerializer(many=True, read_only=True, help_text="全部版本，最新在前")

    class Meta:
        model = Requirement
        fields = ["code", "topic", "topic_label", "versions"]


class DutySerializer(serializers.ModelSerializer):
    levels = serializers.SerializerMethodField()
    document = serializers.CharField(source="clause.document.code")
    clause = serializers.CharField(source="clause.number")

    class Meta:
        model = Duty
        fields = ["code", "title", "levels", "scope_province_code", "document", "clause", "quote"]

    def get_levels(self, obj) -> list[str]:
        return split_marked(obj.levels)


class ApplicableRequirementSerializer(serializers.Serializer):
    code = serializers.CharField(source="version.requirement.code")
    topic = serializers.CharField(source="version.requirement.topic")
    version = VersionSerializer()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="适用原因：范围、层级、风险条件、生效日期、版本")


class ApplicabilityUnitSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=Level.CHOICES)
    province_code = serializers.CharField()
    flags = serializers.ListField(source="flag_list", child=serializers.ChoiceField(choices=FLAG_CHOICES))


class ApplicabilitySerializer(serializers.Serializer):
    unit = ApplicabilityUnitSerializer()
    as_of = serializers.DateField()
    requirements = ApplicableRequirementSerializer(many=True, help_text="约束性和倡导性要求（binding 区分）")
    duties = DutySerializer(many=True)
