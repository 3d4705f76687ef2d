"""Pages: a unit's evaluation and its subtree's overdue report (with CSV/XLSX downloads)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.accounts.access import Action, get_unit_or_404
from apps.compliance import exports, selectors
from apps.compliance.results import Status

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _as_of(request) -> tuple[date, str]:
    value = request.GET.get("as_of", "")
    try:
        return (date.fromisoformat(value), "") if value else (timezone.localdate(), "")
    except ValueError:
        return timezone.localdate(), "日期格式应为 YYYY-MM-DD，已按今天评估"


@login_required
def unit_evaluation(request, code):
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    as_of, error = _as_of(request)
    evaluation = selectors.evaluate_unit(unit, as_of)
    results = [
        {"r": r, "label": Status.LABELS[r.status], "colour": Status.COLOURS[r.status],
         "open_tasks": [t for t in r.tasks if t.in_window and t.status != Status.COMPLIANT]}
        for r in evaluation.results
    ]
    return render(request, "compliance/unit.html", {
        "unit": unit, "as_of": as_of, "error": error, "evaluation": evaluation, "results": results,
        "history": selectors.score_history(unit),
    })


@login_required
def overdue(request, code):
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    as_of, error = _as_of(request)
    fmt = request.GET.get("format", "")
    if fmt in CONTENT_TYPES:
        get_unit_or_404(request.user, code, Action.EXPORT)
        report = selectors.overdue_report(unit, as_of)
        body = exports.overdue_csv(report) if fmt == "csv" else exports.overdue_xlsx(report)
        response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{exports.filename(report, fmt)}"'
        return response
    rows = selectors.overdue_tasks(unit, as_of)
    failed_run, run_errors = selectors.nightly_run_problems(unit, as_of)
    return render(request, "compliance/overdue.html", {
        "unit": unit, "as_of": as_of, "error": error, "failed_run": failed_run, "run_errors": run_errors,
        "rows": [{"row": r, "label": Status.LABELS[r.status], "colour": Status.COLOURS[r.status]} for r in rows],
    })
