"""Template helpers: dates as people read them (2026年11月22日), status colours and labels.

One date style (issue 15): ``cn_date`` (2026年12月1日) wherever a date is read as words, in
sentences, headings, banners, facts and the narrative history of a record; ``iso_date``
(2026-12-01) only in data columns of tables, in URLs and form values, and in files. Templates
use these two filters, never ``|date:`` with a format (tests/portal/test_date_style.py)."""


from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.access import Action, can
from apps.compliance.results import Status, status_text
from apps.core.dates import data_date, prose_date
from apps.core.pii import mask_text
from apps.portal import links

register = template.Library()


@register.simple_tag(takes_context=True)
def unit_text(context, text: str, unit) -> str:
    """Free text about a unit (a 督办): ID and mobile numbers typed into it are masked for
    everyone but the unit's own staff, like the structured fields. Use with ``as``."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return text if user is not None and can(user, Action.SUBMIT, unit) else mask_text(text or "")


@register.filter
def cn_date(value) -> str:
    """2026-11-22 -> 2026年11月22日; datetimes are shown in local time with hours and minutes."""
    return prose_date(value)


@register.filter
def iso_date(value, precision: str = "") -> str:
    """2026-11-22 for data columns, URLs and form values; datetimes in local time with hours and
    minutes (``iso_date:"seconds"`` with seconds, for the audit log)."""
    return data_date(value, seconds=precision == "seconds")


@register.filter
def status_colour(status: str) -> str:
    return Status.COLOURS.get(status, "grey")


@register.filter
def status_label(status: str) -> str:
    return Status.LABELS.get(status, status)


@register.inclusion_tag("portal/_status.html")
def status_badge(status: str, deducts_no_data: bool = False):
    return {"colour": Status.COLOURS.get(status, "grey"), "label": status_text(status, deducts_no_data)}


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination and sorting)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def portal_nav(context) -> list[tuple[str, str]]:
    """Navigation links for the user's role, from the cached grants (no extra query)."""
    from apps.accounts.access import Action, can_global, grants, may_manage_users
    from apps.accounts.models import Role

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    items = [(_("首页"), reverse("portal:home"))]
    mine = grants(user)
    counties = [g for g in mine if g.level == "county"]
    townships = [g for g in mine if g.level == "township"]
    if counties:
        items.append((_("县级总览"), links.landing_url(counties[0].code, counties[0].level)))
        items.append((_("逾期任务"), reverse("portal:overdue", args=[counties[0].code])))
    queue = _review_queue_item(user, context.get("queue_count"))
    if queue:
        items.append(queue)
    if townships:
        items.append((_("乡镇工作台"), links.landing_url(townships[0].code, townships[0].level)))
        if user.role == Role.TOWNSHIP_STAFF:
            items.append((_("录入记录"), reverse("evidence:hub", args=[townships[0].code])))
            items.append((_("批量导入"), reverse("evidence:import")))
    items.append((_("单位查询"), reverse("portal:search")))
    items.append((_("政策规则库"), reverse("policies:catalog")))
    if can_global(user, Action.EXPORT) or mine:
        items.append((_("报表导出"), reverse("reports:index")))
    items.append((_("日历订阅"), reverse("portal:calendar")))
    if may_manage_users(user):
        items.append((_("用户管理"), reverse("accounts:users")))
    return items


def _review_queue_item(user, badge: str | None = None):
    """「待审核（N）」 for those who review records (evidence.review_queue_badge: one UNION query),
    not counted again when the page already did (``badge``: the page's ``queue_count``)."""
    from apps.evidence import selectors as evidence

    if not evidence.can_verify_somewhere(user):
        return None
    badge = evidence.review_queue_badge(user) if badge is None else badge
    return (f"{_('待审核')}（{badge}）", reverse("evidence:queue"))


@register.simple_tag
def landing_url(code: str, level: str) -> str:
    """``{% landing_url unit.code unit.level %}``: the unit's landing page (apps.portal.links)."""
    return links.landing_url(code, level)


@register.simple_tag
def landing_label(level: str) -> str:
    return links.LANDING_LABELS.get(level, "")


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key) if hasattr(mapping, "get") else ""


@register.inclusion_tag("portal/_forecast.html")
def forecast_banner(as_of):
    """A 「预测」 banner when the page evaluates a date after today: nothing has happened yet, so
    every status that depends on time passing is a projection from today's records."""
    today = timezone.localdate()
    return {"future": bool(as_of) and as_of > today, "as_of": as_of, "today": today}


@register.simple_tag
def supervision_due(supervision) -> str:
    """「办理时限：2026年12月15日（已逾期 3 天）」 for a 督办 list entry."""
    from django.utils.html import format_html

    if supervision.due_on is None:
        return ""
    today = timezone.localdate()
    due = cn_date(supervision.due_on)
    if supervision.closed_at:
        return format_html(" · 办理时限：{}", due)
    if supervision.is_overdue(today):
        return format_html(' · 办理时限：{}<span class="status status-red">已逾期 {} 天</span>', due,
                           (today - supervision.due_on).days)
    left = (supervision.due_on - today).days
    return format_html(" · 办理时限：{}（{}）", due, "今天到期" if left == 0 else f"{left} 天后到期")


@register.filter
def days_since(value) -> int:
    """Whole days from ``value`` (a date) to today, never negative."""
    if not value:
        return 0
    return max(0, (timezone.localdate() - value).days)


@register.filter
def due_text(row) -> str:
    """「逾期 5 天」 / 「今天到期」 / 「3 天后到期」 for an overdue-list row; never negative days."""
    from apps.compliance.results import days_text

    return days_text(getattr(row, "days_overdue", None), getattr(row, "due", None)) or "—"


@register.filter
def mask_pii(value) -> str:
    """A record's free text for readers who may not see personal data (ID and mobile masked)."""
    from apps.core.pii import mask_text

    return mask_text(str(value or ""))
