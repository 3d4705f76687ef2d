"""督办 as a workflow: one page per 督办 where the unit answers (反馈, optionally naming records)
and the county closes it (办结). Sending stays on the unit page (pages.supervise)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.access import Action, can
from apps.portal import selectors, services
from apps.portal.links import evidence_create_url


@login_required
def supervision_detail(request, pk):
    supervision = selectors.supervision_for(user=request.user, pk=pk)
    can_reply = can(request.user, Action.SUBMIT, supervision.unit) and not supervision.closed_at
    linked = {(r["kind"], r["pk"]) for r in supervision.reply_records}
    return render(request, "portal/supervision.html", {
        "s": supervision, "today": timezone.localdate(),
        "can_reply": can_reply,
        "can_close": can(request.user, Action.SUPERVISE, supervision.unit) and not supervision.closed_at,
        "candidates": [(k, pk_, label, (k, pk_) in linked)
                       for k, pk_, label in selectors.reply_candidates(supervision=supervision)] if can_reply else [],
        "form_url": evidence_create_url(supervision.evidence_kind, supervision.unit.code) if can_reply else "",
    })


def _records(request) -> list[tuple[str, int]]:
    out = []
    for value in request.POST.getlist("records"):
        kind, _, pk = value.partition(":")
        if pk.isdigit():
            out.append((kind, int(pk)))
    return out


@login_required
@require_POST
def supervision_reply(request, pk):
    supervision = selectors.supervision_for(user=request.user, pk=pk, action=Action.SUBMIT)
    try:
        services.supervision_reply(actor=request.user, supervision=supervision, text=request.POST.get("text", ""),
                                   records=_records(request))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "反馈未提交：" + "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "已提交反馈，等待县级办结。")
    return redirect("portal:supervision", pk=pk)


@login_required
@require_POST
def supervision_close(request, pk):
    supervision = selectors.supervision_for(user=request.user, pk=pk, action=Action.SUPERVISE)
    try:
        services.supervision_close(actor=request.user, supervision=supervision, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, "未办结：" + "；".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, "督办已办结。")
    return redirect("portal:supervision", pk=pk)
