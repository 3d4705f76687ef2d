"""Catalog administration, for administrators only.

Saving a change to a requirement version never rewrites it: the admin calls
``requirement_revise``, which creates the next version with its own effective date and writes
the audit record. Documents, clauses and duties are wording, edited in place (and in history).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from apps.accounts.access import Action, can_global
from apps.core.audit import record_event
from apps.jurisdictions.codes import FLAG_LABELS, Level
from apps.policies import kinds
from apps.policies.models import Citation, Clause, Document, Duty, Requirement, RequirementVersion
from apps.policies.rules import mark, split_marked
from apps.policies.services import RULE_FIELDS, WORDING_FIELDS, requirement_revise


class LevelsField(forms.MultipleChoiceField):
    """The levels as check boxes with their Chinese names; stored marked (",township,village,").
    A posted string ("village, township") is accepted too, as the catalog files write it."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(choices=Level.CHOICES, label="适用层级", **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            value = [value]
        return super().to_python([lv for item in value or () for lv in split_marked(str(item).replace(" ", ""))])

    def prepare_value(self, value):
        return split_marked(value) if isinstance(value, str) else value

    def clean(self, value):
        return mark(super().clean(value))

    def has_changed(self, initial, data):
        return mark(self.prepare_value(initial) or []) != mark(self.to_python(data) or [])


class AdministratorsOnly:
    """Every permission of these admin pages goes through the access policy."""

    def _allowed(self, request) -> bool:
        return can_global(request.user, Action.ADMIN)

    def has_module_permission(self, request):
        return self._allowed(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, *args):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return False  # cited records are kept; retire a requirement with a new version instead


class Audited:
    """Every admin write of the catalog leaves an audit record in the same transaction (the admin
    wraps each save in one), naming the administrator, the record and the changed fields."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if obj.pk:
            _audit(request, obj, "changed" if change else "added", form.changed_data)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj, fields in getattr(formset, "changed_objects", []):
            _audit(request, obj, "changed", fields)
        for obj in getattr(formset, "new_objects", []):
            _audit(request, obj, "added", [])


def _audit(request, obj, verb: str, fields) -> None:
    record_event(actor=request.user, action=f"policies.{obj._meta.model_name}_{verb}", record=str(obj),
                 pk=obj.pk, fields=sorted(fields))


class ClauseInline(AdministratorsOnly, admin.TabularInline):
    model = Clause
    extra = 0
    fields = ("order", "number", "title", "text")


@admin.register(Document)
class DocumentAdmin(Audited, AdministratorsOnly, admin.ModelAdmin):
    list_display = ("code", "short_name", "issuer", "issued_on", "scope_province_code", "binding")
    search_fields = ("code", "short_name", "title")
    inlines = [ClauseInline]


class DutyForm(forms.ModelForm):
    levels = LevelsField()

    class Meta:
        model = Duty
        fields = ("code", "title", "levels", "scope_province_code", "clause", "quote")


@admin.register(Duty)
class DutyAdmin(Audited, AdministratorsOnly, admin.ModelAdmin):
    form = DutyForm
    list_display = ("code", "title", "level_names", "scope_province_code", "clause")

    search_fields = ("code", "title")
    autocomplete_fields = ("clause",)

    @admin.display(description="适用层级", ordering="levels")
    def level_names(self, obj):
        return obj.level_labels


@admin.register(Clause)
class ClauseAdmin(Audited, AdministratorsOnly, admin.ModelAdmin):
    list_display = ("__str__", "title")
    search_fields = ("number", "title", "document__short_name")


class CitationInline(AdministratorsOnly, admin.TabularInline):
    """Citations of a new version are entered on the add page; an existing version's citations
    are read-only (a revision copies them)."""

    model = Citation
    extra = 1
    autocomplete_fields = ("clause",)
    fields = ("order", "clause", "quote")

    def has_change_permission(self, request, obj=None):
        return obj is None and self._allowed(request)

    def has_add_permission(self, request, obj=None):
        return obj is None and self._allowed(request)


class VersionForm(forms.ModelForm):
    levels = LevelsField()

    class Meta:
        model = RequirementVersion
        fields = ("requirement", "effective_from", "title", "description", "kind", "params", "levels",
                  "scope_province_code", "flags_any", "deadline", "binding", "weight", "retired", "change_reason")

    def clean_levels(self):
        levels = mark(self.cleaned_data["levels"])
        bad = [lv for lv in split_marked(levels) if lv not in Level.LABELS]
        if bad or not levels:
            raise ValidationError(f"适用层级应为 {'、'.join(Level.LABELS)} 中的一个或多个，以逗号分隔")
        return levels

    def clean_flags_any(self):
        flags = mark(self.cleaned_data["flags_any"])
        bad = [f for f in split_marked(flags) if f not in FLAG_LABELS]
        if bad:
            raise ValidationError(f"未知风险标识：{'、'.join(bad)}；可选：{'、'.join(FLAG_LABELS)}")
        return flags

    def clean(self):
        data = super().clean()
        errors = kinds.validate_params(data.get("kind", ""), data.get("params"))
        if errors:
            self.add_error("params", errors)
        latest = None
        if not self.instance.pk and data.get("requirement"):
            latest = data["requirement"].versions.order_by("-effective_from").first()
        if latest is not None:
            # A further version of an existing requirement: requirement_revise's rules, shown on the form.
            today = timezone.localdate()
            day = data.get("effective_from")
            if day and (day < today or day <= latest.effective_from):
                self.add_error("effective_from", f"新版本的生效日期不得早于今天（{today.isoformat()}），且须晚于现行最新版本的"
                                                 f"生效日期 {latest.effective_from.isoformat()}，以免改变已做出的历史评价")
            if not (data.get("change_reason") or "").strip():
                self.add_error("change_reason", "请填写变更原因")
        if self.instance.pk:
            if not self.has_changed():
                return data
            if "effective_from" not in self.changed_data:
                raise ValidationError("修改要求会生成新版本：请填写新版本的生效日期（不得早于今天）。")
            if not (data.get("change_reason") or "").strip():
                self.add_error("change_reason", "请填写变更原因")
        return data


@admin.register(RequirementVersion)
class RequirementVersionAdmin(Audited, AdministratorsOnly, admin.ModelAdmin):
    form = VersionForm
    list_display = ("requirement", "version", "effective_from", "title", "kind", "binding", "weight", "retired")
    list_filter = ("kind", "binding", "retired", "scope_province_code")
    search_fields = ("requirement__code", "title")
    inlines = [CitationInline]
    readonly_fields = ("version", "created_by", "created_at")

    def save_model(self, request, obj, form, change):
        if not change:
            if obj.requirement.versions.exists():
                return  # a further version: save_related creates it through requirement_revise
            obj.version = 1
            obj.created_by = request.user
            super().save_model(request, obj, form, change)  # Audited: records the first version
            return
        # A change never rewrites this version: it becomes the next version from the new date.
        editable = set(RULE_FIELDS) | set(WORDING_FIELDS)
        changes = {f: form.cleaned_data[f] for f in form.changed_data if f in editable}
        self._revise(request, form, obj.requirement, changes)

    @staticmethod
    def _revise(request, form, requirement, changes) -> None:
        """Create the next version through the service; the response reports the outcome."""
        try:
            request._new_version = requirement_revise(
                requirement=requirement, effective_from=form.cleaned_data["effective_from"], changes=changes,
                actor=request.user, reason=form.cleaned_data["change_reason"],
            )
        except ValidationError as exc:
            request._revise_error = exc

    def _revised_response(self, request, success: str):
        """The redirect after a revision, or None when the save made none."""
        error = getattr(request, "_revise_error", None)
        if error is not None:
            self.message_user(request, "；".join(error.messages), messages.ERROR)
            return HttpResponseRedirect(request.path)
        new = getattr(request, "_new_version", None)
        if new is not None:
            self.message_user(request, success.format(new=new), messages.SUCCESS)
            return HttpResponseRedirect(reverse("admin:policies_requirementversion_change", args=[new.pk]))
        return None

    def save_related(self, request, form, formsets, change):
        if not change and form.instance.pk is None:
            self._add_through_revise(request, form, formsets)
            return
        if not change:
            super().save_related(request, form, formsets, change)
            return
        # The edited version is left untouched (requirement_revise copied its citations to the
        # new version); the admin's change message still expects saved formsets.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def _add_through_revise(self, request, form, formsets) -> None:
        """The add page for a requirement that has versions: the same service as an edit, with the
        citations entered on the page."""
        editable = set(RULE_FIELDS) | set(WORDING_FIELDS)
        changes = {f: form.cleaned_data[f] for f in editable if f in form.cleaned_data}
        citations = [{"clause": f.cleaned_data["clause"], "quote": f.cleaned_data["quote"]}
                     for formset in formsets for f in formset.forms
                     if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        if citations:
            changes["citations"] = citations
        self._revise(request, form, form.cleaned_data["requirement"], changes)
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def log_addition(self, request, obj, message):
        if obj.pk is not None:  # a version made by requirement_revise is in the audit log already
            super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        return (self._revised_response(request, "已生成新版本 {new}。")
                or super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return (self._revised_response(request, "已生成新版本 {new}，原版本保持不变。")
                or super().response_change(request, obj))


class VersionInline(AdministratorsOnly, admin.TabularInline):
    model = RequirementVersion
    extra = 0
    fields = ("version", "effective_from", "title", "kind", "binding", "weight", "retired", "change_reason")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Requirement)
class RequirementAdmin(Audited, AdministratorsOnly, admin.ModelAdmin):
    list_display = ("code", "topic")
    list_filter = ("topic",)
    search_fields = ("code",)
    inlines = [VersionInline]
