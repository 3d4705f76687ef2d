"""The facts the database groups (selectors.load_facts) give byte-identical evaluations to the
records themselves (selectors.load_evidence, the per-row path kept for reporting timeliness), for
every unit of generated data on several dates, with the real policy catalog."""

import json
from datetime import date

import pytest
from django.core.management import call_command

from apps.compliance import rules, selectors
from apps.devtools.synthetic import generate
from apps.evidence.models import Facility, TeamMember, Training
from apps.jurisdictions.codes import subtree_range
from tests.compliance.helpers import make_version

GENERATED_UNTIL = date(2026, 3, 1)
DATES = [date(2025, 4, 1), date(2025, 6, 30), date(2025, 12, 31), date(2026, 3, 1), date(2026, 9, 30)]


def _by_rows(units, rng, as_of) -> dict[str, str]:
    specs, cfg, empty = selectors.specs_in_force(as_of), selectors.rule_settings(), rules.Evidence()
    evidence = selectors.load_evidence(rng)
    return {u.code: _text(rules.evaluate_unit(selectors.unit_facts(u), specs, evidence.get(u.pk, empty), as_of, cfg))
            for u in units}


def _valid_until(units, rng, as_of, evidence) -> dict[str, date | None]:
    """Each unit's valid_until computed from ``evidence`` (records or grouped facts)."""
    specs, cfg, empty = selectors.specs_in_force(as_of), selectors.rule_settings(), rules.Evidence()
    later = selectors.catalog_dates(as_of)
    out = {}
    for u in units:
        facts, found = selectors.unit_facts(u), evidence.get(u.pk, empty)
        out[u.code] = rules.valid_until(facts, specs, found, rules.evaluate_unit(facts, specs, found, as_of, cfg), cfg,
                                        later)
    return out


def _text(evaluation) -> str:
    return json.dumps(evaluation.to_dict(), ensure_ascii=False, sort_keys=True)


@pytest.fixture
def county(db):
    call_command("load_policies", verbosity=0)
    # The catalog's team floors are provincial; the generated counties belong to no province.
    make_version("team.floor.any", "team_floor", {"min_members": 10, "team_types": ["comprehensive", "professional"]})
    county = generate(counties=1, townships_per_county=2, villages_per_township=4, years=2, seed=7,
                      as_of=GENERATED_UNTIL, first_county=1).counties[0]
    # Edge cases of the grouped kinds: a member leaving on an evaluated date, a facility taken out
    # of service on one, a returned training.
    member = TeamMember.objects.filter(team__unit__county_code=county.code).order_by("pk").first()
    member.left_on = date(2025, 6, 30)
    member.save(update_fields=["left_on"])
    facility = Facility.objects.filter(unit__county_code=county.code).order_by("pk").first()
    facility.in_service_to = date(2025, 12, 31)
    facility.save(update_fields=["in_service_to"])
    returned = Training.objects.filter(person__unit__county_code=county.code).order_by("pk")[:3]
    Training.objects.filter(pk__in=list(returned.values_list("pk", flat=True))).update(review_status="returned")
    _same_people_in_several_teams(county)
    return county


def _same_people_in_several_teams(county) -> None:
    """「重复在册」: people (by identity key) on several teams of the county, joining and leaving
    around the evaluated dates, one pair joining on the same day (the team recorded first wins)."""
    first_of = {}
    for member in TeamMember.objects.filter(team__unit__county_code=county.code).order_by("team_id", "pk"):
        first_of.setdefault(member.team_id, []).append(member)
    teams = sorted(first_of)[:3]
    a, b, c = (first_of[t] for t in teams)
    for member, key, joined, left in (
        (a[0], "bi:A", date(2024, 1, 1), None), (b[0], "bi:A", date(2025, 6, 30), None),
        (a[1], "bi:B", date(2025, 1, 1), date(2025, 12, 31)), (c[0], "bi:B", date(2024, 6, 1), None),
        (b[1], "bi:D", date(2025, 3, 1), None), (c[1], "bi:D", date(2025, 3, 1), date(2026, 9, 30)),
        (c[2], "bi:E", date(2025, 4, 1), None),  # a key on one team only
    ):
        TeamMember.objects.filter(pk=member.pk).update(identity_key=key, joined_on=joined, left_on=left)


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_it_evaluates_every_unit_from_grouped_facts_exactly_as_from_the_records(county, as_of):
    units = selectors.subtree_units(county)
    rng = subtree_range(county.code, county.level)

    by_rows = _by_rows(units, rng, as_of)
    by_facts = {code: _text(e) for code, e in selectors.compute(units, rng, as_of).items()}

    assert len(by_facts) == 1 + 2 + 8
    assert by_facts == by_rows
    assert _valid_until(units, rng, as_of, selectors.load_evidence(rng)) == _valid_until(
        units, rng, as_of, selectors.load_facts(rng, as_of))
    assert any('"status": "compliant"' in t for t in by_facts.values())  # not trivially empty
    assert any('"status": "overdue"' in t or '"status": "non_compliant"' in t for t in by_facts.values())


def test_it_refuses_to_evaluate_grouped_facts_on_another_date(county):
    facts = selectors.load_facts(subtree_range(county.code, county.level), date(2025, 6, 30))
    evidence = next(iter(facts.values()))
    with pytest.raises(ValueError):
        rules.training_dates(evidence, date(2025, 7, 1))
