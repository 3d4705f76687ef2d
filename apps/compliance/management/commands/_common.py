
from django.core.management.base import CommandError

from apps.core.dates import as_of_option
from apps.jurisdictions.models import Unit


def unit_and_date(code: str, as_of: str | None):
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise CommandError(f"单位 {code} 不存在")
    return unit, as_of_option(as_of)
