"""A scorecard page says whether its year is confirmed (审核确认): who confirmed it and when."""

from datetime import date

from django.urls import reverse
from django.utils import timezone

from apps.jurisdictions.models import PeriodConfirmation
from apps.reports import services
from tests.reports.conftest import AS_OF

TOWNSHIP, COUNTY = "140121100000", "140121000000"


def test_it_says_confirmed_with_who_and_when_or_not_yet(client_for, people, units, scorecard_catalog):
    card, _ = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    client = client_for(people["county"])
    year = str(card.as_of.year)
    assert f"{year}年度" in client.get(reverse("reports:detail", args=[card.pk])).content.decode()
    assert "尚未确认" in client.get(reverse("reports:detail", args=[card.pk])).content.decode()
    people["county"].first_name = "王科长"
    people["county"].save()
    PeriodConfirmation.objects.create(unit=units[TOWNSHIP], period=year, starts_on=date(int(year), 1, 1),
                                      ends_on=date(int(year), 12, 31), state="confirmed",
                                      decided_by=people["county"], decided_at=timezone.now())
    body = client.get(reverse("reports:detail", args=[card.pk])).content.decode()
    assert f"{year}年度已确认" in body and "王科长" in body and "尚未确认" not in body
    county_card, _ = services.scorecard_generate(unit=units[COUNTY], as_of=AS_OF, user=people["county"])
    body = client.get(reverse("reports:detail", args=[county_card.pk])).content.decode()
    assert "已确认乡镇 1/2 个，其余尚未确认" in body
