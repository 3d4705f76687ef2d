"""Pages: a unit's evaluation, its subtree's overdue report (with CSV/XLSX downloads), its
reporting completeness with the period confirmations, and the 「重复在册」 list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from apps.accounts.access import Action, can, get_unit_or_404, may_view_roster_conflicts
from apps.compliance import confirmation_selectors as confirmations_selectors
from apps.compliance import (
    confirmations,
    conflict_selectors,
    exports,
    reporting_selectors,
    selectors,
    services,
)
from apps.compliance.results import Status, status_text
from apps.core.dates import PERIOD_HELP, as_of_or_today, parse_period
from apps.jurisdictions.codes import subtree_range

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
        {"r": r, "label": status_text(r.status, r.deducts_no_data), "colour": Status.COLOURS[r.status],
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


@login_required
def reporting(request, code):
    """「报送情况」: the subtree's completeness and timeliness for a period (报送率、及时率), the grid of
    its child units (a county's townships) × the periods of that year with the drill-down of one
    cell (``?period=2026Q2&focus=CODE``) and its 督办, and the townships' period confirmations
    (提交确认 / 确认 / 退回 / 重新开放)."""
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    period = (request.POST.get("period") or request.GET.get("period") or str(timezone.localdate().year)).strip()
    message, error = "", ""
    if request.method == "POST":
        message, error = _confirmation_step(request, unit, period)
        if not error:
            return redirect(f"{request.path}?period={period}")
    try:
        parse_period(period)
    except ValueError:
        error, period = f"{PERIOD_HELP}，已按今年显示", str(timezone.localdate().year)
    focus = _focus(request, unit)
    if request.GET.get("format") == "xlsx":
        get_unit_or_404(request.user, code, Action.EXPORT)
        body, name = services.reporting_export(actor=request.user, root=unit, period=period,
                                               period_text=period_text(period), as_of=timezone.localdate(),
                                               focus=focus)
        response = HttpResponse(body, content_type=CONTENT_TYPES["xlsx"])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    overview = reporting_selectors.reporting_overview(unit, period, timezone.localdate(), focus=focus)
    may_supervise = can(request.user, Action.SUPERVISE, unit)
    missing = [dict(r, title=overview.titles.get(r["requirement"], r["requirement"]),
                    supervision_text=_supervision_text(r, overview.titles, period) if may_supervise else "")
               for r in overview.missing]
    return render(request, "compliance/reporting.html", {
        "unit": unit, "period": period, "period_label": period_text(period), "report": overview.report,
        "grid": overview.grid, "focus": focus, "missing": missing, "message": message, "error": error,
        "confirmations": confirmations_selectors.confirmations_in(unit),
        "may_submit": unit.level == "township" and can(request.user, Action.SUBMIT, unit),
        "may_decide": can(request.user, Action.VERIFY, unit),
        "may_supervise": may_supervise,
        "may_export": can(request.user, Action.EXPORT, unit),
        "row_title": ROW_TITLES.get(unit.level, "下级单位"),
        "bands": selectors.rule_settings(),  # the legend's cut-offs, those the cells are coloured by
        "here": request.get_full_path(),
    }, status=400 if error and request.method == "POST" else 200)


ROW_TITLES = {"county": "乡镇（街道）", "township": "村（社区）", "city": "县（区）", "province": "市"}


def period_text(period: str) -> str:
    """「2026年」「2026年第3季度」「2026年7月」."""
    if "Q" in period:
        year, quarter = period.split("Q")
        return f"{year}年第{quarter}季度"
    if "-" in period:
        year, month = period.split("-")
        return f"{year}年{int(month)}月"
    return f"{period}年"


def _focus(request, unit):
    """The drill-down's unit: inside the page's subtree (else 404), access-checked."""
    code = (request.GET.get("focus") or "").strip()
    if not code:
        return None
    focus = get_unit_or_404(request.user, code, Action.VIEW)
    rng = subtree_range(unit.code, unit.level)
    if not rng.low <= focus.code <= rng.high:
        raise Http404("该单位不在本辖区内")
    return focus


def _supervision_text(row: dict, titles: dict, period: str) -> str:
    """The 督办 a missing row proposes (the official can edit it before sending)."""
    title = titles.get(row["requirement"], row["requirement"])
    return (f"{row['unit_name']}{period_text(period)}「{title}」应报 {row['expected']} 次，已报 {row['reported']} 次，"
            f"尚缺 {row['expected'] - row['reported']} 次。请尽快开展并录入记录。")


def _confirmation_step(request, unit, period) -> tuple[str, str]:
    step = request.POST.get("step", "")
    try:
        if step == "submit":
            confirmations.period_submit(actor=request.user, unit=unit, period=period)
            return "已提交确认", ""
        target = confirmations_selectors.confirmation_in(unit, request.POST.get("confirmation", ""))
        if target is None:
            return "", "未找到该期间确认"
        if step == "confirm":
            confirmations.period_confirm(actor=request.user, confirmation=target)
        elif step == "return":
            confirmations.period_return(actor=request.user, confirmation=target, reason=request.POST.get("reason", ""))
        elif step == "reopen":
            confirmations.period_reopen(actor=request.user, confirmation=target, reason=request.POST.get("reason", ""))
        else:
            return "", "未知操作"
    except confirmations.ConfirmationError as exc:
        return "", exc.message
    except PermissionDenied:
        raise
    return "已处理", ""


@login_required
def roster_conflicts(request, code):
    """「重复在册」: people (same ID number, by blind index) active in several teams or on several
    units' rosters of a county, masked; read-only, for county officials and auditors."""
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    if not may_view_roster_conflicts(request.user, unit):
        raise PermissionDenied
    as_of, error = as_of_or_today(request.GET.get("as_of"))
    return render(request, "compliance/roster_conflicts.html", {
        "unit": unit, "as_of": as_of, "error": error,
        "conflicts": conflict_selectors.roster_conflicts(unit, as_of),
    })
