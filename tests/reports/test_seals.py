"""Sealing: the evaluation and its evidence are frozen; scorecards name the seal."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.compliance.results import Status
from apps.core.models import AuditEvent
from apps.reports import selectors, services
from apps.reports.models import Seal
from tests.reports.conftest import AS_OF, TOWNSHIP, make_drill, pdf_text


def test_it_lets_an_auditor_seal_and_freezes_the_scorecard(client_for, units, people, scorecard_catalog):
    drill = make_drill(units[TOWNSHIP], date(2026, 5, 1))
    response = client_for(people["auditor"]).post(reverse("reports:seal"), {"unit": TOWNSHIP, "as_of": "2026-06-30"})
    assert response.status_code == 302
    seal = Seal.objects.get()
    depot = scorecard_catalog["depot"]
    assert [e["ref"] for e in seal.evidence] == [f"drill:{drill.pk}", f"facility:{depot.pk}"]
    assert AuditEvent.objects.filter(action="seal.create", actor=people["auditor"], unit_code=TOWNSHIP).exists()

    card, _ = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    assert card.seal == seal
    _, text = pdf_text(card.file.read())
    assert seal.number in text and "临时版本" not in text

    # Later edits change the live data, never the sealed scorecard.
    make_drill(units[TOWNSHIP])  # 2025's drill: drill_annual is no longer overdue
    drill.subject = "改过的演练"
    drill.save()
    again, created = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    assert not created and again.pk == card.pk
    assert selectors.seal_drift(seal)["changed"] == [f"drill:{drill.pk}"]
    assert len(selectors.seal_drift(seal)["added"]) == 1


def test_it_renders_a_village_from_its_county_seal(units, people, scorecard_catalog):
    seal = services.seal_create(unit=units["140121000000"], as_of=AS_OF, user=people["auditor"])
    make_drill(units[TOWNSHIP])
    live = selectors.collect_raw(units[TOWNSHIP], AS_OF)["evaluations"][TOWNSHIP]["results"]
    assert live[0]["requirement"] == "drill_annual" and live[0]["status"] == Status.PENDING  # 2025 met, 2026 still open
    payload, used = selectors.scorecard_payload(units[TOWNSHIP], AS_OF)
    assert used == seal and payload["seal"]["number"] == seal.number
    assert payload["requirements"][0]["requirement"] == "drill_annual"
    assert payload["requirements"][0]["status"] == Status.OVERDUE  # the sealed state, not the edit


@pytest.mark.parametrize("name", ["township", "county", "other_township"])
def test_it_refuses_sealing_to_non_auditors(client_for, people, scorecard_catalog, name):
    response = client_for(people[name]).post(reverse("reports:seal"), {"unit": TOWNSHIP, "as_of": "2026-06-30"})
    assert response.status_code == 404 and not Seal.objects.exists()


def test_it_seals_a_unit_and_date_once(units, people, scorecard_catalog):
    services.seal_create(unit=units[TOWNSHIP], as_of=AS_OF, user=people["auditor"])
    with pytest.raises(ValidationError):
        services.seal_create(unit=units[TOWNSHIP], as_of=AS_OF, user=people["auditor"])
