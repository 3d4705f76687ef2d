"""Home, dashboard, overdue tasks, township workspace, unit page and search."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from apps.accounts.access import Action, can, get_unit_or_404, home_units, may_view_roster_conflicts
from apps.accounts.models import Role
from apps.compliance import conflict_selectors
from apps.compliance.results import Status
from apps.jurisdictions.codes import FLAG_LABELS, Level
from apps.portal import selectors, services
from apps.portal.forms import DashboardFilterForm, OverdueFilterForm, SupervisionForm
from apps.portal.links import evidence_hub_url, landing_url
from apps.portal.models import Supervision
from apps.portal.views.common import paginate, parse_as_of


@login_required
def home(request):
    """Role-aware landing: county officials on their dashboard, township staff on their
    workspace, auditors and administrators on the search."""
    user = request.user
    grants = list(home_units(user).order_by("code")[:2])
    if user.role in (Role.COUNTY_OFFICIAL, Role.TOWNSHIP_STAFF) and grants:
        return redirect(landing_url(grants[0].code, grants[0].level))
    if user.role == Role.AUDITOR or user.is_portal_admin:
        return redirect("portal:search")
    if user.role == Role.AUDIT_ADMIN:
        return redirect("audit:log")  # they read the security audit log, nothing else
    if user.role == Role.SECURITY_ADMIN:
        return redirect("admin:index")  # they administer accounts, not units
    return render(request, "portal/no_jurisdiction.html", status=200)


def _as_of_or_message(request):
    as_of, error = parse_as_of(request)
    if error:
        messages.error(request, error)
    return as_of


@login_required
def dashboard(request, code):
    root = get_unit_or_404(request.user, code, Action.VIEW)
    if root.level in (Level.TOWNSHIP, Level.VILLAGE):
        return redirect(landing_url(root.code, root.level))
    form = DashboardFilterForm(request.GET or None)
    as_of = _as_of_or_message(request)
    flag = status = ""
    if form.is_bound and form.is_valid():
        flag, status = form.cleaned_data["flag"], form.cleaned_data["status"]
    if root.level != Level.COUNTY:
        counties = selectors.search_units(user=request.user, query="", level=Level.COUNTY).filter(
            code__startswith=root.code_prefix)
        return render(request, "portal/dashboard_pick.html", {"root": root, "page": paginate(request, counties)})

    query = urlencode({"as_of": as_of.isoformat()})

    def cell_url(unit, topic):
        return f"{reverse('portal:unit', args=[unit.code])}?{query}&topic={topic}#topic-{topic}"

    data = selectors.county_dashboard(root=root, as_of=as_of, flag=flag, colour=status, cell_url=cell_url)
    trend = {
        "dates": [d.isoformat() for d, _ in data.trend],
        "scores": [None if s is None else round(s, 1) for _, s in data.trend],
        # The grade bands drawn as lines on the chart: the settings, not numbers in the script.
        "bands": [settings.COMPLIANCE_GRADE_PASS, settings.COMPLIANCE_GRADE_EXCELLENT],
    }
    return render(request, "portal/dashboard.html", {
        "data": data, "form": form, "as_of": as_of, "trend": trend, "flag_labels": FLAG_LABELS,
        "reports_url": reverse("reports:index"),
        "can_supervise": can(request.user, Action.SUPERVISE, root),
        **_review_kpi(request.user),
        **_conflict_kpi(request.user, root, as_of),
        "overdue_supervisions": list(selectors.overdue_supervisions(
            user=request.user, root=root, today=timezone.localdate())[:20]),
    })


def _conflict_kpi(user, root, as_of) -> dict:
    """「重复在册」: how many people of the county are active in several teams or units (two queries,
    none while the county's data is unchanged: county_conflict_count)."""
    if not may_view_roster_conflicts(user, root):
        return {}
    return {"conflicts_url": f"{reverse('compliance:roster_conflicts', args=[root.code])}?as_of={as_of.isoformat()}",
            "conflicts_count": conflict_selectors.county_conflict_count(root, as_of)}


def _review_kpi(user) -> dict:
    from apps.evidence import selectors as evidence

    if not evidence.can_verify_somewhere(user):
        return {}
    return {"queue_url": reverse("evidence:queue"), "queue_count": evidence.review_queue_badge(user)}


@login_required
def overdue(request, code):
    root = get_unit_or_404(request.user, code, Action.VIEW)
    as_of = _as_of_or_message(request)
    status = request.GET.get("status", "")
    listing = selectors.overdue_listing(root=root, as_of=as_of, status=status)
    form = OverdueFilterForm(request.GET or None, units=selectors.child_unit_choices(root),
                             requirements=sorted(listing.requirements(), key=lambda c: c[1]))
    filters = {"unit_prefix": "", "requirement": "", "sort": "days"}
    if form.is_bound and form.is_valid():
        cd = form.cleaned_data
        filters.update(unit_prefix=cd["unit"], requirement=cd["requirement"], sort=cd["sort"] or "days")
    rows = listing.rows(**filters)  # filtered, ordered and paged in SQL for a stored county
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        return _overdue_download(request, root, as_of, fmt, rows)
    page = paginate(request, rows)
    return render(request, "portal/overdue.html", {
        "root": root, "as_of": as_of, "form": form, "page": page, "total": page.paginator.count,
        "can_supervise": can(request.user, Action.SUPERVISE, root),
        "csv_url": _with_format(request, "csv"), "xlsx_url": _with_format(request, "xlsx"),
    })


def _with_format(request, fmt):
    params = request.GET.copy()
    params["format"] = fmt
    params.pop("page", None)
    return f"?{params.urlencode()}"


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _overdue_download(request, root, as_of, fmt, rows):
    """The rows on screen (same filters and order) as the compliance app's CSV/XLSX."""
    try:
        content, filename = services.overdue_export(actor=request.user, root=root, as_of=as_of, fmt=fmt, rows=rows)
    except PermissionDenied:
        raise Http404("单位不存在或不在您的管辖范围内") from None
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def workspace(request, code):
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    if unit.level != Level.TOWNSHIP:
        return redirect("portal:unit", code=unit.code)
    as_of = _as_of_or_message(request)
    can_submit = can(request.user, Action.SUBMIT, unit)
    data = selectors.township_workspace(user=request.user, unit=unit, as_of=as_of, can_submit=can_submit)
    show = request.GET.get("show", "open")
    items = [i for i in data.items if show == "all" or i.result.status != Status.COMPLIANT]
    return render(request, "portal/workspace.html", {
        "data": data, "unit": unit, "as_of": as_of, "page": paginate(request, items), "show": show,
        "can_submit": can_submit, "hub_url": evidence_hub_url(unit.code) if can_submit else "",
        "import_url": reverse("evidence:import") if can_submit else "",
        "rollup": data.rollups.get(unit.code), "own_grade": data.own_grade,
        "upcoming_days": selectors.UPCOMING_DAYS,
    })


@login_required
def unit_detail(request, code):
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    as_of = _as_of_or_message(request)
    topic = request.GET.get("topic", "")
    from apps.compliance import selectors as comp

    below = []
    if unit.level == Level.TOWNSHIP:
        # One evaluation of the township's subtree gives its own result and its villages'.
        evaluations = comp.evaluate_subtree(unit, as_of)
        evaluation = evaluations[unit.code]
        for c in sorted(evaluations):
            if c == unit.code:
                continue
            ev = evaluations[c]
            for r in ev.results:
                if (not topic or r.topic == topic) and not r.advisory:
                    below.append((ev, r))
    else:
        evaluation = comp.evaluate_unit(unit, as_of)
    results = [r for r in evaluation.results if not topic or r.topic == topic]
    can_supervise = can(request.user, Action.SUPERVISE, unit)
    bad = [r for r in evaluation.results if r.status in Status.BAD and not r.advisory]
    return render(request, "portal/unit.html", {
        "unit": unit, "as_of": as_of, "topic": topic, "topic_label": selectors.topic_labels().get(topic, topic),
        "evaluation": evaluation, "results": results, "below": below,
        "chain": selectors.parent_chain(unit),
        "evidence": selectors.unit_evidence(user=request.user, unit=unit),
        "history": selectors.status_changes(unit=unit),
        "supervisions": selectors.supervisions_for(user=request.user, root=unit)[:10],
        "can_supervise": can_supervise, "can_submit": can(request.user, Action.SUBMIT, unit),
        # The overdue list's 督办 button names its requirement (?requirement=); else the first failing one.
        "supervision_form": SupervisionForm(initial={
            "requirement_code": request.GET.get("requirement") or (bad[0].requirement if bad else ""),
            "due_on": timezone.localdate() + timedelta(days=services.SUPERVISION_DEFAULT_DAYS)})
        if can_supervise else None,
        "requirement_choices": sorted({(r.requirement, r.title) for r in evaluation.results}),
        "hub_url": evidence_hub_url(unit.code) if can(request.user, Action.SUBMIT, unit) else "",
        "applicability_url": reverse("policies:unit", args=[unit.code]),
        "county_url": (landing_url(unit.county_code, Level.COUNTY)
                       if unit.county_code and unit.level in (Level.TOWNSHIP, Level.VILLAGE) else ""),
    })


@login_required
@require_POST
def supervise(request, code):
    unit = get_unit_or_404(request.user, code, Action.SUPERVISE)
    form = SupervisionForm(request.POST)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = reverse("portal:unit", args=[unit.code])
    if not form.is_valid():
        messages.error(request, "督办未发送：" + "；".join(e for errs in form.errors.values() for e in errs))
        return redirect(next_url)
    try:
        services.supervision_create(actor=request.user, unit=unit, text=form.cleaned_data["text"],
                                    requirement_code=form.cleaned_data["requirement_code"],
                                    due_on=form.cleaned_data["due_on"])
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, f"督办未发送：{exc}")
        return redirect(next_url)
    messages.success(request, f"已向{unit.name}发送督办。")
    return redirect(next_url)


@login_required
@require_POST
def supervision_ack(request, pk):
    supervision = Supervision.objects.select_related("unit").filter(pk=pk).first()
    if supervision is None or not can(request.user, Action.VIEW, supervision.unit):
        raise Http404("督办不存在")
    try:
        services.supervision_acknowledge(actor=request.user, supervision=supervision)
    except PermissionDenied:
        raise Http404("督办不存在") from None
    messages.success(request, "已签收督办。")
    unit = supervision.unit
    return redirect(landing_url(unit.township_code, Level.TOWNSHIP) if unit.township_code
                    else landing_url(unit.code, unit.level))


@login_required
def supervisions(request, code):
    unit = get_unit_or_404(request.user, code, Action.VIEW)
    qs = selectors.supervisions_for(user=request.user, root=unit)
    return render(request, "portal/supervisions.html", {
        "unit": unit, "page": paginate(request, qs), "can_submit": can(request.user, Action.SUBMIT, unit),
    })


@login_required
def search(request):
    q = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    qs = selectors.search_units(user=request.user, query=q, level=level)
    return render(request, "portal/search.html", {
        "q": q, "level": level, "levels": Level.CHOICES, "page": paginate(request, qs, 25),
        "searched": bool(q or level), "roots": home_units(request.user).order_by("code")[:20],
        "reports_url": reverse("reports:index"),
    })
