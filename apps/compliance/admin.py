from django.contrib import admin

from apps.compliance.models import CountyReport, CountySettings, EvaluationRun, Reminder, Snapshot


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ["as_of", "trigger", "state", "started_at", "finished_at", "counties", "counties_done",
                    "missing", "attempts", "units_evaluated", "overdue_tasks", "emails_sent"]
    list_filter = ["state", "trigger"]
    date_hierarchy = "as_of"
    readonly_fields = [f.name for f in EvaluationRun._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.display(description="未完成的县")
    def missing(self, run):
        return "、".join(f"{e['name']}（{e['county']}）" for e in run.missing_counties) or "—"


@admin.register(CountyReport)
class CountyReportAdmin(admin.ModelAdmin):
    list_display = ["county", "as_of", "ok", "overdue", "non_compliant", "due_soon", "emailed_at",
                    "webhook_sent_at", "webhook_error"]
    list_filter = ["ok", "as_of"]
    list_select_related = ["county"]
    readonly_fields = ["county", "as_of", "run", "ok", "error", "units_evaluated", "overdue", "non_compliant",
                       "due_soon", "emailed_at", "emails_sent", "webhook_sent_at", "webhook_error"]

    def has_add_permission(self, request):
        return False


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["unit", "as_of", "score", "grade", "computed_at"]
    list_filter = ["as_of", "grade"]
    list_select_related = ["unit"]
    search_fields = ["unit__code", "unit__name"]
    readonly_fields = ["unit", "as_of", "score", "grade", "counts", "results", "fingerprint", "computed_at"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["user", "unit_code", "requirement", "due", "stage", "as_of", "sent_at", "attempts", "last_error"]
    list_filter = ["stage", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["unit_code", "requirement"]
    raw_id_fields = ["user"]


@admin.register(CountySettings)
class CountySettingsAdmin(admin.ModelAdmin):
    list_display = ["county", "webhook_enabled", "webhook_url"]
    raw_id_fields = ["county"]
