"""Nothing official about the future: scorecards and seals for a date after today are refused
(pages, jobs, the ``scorecard`` command), while dashboards show a marked projection."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.reports import services
from apps.reports.models import Scorecard, ScorecardJob, Seal

TOWNSHIP, COUNTY = "140121100000", "140121000000"


def _tomorrow():
    return timezone.localdate() + timedelta(days=1)


def test_it_refuses_a_scorecard_for_tomorrow_in_the_service(units, people, scorecard_catalog):
    with pytest.raises(ValidationError, match="晚于今天"):
        services.scorecard_generate(unit=units[TOWNSHIP], as_of=_tomorrow(), user=people["township"])
    with pytest.raises(ValidationError, match="晚于今天"):
        services.scorecard_job_create(unit=units[COUNTY], as_of=_tomorrow(), user=people["county"])
    assert not Scorecard.objects.exists() and not ScorecardJob.objects.exists()


def test_it_accepts_today(units, people, scorecard_catalog):
    card, created = services.scorecard_generate(unit=units[TOWNSHIP], as_of=timezone.localdate(),
                                                user=people["township"])
    assert created and card.verification_code


def test_it_refuses_a_seal_for_tomorrow(client_for, units, people, scorecard_catalog):
    with pytest.raises(ValidationError, match="晚于今天"):
        services.seal_create(unit=units[TOWNSHIP], as_of=_tomorrow(), user=people["auditor"])
    response = client_for(people["auditor"]).post(
        reverse("reports:seal"), {"unit": TOWNSHIP, "as_of": _tomorrow().isoformat()}, follow=True)
    assert "晚于今天" in response.content.decode() and not Seal.objects.exists()


@pytest.mark.parametrize("unit", [TOWNSHIP, COUNTY])
def test_it_refuses_a_future_scorecard_from_the_page(client_for, people, scorecard_catalog, unit):
    response = client_for(people["county"]).post(
        reverse("reports:generate"), {"unit": unit, "as_of": _tomorrow().isoformat()}, follow=True)
    assert "未来日期的评估只是预测" in response.content.decode()
    assert not Scorecard.objects.exists() and not ScorecardJob.objects.exists()


def test_it_refuses_a_future_date_in_the_command_without_writing_a_file(units, scorecard_catalog, tmp_path):
    out = tmp_path / "card.pdf"
    with pytest.raises(CommandError, match="晚于今天"):
        call_command("scorecard", unit=TOWNSHIP, as_of=_tomorrow().isoformat(), output=str(out))
    assert not out.exists() and not Scorecard.objects.exists()


def test_it_caps_the_date_pickers_at_today(client_for, people):
    html = client_for(people["auditor"]).get(reverse("reports:index")).content.decode()
    assert f'max="{timezone.localdate().isoformat()}"' in html


def test_it_preselects_the_unit_the_export_was_opened_from(client_for, people):
    html = client_for(people["auditor"]).get(reverse("reports:index"), {"unit": "140121100201"}).content.decode()
    assert '<option value="140121100201" selected>' in html  # a village, added to the choices
    html = client_for(people["auditor"]).get(reverse("reports:index"), {"unit": TOWNSHIP}).content.decode()
    assert f'<option value="{TOWNSHIP}" selected>' in html
    outsider = client_for(people["other_township"]).get(reverse("reports:index"), {"unit": TOWNSHIP}).content.decode()
    assert f'value="{TOWNSHIP}"' not in outsider


def test_it_links_search_results_to_the_scorecard(client_for, people):
    html = client_for(people["auditor"]).get(reverse("portal:search"), {"q": "清源"}).content.decode()
    assert f'{reverse("reports:index")}?unit={TOWNSHIP}#scorecard' in html
    html = client_for(people["auditor"]).get(reverse("reports:index")).content.decode()
    assert 'id="seals"' in html and "封存记录" in html  # the seal list is always there for auditors
