"""The .ics feed of due dates and the page where users create and revoke their feed tokens."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.accounts.access import Action, can, home_units
from apps.compliance.results import Status
from apps.jurisdictions.codes import Level
from apps.portal import ics, services
from apps.portal.models import CalendarToken

MAX_FEED_UNITS = 5  # a feed covers the user's granted townships (or county), not a province


@login_required
def calendar_settings(request):
    tokens = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True)
    feeds = [(t, url, _qr_svg(url)) for t in tokens
             for url in [request.build_absolute_uri(reverse("portal:calendar_feed", args=[t.token]))]]
    return render(request, "portal/calendar.html", {"feeds": feeds})


def _qr_svg(url: str) -> str:
    """The feed address as an inline SVG QR code, drawn here (no outside service), for a phone to scan."""
    import io

    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=6).save(buffer)
    return buffer.getvalue().decode()


@login_required
@require_POST
def calendar_token_create(request):
    services.calendar_token_create(actor=request.user)
    messages.success(request, "已生成新的日历订阅地址。请将其添加到手机日历，勿转发他人。")
    return redirect("portal:calendar")


@login_required
@require_POST
def calendar_token_revoke(request, pk):
    token = get_object_or_404(CalendarToken, pk=pk, user=request.user)
    services.calendar_token_revoke(actor=request.user, token=token)
    messages.success(request, "订阅地址已撤销，使用该地址的日历将不再更新。")
    return redirect("portal:calendar")


def calendar_feed(request, token):
    """No session: the secret token in the URL authenticates (phone calendars cannot log in).
    A revoked or unknown token, or an inactive user, gets 404."""
    row = CalendarToken.objects.select_related("user").filter(token=token, revoked_at__isnull=True).first()
    if row is None or not row.user.is_active:
        raise Http404("订阅地址无效")
    user = row.user
    from apps.compliance import selectors as comp

    as_of = timezone.localdate()
    events = []
    roots = [u for u in home_units(user).filter(level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
             .order_by("code")[:MAX_FEED_UNITS] if can(user, Action.VIEW, u)]
    for root in roots:
        for code, evaluation in comp.evaluate_subtree(root, as_of).items():
            for result in evaluation.results:
                if result.advisory:
                    continue
                for task in result.tasks:
                    if task.status == Status.COMPLIANT or task.due is None:
                        continue
                    uid_src = f"{code}|{result.requirement}|{task.due}|{task.subject}"
                    uid = hashlib.sha256(uid_src.encode()).hexdigest()[:24] + "@yingji-hegui"
                    summary = f"{evaluation.unit_name}：{result.title}{'（' + task.subject + '）' if task.subject else ''}"
                    description = task.missing or Status.LABELS.get(task.status, task.status)
                    if task.due < as_of:
                        # An overdue task on its past date is never seen again: it goes on today,
                        # says how late it is, and rings in the morning.
                        late = (as_of - task.due).days
                        events.append(ics.DueEvent(
                            uid=uid, due=as_of, summary=f"【已逾期 {late} 天】{summary}",
                            description=f"截止日期 {task.due.year}年{task.due.month}月{task.due.day}日。{description}",
                            alarm="PT9H"))
                    else:
                        events.append(ics.DueEvent(uid=uid, due=task.due, summary=summary, description=description))
    CalendarToken.objects.filter(pk=row.pk).update(last_used_at=timezone.now())
    body = ics.calendar(events, name="应急合规 到期事项", stamp=datetime.now(UTC))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="yingji-hegui.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
