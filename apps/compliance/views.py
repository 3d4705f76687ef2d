"""Pages: a unit's evaluation and its subtree's overdue report (with CSV/XLSX downloads)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from apps.accounts.access import Action, get_unit_or_404
from apps.compliance import exports, selectors
from apps.compliance.results import Status
from apps.core.dates import as_of_or_today

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
def unit_evaluation(request, code):
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    as_of, error = as_of_or_today(request.GET.get("as_of"))
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
    as_of, error = as_of_or_today(request.GET.get("as_of"))
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
