"""The eight kinds of evidence and their fields: one declaration read by imports, templates,
forms, the API and the pages.

A field's ``label`` is the exact Chinese column header of the import template and the label in
forms and error messages, so an error always names the column the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.evidence import models as m

TEXT, DATE, DATETIME, INT, DECIMAL, CHOICE, ID_NUMBER, MOBILE, UNIT = (
    "text", "date", "datetime", "int", "decimal", "choice", "id_number", "mobile", "unit",
)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    type: str = TEXT
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 0
    future_ok: bool = False  # dates are "not in the future" unless said otherwise
    template: bool = True  # a column of the import template (False: forms and API only)
    minimum: int | None = None
    multiline: bool = False  # free text with line breaks (a textarea); other text is one line

    @property
    def choice_labels(self) -> dict[str, str]:
        return dict(self.choices)


@dataclass(frozen=True)
class KindSpec:
    key: str
    label: str
    model: type
    fields: tuple[FieldSpec, ...]
    list_columns: tuple[str, ...]
    date_field: str  # the field list filters by date on
    # Fields that identify "the same person" in one unit (duplicates are an error, see importing).
    identity: tuple[str, ...] = ()

    @property
    def headers(self) -> list[str]:
        return [f.label for f in self.fields if f.template]

    @property
    def template_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.template]

    @property
    def input_fields(self) -> list[FieldSpec]:
        """Fields a form or API client fills (the unit comes from the URL or a unit_code)."""
        return [f for f in self.fields if f.type != UNIT]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)


UNIT_FIELD = FieldSpec("unit_code", "单位代码", UNIT)
ID_FIELD = FieldSpec("id_number", "身份证号", ID_NUMBER, required=False)
PHONE_FIELD = FieldSpec("phone", "手机号", MOBILE, required=False)

KINDS: dict[str, KindSpec] = {
    k.key: k
    for k in [
        KindSpec(
            "personnel", "人员", m.Person,
            (
                UNIT_FIELD,
                FieldSpec("name", "姓名", max_length=50),
                ID_FIELD,
                PHONE_FIELD,
                FieldSpec("category", "人员类别", CHOICE, choices=tuple(m.PersonCategory.choices)),
                FieldSpec("appointed_on", "任职日期", DATE),
                FieldSpec("left_on", "离任日期", DATE, required=False, template=False),
            ),
            ("name", "category", "id_number", "phone", "appointed_on"), "appointed_on",
            identity=("category",),
        ),
        KindSpec(
            "roster", "救援队伍花名册", m.TeamMember,
            (
                UNIT_FIELD,
                FieldSpec("team_name", "队伍名称", max_length=100),
                FieldSpec("team_type", "队伍类型", CHOICE, choices=tuple(m.TeamType.choices)),
                FieldSpec("name", "姓名", max_length=50),
                ID_FIELD,
                PHONE_FIELD,
                FieldSpec("employment", "专兼职", CHOICE, choices=tuple(m.Employment.choices)),
                FieldSpec("joined_on", "入队日期", DATE),
                FieldSpec("left_on", "离队日期", DATE, required=False),
            ),
            ("team_name", "name", "id_number", "employment", "joined_on", "left_on"), "joined_on",
            identity=("team_name",),
        ),
        KindSpec(
            "drills", "演练", m.Drill,
            (
                UNIT_FIELD,
                FieldSpec("held_on", "演练日期", DATE),
                FieldSpec("drill_type", "演练类型", CHOICE, choices=tuple(m.DrillType.choices)),
                FieldSpec("subject", "演练科目", max_length=200),
                FieldSpec("participants", "参演人数", INT, required=False, minimum=1),
                FieldSpec("evaluation", "评估结论", required=False, max_length=2000, multiline=True),
            ),
            ("held_on", "drill_type", "subject", "participants"), "held_on",
        ),
        KindSpec(
            "trainings", "培训", m.Training,
            (
                UNIT_FIELD,
                ID_FIELD,
                FieldSpec("name", "姓名", required=False, max_length=50),
                FieldSpec("held_on", "培训日期", DATE),
                FieldSpec("course", "培训名称", max_length=200),
                FieldSpec("hours", "学时", DECIMAL, required=False, minimum=0),
            ),
            ("held_on", "name", "course", "hours"), "held_on",
        ),
        KindSpec(
            "meetings", "会议", m.Meeting,
            (
                UNIT_FIELD,
                FieldSpec("held_on", "会议日期", DATE),
                FieldSpec("meeting_type", "会议类型", CHOICE, choices=tuple(m.MeetingType.choices)),
                FieldSpec("chair", "主持人", required=False, max_length=50),
                FieldSpec("topic", "议题", max_length=300),
            ),
            ("held_on", "meeting_type", "chair", "topic"), "held_on",
        ),
        KindSpec(
            "facilities", "设施装备", m.Facility,
            (
                UNIT_FIELD,
                FieldSpec("facility_type", "类型", CHOICE, choices=tuple(m.FacilityType.choices)),
                FieldSpec("name", "名称", max_length=200),
                FieldSpec("quantity", "数量", INT, minimum=1),
                FieldSpec("in_service_from", "启用日期", DATE),
                FieldSpec("in_service_to", "停用日期", DATE, required=False, template=False, future_ok=True),
            ),
            ("facility_type", "name", "quantity", "in_service_from", "in_service_to"), "in_service_from",
        ),
        KindSpec(
            "warnings", "预警叫应", m.WarningRelay,
            (
                UNIT_FIELD,
                FieldSpec("warning_id", "预警编号", max_length=60),
                FieldSpec("received_at", "接收时间", DATETIME),
                FieldSpec("relayed_at", "传递时间", DATETIME),
            ),
            ("warning_id", "received_at", "relayed_at"), "received_at",
        ),
        KindSpec(
            "documents", "制度文件", m.StandingDocument,
            (
                UNIT_FIELD,
                FieldSpec("doc_type", "文件类型", CHOICE, choices=tuple(m.DocumentType.choices)),
                FieldSpec("title", "标题", max_length=200),
                FieldSpec("version", "版本", required=False, max_length=30),
                FieldSpec("dated", "日期", DATE),
                FieldSpec("valid_until", "有效期至", DATE, required=False, future_ok=True),
                FieldSpec("campaign", "宣传活动", CHOICE, required=False, choices=tuple(m.Campaign.choices)),
            ),
            ("doc_type", "title", "version", "dated", "valid_until", "campaign"), "dated",
        ),
    ]
}

MODEL_KIND = {spec.model: key for key, spec in KINDS.items()}


def get_kind(key: str) -> KindSpec | None:
    return KINDS.get(key)
