"""Catalog corrections of 2026-12-01 (issue 11): applicability, binding, supersedes, the upgrade
of an existing database in place, and one fact never read by two scored requirements."""

import csv
from datetime import date
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from apps.compliance import rules
from apps.compliance import selectors as compliance
from apps.compliance.models import Snapshot
from apps.compliance.results import UnitEvaluation
from apps.compliance.services import snapshots_store
from apps.policies.models import Requirement, RequirementVersion
from apps.policies.selectors import applicable_versions, versions_in_force
from apps.policies.services import load_catalog
from apps.reports.models import Seal
from apps.reports.services import seal_create
from tests.factories import make_unit

CORRECTED = date(2026, 12, 1)
BEFORE = date(2026, 11, 30)
SHANXI, TIANJIN, BEIJING = "140000000000", "120000000000", "110000000000"


def _in_force(code, as_of=CORRECTED):
    return next((v for v in versions_in_force(as_of) if v.requirement.code == code), None)


def _applies(unit, as_of=CORRECTED):
    return {a.version.requirement.code: a.version for a in applicable_versions(unit, as_of)}


def _documents(version):
    return {c.clause.document.code for c in version.citations.all()}


# -- applicability and binding ------------------------------------------------------------------
def test_it_binds_sx_satcom_only_for_high_natural_risk_and_keeps_the_reply_letter_advisory(catalog, units):
    risky, multi = units["140121100202"], make_unit("140121100203", "南关村", "village", units["140121100000"],
                                                    "multi_hazard")
    assert "SX-SATCOM" in _applies(risky) and "SX-SATCOM" not in _applies(multi)
    assert "SX-SATCOM" in _applies(multi, BEFORE)  # the earlier reading stays for earlier dates
    satcom = _in_force("SX-SATCOM")
    assert satcom.binding and satcom.flag_list == ["high_natural_risk"] and _documents(satcom) == {"SX-2025"}
    phone = _applies(multi)["SX-ADV-SATPHONE"]
    assert not phone.binding and phone.weight == 0 and _documents(phone) == {"SX-2025-88"}


def test_it_puts_the_hazard_ledger_on_the_county_and_the_beijing_municipality(catalog, units):
    assert "CN-HAZARD-LEDGER" not in _applies(units["140121100000"])
    assert "CN-HAZARD-LEDGER" in _applies(units["140121100000"], BEFORE)
    assert "CN-HAZARD-LEDGER" in _applies(units["120118000000"])
    assert "BJ-HAZARD-LEDGER-CITY" in _applies(units[BEIJING]) and "BJ-HAZARD-LEDGER-CITY" not in _applies(
        units[TIANJIN])
    assert _in_force("BJ-RISK-LEDGER").params["doc_types"] == ["risk_ledger"]


def test_it_lets_a_provincial_restatement_supersede_the_central_requirement(catalog):
    assert _in_force("TJ-DUTY-24H").supersedes_list == ["CN-DUTY-ROSTER"]
    assert _in_force("SX-SATCOM").supersedes_list == ["CN-SATCOM"]
    assert _in_force("TJ-DRILL-COMPREHENSIVE").supersedes_list == ["CN-DRILL-COMPREHENSIVE"]
    assert _in_force("TJ-DRILL-COMPREHENSIVE").params["require_evaluation"] is True


def test_it_makes_the_beijing_supply_depot_advisory(catalog):
    depot = _in_force("BJ-SUPPLY-DEPOT")
    assert not depot.binding and depot.weight == 0
    assert _in_force("BJ-SUPPLY-DEPOT", BEFORE).binding


def test_it_binds_the_tianjin_relay_on_districts_and_the_district_plan_on_the_municipality(catalog, units):
    assert "TJ-WARNING-RELAY" in _applies(units["120118000000"])
    assert "TJ-WARNING-RELAY" not in _applies(units["120118000000"], BEFORE)
    assert "TJ-TRAINING-PLAN-DISTRICT" in _applies(units[TIANJIN])


def test_it_trains_community_staff_in_communities_only_and_committee_members_everywhere(catalog, units):
    village = units["110116100201"]
    community = make_unit("110116100001", "怀柔镇某社区", "village", units["110116100000"])
    flagged = make_unit("110116100202", "西关村", "village", units["110116100000"], "community")
    assert "BJ-TRAIN-COMMUNITY-STAFF" not in _applies(village)
    assert "BJ-TRAIN-COMMUNITY-STAFF" in _applies(community) and "BJ-TRAIN-COMMUNITY-STAFF" in _applies(flagged)
    assert _applies(village)["BJ-TRAIN-VILLAGE"].params["categories"] == ["village_committee"]


def test_it_merges_the_new_appointee_sentence_and_retires_tj_train_new_cadre(catalog, units):
    township = units["120118100000"]
    assert "TJ-TRAIN-NEW-CADRE" in _applies(township, BEFORE) and "TJ-TRAIN-NEW-CADRE" not in _applies(township)
    retired = RequirementVersion.objects.get(requirement__code="TJ-TRAIN-NEW-CADRE", effective_from=CORRECTED)
    assert retired.retired
    cadre = _applies(township)["TJ-TRAIN-TOWNSHIP-CADRE"]
    assert (cadre.params["new_appointee_months"], cadre.obligation_from) == (12, date(2025, 12, 10))


def test_it_counts_any_team_type_for_the_tianjin_township_team(catalog):
    assert set(_in_force("TJ-TEAM-TOWNSHIP").params["team_types"]) == {"comprehensive", "professional", "social"}


def test_it_names_the_campaigns_of_the_publicity_requirement(catalog):
    assert _in_force("CN-PUBLICITY-EVENTS").params["campaigns"] == ["disaster_reduction_day", "safety_month",
                                                                     "fire_month"]


def test_it_reads_designated_staff_as_full_or_part_time_and_dates_the_shanxi_teams(catalog):
    assert "专职或兼职" in _in_force("CN-STAFF-DESIGNATED").description
    for code in ("SX-TEAM-COUNTY", "SX-TEAM-TOWNSHIP", "SX-TEAM-VILLAGE"):
        assert "2027年年底前构建起" in _in_force(code).description, code


@pytest.mark.parametrize(("code", "levels", "scope", "documents"), [
    ("CN-BUDGET-COUNTY", ["county"], "", {"CN-2024", "SX-2025", "TJ-2025", "BJ-2025"}),
    ("BJ-RESCUE-LEDGER", ["township"], BEIJING, {"BJ-2025"}),
    ("BJ-VOLUNTEER-TEAM", ["province", "county", "township"], BEIJING, {"BJ-2025"}),
    ("TJ-DRILL-COMPREHENSIVE", ["township", "village"], TIANJIN, {"TJ-2025"}),
    ("SX-RESPONSE-ONE-PAGER", ["township", "village"], SHANXI, {"SX-2025"}),
    ("SX-EVACUATION-MAP", ["township", "village"], SHANXI, {"SX-2025"}),
    ("SX-DUTY-TABLE", ["township", "village"], SHANXI, {"SX-2025"}),
    ("BJ-SUPPLY-LIST", ["province", "county"], BEIJING, {"BJ-2025"}),
])
def test_it_adds_the_missing_checkable_obligations_binding_from_2026_12_01(catalog, code, levels, scope, documents):
    version = _in_force(code)
    assert version.binding and version.weight > 0
    assert (sorted(version.level_list), version.scope_province_code) == (sorted(levels), scope)
    assert _documents(version) == documents
    assert _in_force(code, BEFORE) is None  # new obligations change no evaluation of an earlier date


# -- one fact, one scored requirement -------------------------------------------------------------
def _reads(spec):
    """What a requirement reads: (evidence, the set of types it accepts)."""
    p = spec.params
    if spec.kind == "periodic_event":
        return p.evidence, p.accepted() or frozenset({"*"})
    return {
        "standing_document": lambda: ("document", frozenset(p.doc_types)),
        "training_cycle": lambda: ("training", frozenset(p.categories)),
        "staffing": lambda: ("person", frozenset(p.categories)),
        "team_floor": lambda: ("team", frozenset(p.team_types)),
        "facility_count": lambda: ("facility", frozenset(p.facility_types)),
        "response_time": lambda: ("relay", frozenset({"*"})),
    }[spec.kind]()


def _demo_and_synthetic_units():
    path = Path(settings.BASE_DIR) / "fixtures" / "demo_jurisdictions.csv"
    with path.open(encoding="utf-8") as fh:
        demo = [rules.UnitFacts(r["code"], r["name"], r["level"], r["code"][:2] + "0" * 10,
                                tuple(f for f in r["flags"].split(";") if f)) for r in csv.DictReader(fh)]
    demo += [rules.UnitFacts(code, "省级", "province", code) for code in (SHANXI, TIANJIN, BEIJING)]
    synthetic = [rules.UnitFacts(code, "合成", level, "990000000000", flags)
                 for code, level in (("990101000000", "county"), ("990101100000", "township"),
                                     ("990101100200", "village"), ("990101100001", "village"))
                 for flags in ((), ("high_natural_risk",))]
    return demo + synthetic


@pytest.mark.parametrize("as_of", [CORRECTED, date(2027, 6, 30), date(2028, 1, 1)])
def test_it_never_scores_two_requirements_reading_the_same_evidence_for_one_unit(catalog, as_of):
    specs = {s.requirement: s for s in compliance.specs_in_force(as_of)}
    for unit in _demo_and_synthetic_units():
        evaluation = rules.evaluate_unit(unit, specs.values(), rules.Evidence(), as_of)
        scored = [specs[r.requirement] for r in evaluation.results if not r.advisory]
        for i, a in enumerate(scored):
            for b in scored[i + 1:]:
                (ea, ta), (eb, tb) = _reads(a), _reads(b)
                assert not (ea == eb and ta & tb), (unit.code, a.requirement, b.requirement)


# -- load_policies upgrades an existing database in place ------------------------------------------
def _catalog_before_the_corrections(tmp_path):
    """fixtures/ as it was before 2026-12-01: the same files without the correcting versions."""
    src = Path(settings.BASE_DIR) / "fixtures"
    for sub in ("policies", "documents"):
        (tmp_path / sub).mkdir()
        for f in (src / sub).iterdir():
            (tmp_path / sub / f.name).write_bytes(f.read_bytes())
    path = tmp_path / "policies" / "requirements.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for row in data["requirements"]:
        row["versions"] = [v for v in row["versions"] if v["effective_from"] < CORRECTED]
    data["requirements"] = [r for r in data["requirements"] if r["versions"]]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def test_it_upgrades_an_existing_database_in_place_leaving_past_evaluations_and_seals(db, units, tmp_path):
    from tests.factories import make_people

    people = make_people(units)
    load_catalog(base_dir=_catalog_before_the_corrections(tmp_path))
    assert not Requirement.objects.filter(code="BJ-VOLUNTEER-TEAM").exists()
    past = date(2026, 6, 30)
    before = {code: compliance.evaluate_unit(units[code], past).to_dict()
              for code in ("120118100000", "140121100000", "110116100201")}
    seal = seal_create(unit=units["140121000000"], as_of=past, user=people["auditor"])
    snapshots_store(units=[units[c] for c in before], evaluations={
        c: UnitEvaluation.from_dict(e) for c, e in before.items()}, fingerprints={units[c].pk: "f" for c in before})
    stored = dict(Snapshot.objects.filter(as_of=past).values_list("unit__code", "results"))
    assert set(stored) >= set(before)

    counts = load_catalog()

    assert counts["versions"]["created"] >= 25 and counts["requirements"]["created"] >= 10
    for code, evaluation in before.items():
        assert compliance.evaluate_unit(units[code], past).to_dict() == evaluation, code
    assert dict(Snapshot.objects.filter(as_of=past).values_list("unit__code", "results")) == stored
    assert Seal.objects.get(pk=seal.pk).payload == seal.payload
    later = compliance.evaluate_unit(units["120118100000"], date(2026, 12, 2))
    codes = {r.requirement for r in later.results}
    assert "TJ-TRAIN-NEW-CADRE" not in codes and "CN-DUTY-ROSTER" not in codes and "TJ-DUTY-24H" in codes
    assert {"requirement": "CN-DUTY-ROSTER", "by": "TJ-DUTY-24H"}.items() <= next(
        s for s in later.superseded if s["requirement"] == "CN-DUTY-ROSTER").items()
    assert load_catalog()["versions"]["created"] == 0  # and a second run changes nothing


def test_it_quotes_the_not_yet_evidenced_list_verbatim():
    import re

    from apps.policies.rules import quote_in

    docs = (Path(settings.BASE_DIR) / "docs" / "catalog.md").read_text(encoding="utf-8")
    section = docs.split("### Not yet evidenced", 1)[1]
    quotes = re.findall(r"「([^」]+)」", section)
    texts = "".join(p.read_text(encoding="utf-8")
                    for p in (Path(settings.BASE_DIR) / "fixtures" / "documents").glob("*.txt"))
    assert len(quotes) >= 8
    assert [q for q in quotes if not quote_in(q, texts)] == []


def test_it_shows_a_shanxi_township_only_central_and_shanxi_documents(catalog, units, client_for):
    from tests.factories import make_people

    people = make_people(units)
    client = client_for(people["township"])
    pages = [f"/policies/unit/140121100000/?as_of={CORRECTED}", f"/units/140121100000/?as_of={CORRECTED}",
             f"/compliance/units/140121100000/?as_of={CORRECTED}",
             f"/compliance/units/140121100000/overdue/?as_of={CORRECTED}&format=csv"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode("utf-8-sig")
        assert "天津实施意见" not in body and "北京实施意见" not in body, url
    policies_page = client.get(pages[0]).content.decode()
    assert "中办国办意见(十三)" in policies_page and "山西若干措施十" in policies_page
