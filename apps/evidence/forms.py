"""Forms. A record form is built from the kind's fields and validated by
validation.validate_values, the same code path as imports and the API."""

from __future__ import annotations

from django import forms
from django.conf import settings

from apps.core.forms import DateInput
from apps.evidence.kinds import CHOICE, DATE, DATETIME, DECIMAL, INT, KINDS, KindSpec
from apps.evidence.models import Person
from apps.evidence.services import today
from apps.evidence.validation import CHINA, validate_values


def _form_field(spec) -> forms.Field:
    common = {"label": spec.label, "required": spec.required}
    if spec.type == CHOICE:
        return forms.ChoiceField(choices=[("", "——请选择——"), *spec.choices], **common)
    if spec.type == DATE:
        return forms.CharField(widget=DateInput(), **common)
    if spec.type == DATETIME:
        return forms.CharField(widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), **common)
    if spec.type in (INT, DECIMAL):
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "1" if spec.type == INT else "0.5"}), **common)
    if spec.multiline:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), **common)
    return forms.CharField(max_length=spec.max_length or None, **common)


def _revision_field() -> forms.IntegerField:
    """The record revision the page showed: a change based on an older one is refused (409)."""
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)


class RecordForm(forms.Form):
    """Fields of one kind for one unit (the unit comes from the URL, not the form). An edit form
    (``revision`` given) carries the record's revision in a hidden field."""

    def __init__(self, *args, kind: KindSpec, unit, initial_values=None, revision: int | None = None, **kwargs):
        super().__init__(*args, initial=initial_values, **kwargs)
        self.kind, self.unit = kind, unit
        if revision is not None:
            self.fields["revision"] = _revision_field()
            self.initial["revision"] = revision
        self.spec_fields = [f for f in kind.input_fields if not (kind.key == "trainings" and f.name in ("id_number", "name"))]
        if kind.key == "trainings":
            self.fields["person"] = forms.ModelChoiceField(
                label="人员", queryset=Person.objects.alive().filter(unit=unit).order_by("name"),
                empty_label="——请选择人员——",
            )
            self.fields["person"].label_from_instance = lambda p: f"{p.name}（{p.get_category_display()}）"
        for spec in self.spec_fields:
            self.fields[spec.name] = _form_field(spec)

    def clean(self):
        data = super().clean()
        raw = {f.name: self.data.get(self.add_prefix(f.name)) for f in self.spec_fields}
        cleaned, errors = validate_values(self.kind, raw, today=today(), fields=self.spec_fields)
        for error in errors:
            if error.field in self.fields and error.field not in self.errors:
                self.add_error(error.field, error.message)
        if "person" in data:
            cleaned["person"] = data["person"]
        self.values = cleaned
        return data


def initial_from(kind: KindSpec, record) -> dict:
    """Form initial values of an existing record (dates in the format of the HTML inputs)."""
    from apps.evidence.records import values_of

    initial = {}
    for name, value in values_of(kind, record).items():
        if hasattr(value, "hour"):
            value = value.astimezone(CHINA).strftime("%Y-%m-%dT%H:%M")
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        initial[name] = "" if value is None else value
    if kind.key == "trainings":
        initial["person"] = record.person_id
    return initial


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="记录类型", choices=[(k, s.label) for k, s in KINDS.items()])
    file = forms.FileField(label="文件（.xlsx 或 .csv）")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(f"文件超过 {settings.IMPORT_MAX_BYTES // (1024 * 1024)} MB 上限，请分批导入")
        return upload


class ReviewForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # No decision is preselected: a returned record must not be one click away from 退回 again.
    decision = forms.ChoiceField(label="审核结果", choices=[("", "请选择"), ("verify", "审核通过"), ("return", "退回")],
                                 error_messages={"required": "请选择审核结果"})
    note = forms.CharField(label="审核意见（退回时必填）", required=False, max_length=500,
                           widget=forms.Textarea(attrs={"rows": 2}))


class DeleteForm(forms.Form):
    revision = _revision_field()
    reason = forms.CharField(label="删除原因", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件（JPEG、PNG 或 PDF）")


class FilterForm(forms.Form):
    unit = forms.CharField(label="单位代码", required=False, max_length=12)
    date_from = forms.DateField(label="起始日期", required=False, widget=DateInput())
    date_to = forms.DateField(label="截止日期", required=False, widget=DateInput())
    status = forms.ChoiceField(
        label="状态", required=False,
        choices=[("", "全部（未删除）"), ("submitted", "已提交"), ("verified", "已审核"), ("returned", "已退回"),
                 ("deleted", "已删除")],
    )
