"""The evidence API's contract, one set of serializers per kind, built from kinds.py.

These describe requests and responses in the OpenAPI schema (/api/schema/) that provincial
platforms code against. They do not validate: requests are checked by
validation.validate_values, the one code path shared with forms and imports, which also
accepts the forgiving forms the imports accept (2026/3/10, 2026年3月10日, 选项的中文名称).
tests/evidence/test_api.py checks that api.serialize() returns exactly these fields.
"""

from __future__ import annotations

from functools import cache

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.evidence.kinds import (
    CHOICE,
    DATE,
    DATETIME,
    DECIMAL,
    ID_NUMBER,
    INT,
    KINDS,
    MOBILE,
    UNIT,
    FieldSpec,
)
from apps.evidence.models import ReviewStatus, Source
from apps.evidence.validation import INT_MAX

_DATE_HELP = "日期：YYYY-MM-DD（也接受 2026/3/10、2026年3月10日）"
_DATETIME_HELP = "时间，精确到分钟：YYYY-MM-DDTHH:MM，未带时区按北京时间"


def _camel(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))


def _field(spec: FieldSpec, *, direction: str, partial: bool = False) -> serializers.Field:
    """One field as the schema should show it. ``direction`` is "request" or "response"."""
    required = spec.required and not partial and direction == "request"
    common = {"label": spec.label, "required": required}
    if direction == "response":
        common["required"] = True
        if not spec.required:
            common["allow_null"] = spec.type in (DATE, DATETIME, INT, DECIMAL)
    elif not spec.required:
        common["allow_null"] = True
    if spec.type == DATE:
        return serializers.DateField(help_text=_DATE_HELP, **common)
    if spec.type == DATETIME:
        return serializers.DateTimeField(help_text=_DATETIME_HELP, **common)
    if spec.type == INT:
        return serializers.IntegerField(min_value=spec.minimum, max_value=INT_MAX, **common)
    if spec.type == DECIMAL:
        return serializers.DecimalField(max_digits=5, decimal_places=1, min_value=spec.minimum,
                                        coerce_to_string=True, **common)
    if spec.type == CHOICE:
        return serializers.ChoiceField(choices=list(spec.choices), allow_blank=not spec.required,
                                       help_text=f"{spec.label}的代码值（请求中也可填中文名称）", **common)
    help_text = {
        ID_NUMBER: "18 位居民身份证号（GB 11643 校验位）；响应中除本乡镇填报人员外均为掩码，如 110***********1234",
        MOBILE: "11 位手机号；响应中除本乡镇填报人员外均为掩码，如 138****5678",
        UNIT: "12 位统计用区划代码（乡镇或村）",
    }.get(spec.type, "")
    return serializers.CharField(max_length=spec.max_length or None, allow_blank=not spec.required,
                                 help_text=help_text, **common)


@extend_schema_field({"type": "object", "properties": {}, "additionalProperties": False,
                      "description": "代码值对应的中文名称；该类记录没有代码值字段，恒为空对象 {}。"})
class _EmptyLabels(serializers.JSONField):
    pass


def _build(name: str, fields: dict[str, serializers.Field], doc: str) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), {**fields, "__doc__": doc})


@cache
def record_serializer(kind: str) -> type[serializers.Serializer]:
    """A stored record as the API returns it."""
    spec = KINDS[kind]
    choice_fields = {f.name: serializers.CharField(help_text=f"{f.label}的中文名称") for f in spec.fields if f.choices}
    # A serializer without fields would drop `labels` from the schema although every record
    # carries it; kinds without enumerations (warnings, trainings) declare an always-empty object.
    labels = _build(f"{_camel(kind)}Labels", choice_fields, f"{spec.label}：代码值对应的中文名称。") \
        if choice_fields else _EmptyLabels
    fields = {
        "id": serializers.IntegerField(),
        "kind": serializers.CharField(help_text=f"记录类型，固定为 {kind}"),
        "unit_code": serializers.CharField(help_text="单位代码"),
        "unit_name": serializers.CharField(help_text="单位名称"),
        **{f.name: _field(f, direction="response") for f in spec.fields if f.type != UNIT},
        "labels": labels(),
        "revision": serializers.IntegerField(help_text="修订号：每次修改、审核、删除加 1，与响应头 ETag 相同；"
                                                     "修改或审核时用 If-Match 头（或 revision 字段）给出"),
        "review_status": serializers.ChoiceField(choices=ReviewStatus.choices, help_text="审核状态"),
        "review_note": serializers.CharField(allow_blank=True, help_text="最近一次审核意见（退回原因；修改后重新提交时保留）"),
        "source": serializers.ChoiceField(choices=Source.choices, help_text="来源"),
        "created_by": serializers.CharField(allow_null=True, help_text="填报人用户名（系统导入时为空）"),
        "created_at": serializers.DateTimeField(),
        "deleted": serializers.BooleanField(help_text="是否已（软）删除"),
        "delete_reason": serializers.CharField(allow_blank=True),
    }
    return _build(f"{_camel(kind)}Record", fields, f"{spec.label}记录。")


@cache
def record_page_serializer(kind: str) -> type[serializers.Serializer]:
    fields = {
        "count": serializers.IntegerField(),
        "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True),
        "results": record_serializer(kind)(many=True),
    }
    return _build(f"Paginated{_camel(kind)}RecordList", fields, f"{KINDS[kind].label}记录（分页，limit/offset）。")


@cache
def record_create_serializer(kind: str) -> type[serializers.Serializer]:
    spec = KINDS[kind]
    fields = {f.name: _field(f, direction="request") for f in spec.fields}
    return _build(f"{_camel(kind)}RecordCreate", fields,
                  f"新增{spec.label}记录：unit_code 指定单位（须在您的填报范围内），其余为该类记录的字段。")


@cache
def record_update_serializer(kind: str) -> type[serializers.Serializer]:
    spec = KINDS[kind]
    fields = {f.name: _field(f, direction="request", partial=True) for f in spec.input_fields}
    fields["revision"] = _REVISION()
    return _build(f"{_camel(kind)}RecordUpdate", fields,
                  f"修改{spec.label}记录：只需给出要改的字段，其余保持不变；单位不能修改。有变化时记录回到“已提交”状态，"
                  "没有变化则什么也不写。")


def _REVISION():  # noqa: N802 - a field factory read like a field class
    return serializers.IntegerField(required=False, min_value=1,
                                    help_text="所依据的记录修订号（也可用 If-Match 头）；已过期时 409，不做任何修改")


class ReviewSerializer(serializers.Serializer):
    """县级审核：只能审核“已提交”的记录。verify 审核通过；return 退回（须填写 note 说明原因）。
    须用 If-Match 头或 revision 字段给出所审核的记录修订号。"""

    revision = _REVISION()

    decision = serializers.ChoiceField(choices=[("verify", "审核通过"), ("return", "退回")])
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="审核意见，退回时必填")


class ImportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(key, spec.label) for key, spec in KINDS.items()], help_text="记录类型")
    file = serializers.FileField(help_text="填好的 .xlsx 模板，或同表头的 CSV（UTF-8 含或不含 BOM，或 GB18030）")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="Excel 行号（表头为第 1 行；0 表示整个文件）")
    column = serializers.CharField(allow_blank=True, help_text="列名（模板中的中文表头）")
    message = serializers.CharField(help_text="中文错误原因")


class ImportResultSerializer(serializers.Serializer):
    """导入结果。有任何错误时什么都不保存（HTTP 400），errors 列出每一处错误。"""

    kind = serializers.CharField()
    rows = serializers.IntegerField(help_text="数据行数")
    created = serializers.IntegerField(help_text="新增记录数")
    skipped = serializers.IntegerField(help_text="与已有记录相同而跳过的行数")
    teams_created = serializers.IntegerField(help_text="新建的救援队伍数（仅 roster）")
    errors = ImportErrorSerializer(many=True)
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="已保存但需核实的行（roster：身份证号与县内其他队伍的在册人员重复，将只计入一支队伍；personnel：与县内其他单位人员名册重复）")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()

