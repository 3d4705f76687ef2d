"""Reads of the period confirmations (审核确认): never write."""

from __future__ import annotations

from django.utils import timezone

from apps.jurisdictions.codes import subtree_range
from apps.jurisdictions.models import PeriodConfirmation, Unit, ancestor_codes


def confirmations_in(root: Unit):
    """The confirmations of the units of ``root``'s subtree, newest period first."""
    rng = subtree_range(root.code, root.level)
    return list(PeriodConfirmation.objects.filter(unit__code__gte=rng.low, unit__code__lte=rng.high)
                .select_related("unit", "submitted_by", "decided_by").order_by("-period", "unit__code"))


def confirmation_in(root: Unit, pk: str) -> PeriodConfirmation | None:
    """One confirmation by id, only inside ``root``'s subtree (the page's unit, access-checked)."""
    if not str(pk).isdigit():
        return None
    rng = subtree_range(root.code, root.level)
    return (PeriodConfirmation.objects.filter(pk=int(pk), unit__code__gte=rng.low, unit__code__lte=rng.high)
            .select_related("unit").first())


def confirmation_of(unit: Unit, period: str) -> PeriodConfirmation | None:
    """A unit's own confirmation of a period, or the nearest one above it (a township's covers
    its villages)."""
    return (PeriodConfirmation.objects.filter(period=period, unit__code__in=ancestor_codes(unit))
            .select_related("unit", "decided_by").order_by("-unit__code").first())


def confirmation_status(unit: Unit, period: str, *, ended: bool) -> str:
    """The line a scorecard prints for its period: 「已确认」 with who and when, 「尚未确认」 for a
    past period that is not, the count of confirmed townships above township level."""
    if unit.level in ("township", "village"):
        c = confirmation_of(unit, period)
        if c is not None and c.state == PeriodConfirmation.State.CONFIRMED:
            who = (c.decided_by.get_full_name() or c.decided_by.get_username()) if c.decided_by else ""
            at = timezone.localtime(c.decided_at)
            return f"{period}年度已确认（{who} 于 {at.year}年{at.month}月{at.day}日 确认）"
        return f"{period}年度尚未确认" if ended else f"{period}年度未结束，尚未确认"
    rng = subtree_range(unit.code, unit.level)
    townships = Unit.objects.filter(level="township", code__gte=rng.low, code__lte=rng.high)
    confirmed = PeriodConfirmation.objects.filter(period=period, state=PeriodConfirmation.State.CONFIRMED,
                                                  unit__in=townships).count()
    return f"{period}年度已确认乡镇 {confirmed}/{townships.count()} 个" + ("" if confirmed == townships.count()
                                                                        else "，其余尚未确认")
