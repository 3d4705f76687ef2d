"""Reads of the audit log for the audit administrator's viewer (never writes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.jurisdictions.codes import subtree_range
from apps.jurisdictions.models import Unit


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    unit: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def as_detail(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.__dict__.items() if v}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_entries(f: AuditFilter) -> QuerySet[AuditEvent]:
    """Entries matching the filter, newest first. ``unit`` covers the unit's whole subtree;
    ``action`` matches a full action or a prefix ending in a dot (``auth.``); dates are local days,
    both ends included."""
    qs = AuditEvent.objects.all()
    if f.actor:
        qs = qs.filter(actor_name=f.actor)
    if f.unit:
        unit = Unit.objects.filter(code=f.unit).values("code", "level").first()
        if unit:
            rng = subtree_range(unit["code"], unit["level"])
            qs = qs.filter(unit_code__gte=rng.low, unit_code__lte=rng.high)
        else:
            qs = qs.filter(unit_code=f.unit)
    if f.action:
        qs = qs.filter(Q(action__startswith=f.action) if f.action.endswith(".") else Q(action=f.action))
    if f.date_from:
        qs = qs.filter(at__gte=_day_start(f.date_from))
    if f.date_to:
        qs = qs.filter(at__lt=_day_start(f.date_to + timedelta(days=1)))
    return qs.order_by("-seq")


def known_actions() -> list[str]:
    """The distinct actions present, for the filter's suggestions (uses the action index)."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
