from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone

from apps.jurisdictions.models import Unit


def unit_and_date(code: str, as_of: str | None):
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(f"单位 {code} 不存在")
    try:
        day = date.fromisoformat(as_of) if as_of else timezone.localdate()
    except ValueError as exc:
        raise CommandError("--as-of 应为 YYYY-MM-DD") from exc
    return unit, day
