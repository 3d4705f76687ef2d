"""Sealing: the evaluation and its evidence are frozen; scorecards name the seal."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from apps.compliance.results import Status
from apps.core.models import AuditEvent
from apps.evidence.models import Drill
from apps.reports import selectors, services
from apps.reports.models import Seal
from tests.reports.conftest import AS_OF, pdf_text

TOWNSHIP = "140121100000"


def _drill(unit, **kw):
    return Drill.objects.create(unit=unit, held_on=date(2026, 5, 1), drill_type="comprehensive", subject="防汛演练",
                                fingerprint="x", **kw)


def test_it_lets_an_auditor_seal_and_freezes_the_scorecard(client_for, units, people, fake_compliance):
    drill = _drill(units[TOWNSHIP])
    response = client_for(people["auditor"]).post(reverse("reports:seal"), {"unit": TOWNSHIP, "as_of": "2026-06-30"})
    assert response.status_code == 302
    seal = Seal.objects.get()
    assert seal.evidence == [{"ref": f"drill:{drill.pk}", "sha256": seal.evidence[0]["sha256"]}]
    assert AuditEvent.objects.filter(action="seal.create", actor=people["auditor"], unit_code=TOWNSHIP).exists()

    card, _ = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    assert card.seal == seal
    _, text = pdf_text(card.file.read())
    assert seal.number in text and "临时版本" not in text

    # Later edits change the live data, never the sealed scorecard.
    fake_compliance.overrides[TOWNSHIP] = {"drill_annual": Status.COMPLIANT}
    drill.subject = "改过的演练"
    drill.save()
    again, created = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    assert not created and again.pk == card.pk
    assert selectors.seal_drift(seal)["changed"] == [f"drill:{drill.pk}"]


def test_it_renders_a_village_from_its_county_seal(units, people, fake_compliance):
    seal = services.seal_create(unit=units["140121000000"], as_of=AS_OF, user=people["auditor"])
    fake_compliance.overrides[TOWNSHIP] = {"drill_annual": Status.COMPLIANT}
    payload, used = selectors.scorecard_payload(units[TOWNSHIP], AS_OF)
    assert used == seal and payload["seal"]["number"] == seal.number
    assert payload["requirements"][0]["status"] == Status.OVERDUE  # the sealed state, not the edit


@pytest.mark.parametrize("name", ["township", "county", "other_township"])
def test_it_refuses_sealing_to_non_auditors(client_for, people, fake_compliance, name):
    response = client_for(people[name]).post(reverse("reports:seal"), {"unit": TOWNSHIP, "as_of": "2026-06-30"})
    assert response.status_code == 404 and not Seal.objects.exists()


def test_it_seals_a_unit_and_date_once(units, people, fake_compliance):
    services.seal_create(unit=units[TOWNSHIP], as_of=AS_OF, user=people["auditor"])
    with pytest.raises(ValidationError):
        services.seal_create(unit=units[TOWNSHIP], as_of=AS_OF, user=people["auditor"])
