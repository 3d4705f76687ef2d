"""The county's 待审核 queue: every submitted record of every kind, oldest first, decided in place.

The decision itself is the review service's (apps.evidence.services.record_review): these views
only pick the record, call it and offer 「下一条」.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from apps.accounts.access import Action
from apps.evidence import selectors
from apps.evidence.forms import ReviewForm
from apps.evidence.kinds import get_kind
from apps.evidence.models import ReviewStatus
from apps.evidence.records import display_values
from apps.evidence.services import EvidenceError, InvalidTransition, StaleRecord, record_review


def _may_review(user) -> None:
    if not selectors.can_verify_somewhere(user):
        raise Http404("页面不存在")


@login_required
def queue(request):
    _may_review(request.user)
    page = Paginator(selectors.ReviewQueue(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "evidence/queue.html", {"page": page, "total": page.paginator.count})


def _url(item) -> str:
    return _url_for(item.kind.key, item.record.pk)


@login_required
def queue_next(request):
    """「下一条」: the oldest record still waiting (after the one just decided)."""
    _may_review(request.user)
    after = None
    if request.GET.get("after", "").count(":") == 1:
        key, _, pk = request.GET["after"].partition(":")
        after = (key, int(pk)) if pk.isdigit() else None
    item = selectors.next_in_queue(request.user, after=after)
    if item is None:
        messages.success(request, "待审核队列已清空。")
        return redirect("evidence:queue")
    return redirect(_url(item))


@login_required
def queue_item(request, kind, pk):
    spec = get_kind(kind)
    if spec is None:
        raise Http404("未知的记录类型")
    record = selectors.record_for(request.user, spec, pk, Action.VERIFY)
    form = ReviewForm(request.POST or None)
    decided = None
    status = 200
    if request.method == "POST" and form.is_valid():
        decision = form.cleaned_data["decision"]
        try:
            record_review(record=record, actor=request.user, decision=decision, note=form.cleaned_data["note"],
                          based_on=form.cleaned_data["revision"])
        except EvidenceError as exc:
            form.add_error("note" if exc.field == "note" else None, exc.message)
            # The page now shows the record as it is: a stale review was refused and changed nothing.
            status = 409 if isinstance(exc, StaleRecord | InvalidTransition) else 200
        else:
            return redirect(f"{_url_for(kind, pk)}?decided={decision}")
    elif request.method == "POST" and "revision" in form.errors:
        form.add_error(None, "页面缺少记录版本，审核未保存；请刷新页面后重试")
    if request.GET.get("decided") in ("verify", "return"):
        decided = request.GET["decided"]
    return render(request, "evidence/queue_item.html", {
        "kind": spec, "record": record, "form": form, "decided": decided,
        "waiting": record.review_status == ReviewStatus.SUBMITTED and record.deleted_at is None,
        "values": display_values(spec, record, reveal=False),
        "attachments": selectors.attachments_of(record),
        "history": selectors.record_history(spec, record, reveal=False)[:5],
        "remaining": selectors.review_queue_count(request.user),
        "next_url": f"{reverse('evidence:queue_next')}?after={kind}:{pk}",
    }, status=status)


def _url_for(kind, pk) -> str:
    return reverse("evidence:queue_item", args=[kind, pk])

