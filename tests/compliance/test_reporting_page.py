"""The 「报送情况」 page: figures, the township's 提交确认 and the county's decisions; outsiders refused."""

from datetime import date, datetime, time

import pytest
from django.utils import timezone

from apps.jurisdictions.models import PeriodConfirmation
from tests.compliance.helpers import make_version

QINGYUAN = "140121100000"
URL = f"/compliance/units/{QINGYUAN}/reporting/"


@pytest.fixture
def today(time_machine):
    time_machine.move_to(timezone.make_aware(datetime.combine(date(2026, 12, 1), time(10))), tick=True)


def test_it_shows_the_figures_and_takes_the_confirmation_steps(units, people, client_for, today):
    make_version("meeting.quarterly", "periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1})
    page = client_for(people["township"]).get(URL + "?period=2026").content.decode()
    assert "报送率" in page and "尚未报送" in page and "提交确认" in page
    response = client_for(people["township"]).post(URL, {"step": "submit", "period": "2026"})
    assert response.status_code == 302
    c = PeriodConfirmation.objects.get()
    assert (c.state, len(c.missing)) == ("submitted", 3)
    county = client_for(people["county"])
    assert county.post(URL, {"step": "confirm", "confirmation": c.pk, "period": "2026"}).status_code == 302
    c.refresh_from_db()
    assert c.state == "confirmed"
    refused = county.post(URL, {"step": "reopen", "confirmation": c.pk, "period": "2026", "reason": ""})
    assert refused.status_code == 400 and "请填写原因" in refused.content.decode()
    county.post(URL, {"step": "reopen", "confirmation": c.pk, "period": "2026", "reason": "补录"})
    c.refresh_from_db()
    assert (c.state, c.reason) == ("reopened", "补录")


def test_it_refuses_outsiders(units, people, client_for, today):
    assert client_for(people["other_township"]).get(URL).status_code in (403, 404)
    assert client_for(people["tianjin_county"]).post(URL, {"step": "submit", "period": "2026"}).status_code in (403, 404)
    assert not PeriodConfirmation.objects.exists()


def test_a_township_cannot_confirm_its_own_period(units, people, client_for, today):
    client = client_for(people["township"])
    client.post(URL, {"step": "submit", "period": "2026"})
    c = PeriodConfirmation.objects.get()
    assert client.post(URL, {"step": "confirm", "confirmation": c.pk, "period": "2026"}).status_code == 403
    c.refresh_from_db()
    assert c.state == "submitted"


def test_the_api_gives_the_same_figures_and_refuses_outsiders(units, people, client_for, today):
    make_version("meeting.quarterly", "periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1})
    body = client_for(people["county"]).get(f"/api/v1/units/{QINGYUAN}/reporting/?period=2026").json()
    assert list(body) == ["unit", "period", "totals", "rows"]
    assert body["totals"] == {"expected": 9, "reported": 0, "on_time": 0, "reporting_rate": 0.0, "timely_rate": 0.0}
    assert client_for(people["county"]).get(f"/api/v1/units/{QINGYUAN}/reporting/?period=26").status_code == 400
    assert client_for(people["other_township"]).get(f"/api/v1/units/{QINGYUAN}/reporting/").status_code == 404
