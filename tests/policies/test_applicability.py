"""Which requirements apply to which unit on which date, and why."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.jurisdictions.models import Unit
from apps.policies.models import Requirement
from apps.policies.rules import matches
from apps.policies.selectors import applicable_versions, group_applicability, versions_in_force
from apps.policies.services import requirement_revise
from tests.factories import make_unit

AS_OF = date(2026, 6, 30)


def codes(unit, as_of=AS_OF):
    return {a.version.requirement.code for a in applicable_versions(unit, as_of)}


def test_it_matches_level_scope_flags_and_date_without_a_database():
    version = SimpleNamespace(levels=",township,village,", scope_province_code="140000000000",
                              flags_any=",high_natural_risk,multi_hazard,", effective_from=date(2025, 7, 4))
    kw = {"province_code": "140000000000", "level": "village", "as_of": AS_OF}
    assert matches(version, flags=",high_natural_risk,", **kw)
    assert matches(version, flags=",forest_fire,multi_hazard,", **kw)
    assert not matches(version, flags="", **kw)
    assert not matches(version, flags=",high_natural_risk,", **{**kw, "province_code": "120000000000"})
    assert not matches(version, flags=",high_natural_risk,", **{**kw, "level": "county"})
    assert not matches(version, flags=",high_natural_risk,", **{**kw, "as_of": date(2025, 7, 3)})


def test_it_gives_a_tianjin_township_its_team_floor_and_nothing_from_shanxi(units, catalog):
    got = codes(units["120118100000"])
    assert "TJ-TEAM-TOWNSHIP" in got and "CN-DRILL-COMPREHENSIVE" in got
    assert not [c for c in got if c.startswith("SX-")]


def test_it_gives_satellite_terminals_only_to_flagged_shanxi_villages(units, catalog):
    plain, risky = units["140121100201"], units["140121100202"]
    assert not {c for c in codes(plain) if "SAT" in c}
    assert "SX-SATCOM" in codes(risky)
    assert "CN-SATCOM" not in codes(risky)  # CN-SATCOM needs the high_risk flag


def test_it_gives_satellite_terminals_to_a_multi_hazard_shanxi_village_but_not_outside_shanxi(units, catalog):
    shanxi = make_unit("140121100290", "多灾村", "village", units["140121100000"], "multi_hazard")
    tianjin = make_unit("120118100290", "多灾村", "village", units["120118100000"], "multi_hazard")
    assert "SX-SATCOM" in codes(shanxi)
    assert not {c for c in codes(tianjin) if "SAT" in c}


def test_it_gives_a_beijing_township_its_training_cycle_and_no_team_floor(units, catalog):
    applicable = applicable_versions(units["110116100000"], AS_OF)
    got = {a.version.requirement.code for a in applicable}
    assert "BJ-TRAIN-TOWNSHIP-CADRE" in got
    assert not [a for a in applicable if a.version.kind == "team_floor"]


def test_it_explains_why_a_requirement_applies(units, catalog):
    reasons = {a.version.requirement.code: a.reasons for a in applicable_versions(units["140121100202"], AS_OF)}
    text = "；".join(reasons["SX-SATCOM"])
    assert "山西省" in text and "村(社区)" in text and "自然灾害综合风险高" in text
    assert "2025-07-04" in text and "第1版" in text
    assert reasons["CN-DRILL-COMPREHENSIVE"][0] == "适用范围：全国"


def test_it_applies_nothing_before_the_documents_took_effect(units, catalog):
    assert codes(units["120118100000"], date(2024, 9, 20)) == set()
    assert not [c for c in codes(units["120118100000"], date(2025, 12, 9)) if c.startswith("TJ-")]


def test_it_keeps_last_years_rules_when_a_version_is_edited_today(units, catalog, people):
    today = timezone.localdate()
    last_year = today - timedelta(days=365)
    village = units["140121100201"]
    before = {a.version.requirement.code: (a.version.pk, a.version.params) for a in applicable_versions(village, last_year)}

    requirement_revise(
        requirement=Requirement.objects.get(code="CN-DRILL-COMPREHENSIVE"), effective_from=today,
        changes={"params": {"evidence": "drill", "period": "year", "min_count": 2,
                            "match": {"drill_type": ["comprehensive"]}}},
        actor=people["admin"], reason="测试：每年2次",
    )

    after = {a.version.requirement.code: (a.version.pk, a.version.params) for a in applicable_versions(village, last_year)}
    assert after == before
    now = {a.version.requirement.code: a.version for a in applicable_versions(village, today)}
    assert now["CN-DRILL-COMPREHENSIVE"].params["min_count"] == 2
    assert now["CN-DRILL-COMPREHENSIVE"].version == 2


def test_it_resolves_groups_with_a_constant_number_of_queries(units, catalog):
    with CaptureQueriesContext(connection) as small:
        few = group_applicability(Unit.objects.filter(level="village"), AS_OF)
    township = units["140121100000"]
    for i in range(30):
        make_unit(f"140121100{300 + i}", f"新村{i}", "village", township, "high_natural_risk" if i % 2 else "")
    with CaptureQueriesContext(connection) as big:
        many = group_applicability(Unit.objects.filter(level="village"), AS_OF)
    assert len(many) == len(few) + 30
    assert len(big.captured_queries) == len(small.captured_queries) <= 3
    assert "SX-SATCOM" in {v.requirement.code for v in many["140121100301"]}
    assert many["140121100300"] is many["140121100201"]  # one resolution per group


def test_it_agrees_between_per_unit_and_group_resolution(units, catalog):
    grouped = group_applicability(list(units.values()), AS_OF)
    for unit in units.values():
        assert {v.requirement.code for v in grouped[unit.code]} == codes(unit)


def test_it_reads_versions_in_force_in_constant_queries(catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        versions = versions_in_force(AS_OF)
        for v in versions:
            [c.clause.document.short_name for c in v.citations.all()]
    assert len({v.requirement_id for v in versions}) == len(versions)


def test_it_drops_a_retired_requirement_from_its_date(units, catalog, people):
    today = timezone.localdate()
    requirement_revise(requirement=Requirement.objects.get(code="CN-POST-CARD"), effective_from=today + timedelta(days=10),
                       changes={"retired": True}, actor=people["admin"], reason="废止测试")
    assert "CN-POST-CARD" in codes(units["140121100000"], today)
    assert "CN-POST-CARD" not in codes(units["140121100000"], today + timedelta(days=10))


def test_it_refuses_a_revision_that_would_change_the_past_and_writes_nothing(catalog, people):
    from django.core.exceptions import ValidationError

    from apps.core.models import AuditEvent

    today = timezone.localdate()
    requirement = Requirement.objects.get(code="TJ-TEAM-TOWNSHIP")
    before = requirement.versions.count()
    for effective_from, reason in [(today - timedelta(days=1), "回溯"), (today, "")]:
        with pytest.raises(ValidationError):
            requirement_revise(requirement=requirement, effective_from=effective_from,
                               changes={"params": {"min_members": 60, "team_types": ["comprehensive"]}},
                               actor=people["admin"], reason=reason)
    assert requirement.versions.count() == before
    assert not AuditEvent.objects.filter(action="policies.requirement_revised").exists()
