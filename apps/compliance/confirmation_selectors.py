"""Reads of the period confirmations (审核确认): never write."""

from __future__ import annotations

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
