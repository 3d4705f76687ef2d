"""Scorecard pages: thin, every unit-bound read goes through apps.accounts.access (outsiders 404).

The verification page is public on purpose: a filed paper scorecard is checked by people who
may have no account (a superior's inspector, a court). It shows only the unit, date, hash and
seal, never the scorecard content, and the 40-bit random code cannot be enumerated usefully.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.access import Action, can, filter_for_user, get_unit_or_404, units_for
from apps.compliance.confirmation_selectors import confirmation_status
from apps.core.dates import prose_date
from apps.jurisdictions.codes import Level
from apps.jurisdictions.models import Unit
from apps.reports import selectors, services
from apps.reports.forms import ScorecardForm, SealForm, VerifyLookupForm, VerifyUploadForm
from apps.reports.models import Scorecard, ScorecardJob

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit_choices(user, action: Action):
    return (
        units_for(user, action)
        .filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
        .only("code", "name", "level")
        .order_by("code")[:1000]
    )


@login_required
def index(request):
    user = request.user
    return render(
        request,
        "reports/index.html",
        {
            "form": ScorecardForm(),
            "seal_form": SealForm(),
            "units": _with_preselected(_unit_choices(user, Action.EXPORT), user, request.GET.get("unit", "")),
            "seal_units": _unit_choices(user, Action.SEAL),
            "may_seal": can_seal_somewhere(user),
            "scorecards": selectors.scorecards_for(user),
            "jobs": selectors.jobs_for(user),
            "seals": selectors.seals_for(user),
            # 导出评分表 on a unit page links here with ?unit=CODE: that unit is preselected.
            "preselect": request.GET.get("unit", ""),
            "today": timezone.localdate(),
        },
    )


def _with_preselected(units, user, code: str) -> list:
    """The choices, plus the unit the page was opened from (a village is not in the list)."""
    units = list(units)
    if code and all(u.code != code for u in units):
        unit = Unit.objects.filter(code=code, level__in=services.SCORECARD_LEVELS).first()
        if unit is not None and can(user, Action.EXPORT, unit):
            units.insert(0, unit)
    return units


def can_seal_somewhere(user) -> bool:
    return units_for(user, Action.SEAL).exists()


@login_required
@require_POST
def generate(request):
    form = ScorecardForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择单位和基准日。")
        return redirect("reports:index")
    unit = get_unit_or_404(request.user, form.cleaned_data["unit"], Action.EXPORT)
    as_of = form.cleaned_data["as_of"]
    try:
        if unit.level in services.JOB_LEVELS:
            job = services.scorecard_job_create(unit=unit, as_of=as_of, user=request.user)
            return redirect("reports:job", pk=job.pk)
        card, _ = services.scorecard_generate(unit=unit, as_of=as_of, user=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("reports:index")
    return redirect("reports:detail", pk=card.pk)


def _job_or_404(request, pk) -> ScorecardJob:
    jobs = filter_for_user(ScorecardJob.objects.select_related("unit", "scorecard"), request.user, Action.EXPORT)
    return get_object_or_404(jobs, pk=pk)


@login_required
def job(request, pk):
    return render(request, "reports/job.html", {"job": _job_or_404(request, pk)})


@login_required
def job_status(request, pk):
    """The progress fragment htmx polls every second until the job has finished."""
    return render(request, "reports/_job_status.html", {"job": _job_or_404(request, pk)})


def _card_or_404(request, pk) -> Scorecard:
    cards = filter_for_user(Scorecard.objects.select_related("unit", "seal", "created_by"), request.user, Action.EXPORT)
    return get_object_or_404(cards, pk=pk)


@login_required
def detail(request, pk):
    card = _card_or_404(request, pk)
    period = str(card.as_of.year)
    confirmation = confirmation_status(card.unit, period, ended=timezone.localdate().year > card.as_of.year)
    return render(request, "reports/detail.html", {"card": card, "p": card.payload, "confirmation": confirmation})


@login_required
def download_pdf(request, pk):
    card = _card_or_404(request, pk)
    services.scorecard_download_log(card=card, user=request.user)
    return FileResponse(card.file.open("rb"), as_attachment=True, filename=f"{card.download_name}.pdf",
                        content_type="application/pdf")


@login_required
def download_xlsx(request, pk):
    card = _card_or_404(request, pk)
    data = services.scorecard_xlsx(card=card, user=request.user)
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{card.download_name}.xlsx"'
    return response


@login_required
@require_POST
def seal(request):
    form = SealForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择单位和基准日。")
        return redirect("reports:index")
    unit = get_unit_or_404(request.user, form.cleaned_data["unit"], Action.SEAL)
    try:
        created = services.seal_create(
            unit=unit, as_of=form.cleaned_data["as_of"], user=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"已封存 {unit.name} 截至 {prose_date(created.as_of)} 的评估，封存编号 {created.number}。")
    return redirect("reports:index")


def verify_lookup(request):
    form = VerifyLookupForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"].replace("-", "").replace(" ", "").upper()
        if code.isalnum():
            return redirect("reports:verify", code=code)
    return render(request, "reports/verify.html", {"lookup": form, "card": None})


def verify(request, code):
    card = selectors.scorecard_by_code(code)
    if card is None:
        raise Http404("核验码不存在")
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.scorecard_verify(card=card, data=form.cleaned_data["file"].read())
    may_open = request.user.is_authenticated and can(request.user, Action.EXPORT, card.unit)
    return render(
        request,
        "reports/verify.html",
        {"card": card, "form": form, "result": result, "may_open": may_open, "lookup": VerifyLookupForm()},
    )
