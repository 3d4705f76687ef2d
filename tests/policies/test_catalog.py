"""The catalog fixtures: idempotent load, verbatim quotes, the documents' numbers."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from apps.core.models import AuditEvent
from apps.policies.models import Citation, Clause, Document, Duty, Requirement, RequirementVersion
from apps.policies.rules import normalize_text, quote_in
from apps.policies.services import CatalogError, load_catalog

SEEDS = Path(settings.BASE_DIR).parent / "shared" / "seeds"
TABLE_CODES = [
    "CN-DRILL-COMPREHENSIVE", "CN-SATCOM", "SX-SATCOM", "SX-TEAM-COUNTY", "SX-TEAM-TOWNSHIP", "SX-TEAM-VILLAGE",
    "TJ-TEAM-TOWNSHIP", "TJ-STUDY-QUARTERLY", "TJ-SHELTER-TOWNSHIP", "TJ-SHELTER-VILLAGE", "TJ-WARNING-RELAY",
    "TJ-TRAIN-TOWNSHIP-CADRE", "TJ-TRAIN-NEW-CADRE", "TJ-TRAIN-VILLAGE-COMMITTEE", "TJ-TRAIN-VILLAGE-STAFF",
    "BJ-TRAIN-TOWNSHIP-CADRE", "BJ-TRAIN-VILLAGE",
]


def _snapshot():
    return {
        "documents": list(Document.objects.values_list("code", "text", "binding", "scope_province_code")),
        "clauses": list(Clause.objects.values_list("pk", "number", "text", "order")),
        "duties": list(Duty.objects.values_list("pk", "code", "levels", "quote")),
        "requirements": list(Requirement.objects.values_list("pk", "code", "topic")),
        "versions": list(RequirementVersion.objects.values_list("pk", "version", "effective_from", "params", "weight")),
        "citations": list(Citation.objects.values_list("pk", "clause_id", "quote")),
    }


def test_it_loads_on_an_empty_database_and_a_second_load_changes_nothing(db):
    first = load_catalog()
    assert first["documents"]["created"] == 5
    assert first["requirements"]["created"] >= 40
    before, events = _snapshot(), AuditEvent.objects.count()

    second = load_catalog()

    assert all(c["created"] == 0 and c["updated"] == 0 for c in second.values())
    assert _snapshot() == before
    assert AuditEvent.objects.count() == events  # nothing changed, nothing audited


def test_it_runs_as_a_management_command_twice(db, capsys):
    call_command("load_policies")
    call_command("load_policies")
    out = capsys.readouterr().out
    assert "要求：新增 0，更新 0" in out.splitlines()[-2]


def test_it_quotes_every_citation_verbatim_from_its_document(catalog):
    citations = list(Citation.objects.select_related("clause__document"))
    assert citations
    for c in citations:
        assert quote_in(c.quote, c.clause.text), (c.version_id, c.quote)
        assert quote_in(c.quote, c.clause.document.text), (c.version_id, c.quote)
    for duty in Duty.objects.select_related("clause__document"):
        assert quote_in(duty.quote, duty.clause.document.text), duty.code


def test_it_gives_every_requirement_version_a_citation(catalog):
    assert not RequirementVersion.objects.filter(citations__isnull=True).exists()
    assert set(TABLE_CODES) <= set(Requirement.objects.values_list("code", flat=True))


def test_it_ships_the_documents_as_in_the_seeds(catalog):
    if not SEEDS.exists():
        pytest.skip("seed texts not available")
    central = Document.objects.get(code="CN-2024").text
    assert "新华社北京10月8日电" not in central and "红十字" not in central
    seed = (SEEDS / "003_9c2bbc7f473e3539.txt").read_text(encoding="utf-8")
    assert normalize_text(seed).startswith(normalize_text(central))
    for code, seed_name in [("SX-2025", "000_b36bec6a8fcf07d8.txt"), ("TJ-2025", "001_13f06c9a0ed65d91.txt"),
                            ("SX-2025-88", "002_531da6864b410584.txt"), ("BJ-2025", "004_666b4932f898cbde.txt")]:
        assert Document.objects.get(code=code).text == (SEEDS / seed_name).read_text(encoding="utf-8")


def test_it_keeps_every_clause_text_in_its_document(catalog):
    for clause in Clause.objects.select_related("document"):
        assert quote_in(clause.text, clause.document.text), clause
    numbers = set(Clause.objects.values_list("document__code", "number"))
    assert {("CN-2024", "(十三)"), ("SX-2025", "十"), ("TJ-2025", "(十四)"), ("BJ-2025", "（十）"),
            ("SX-2025-88", "（五）")} <= numbers


def _in_force(code, as_of=date(2026, 12, 1)):
    from apps.policies.selectors import versions_in_force

    return next((v for v in versions_in_force(as_of) if v.requirement.code == code), None)


def test_it_takes_the_numbers_from_the_documents(catalog):
    def params(code):
        return _in_force(code).params

    assert params("SX-TEAM-COUNTY")["min_members"] == 50
    assert params("SX-TEAM-TOWNSHIP")["min_members"] == 30
    assert params("SX-TEAM-VILLAGE")["min_members"] == 10
    assert params("TJ-TEAM-TOWNSHIP")["min_members"] == 50
    assert params("TJ-WARNING-RELAY")["max_minutes"] == 10
    assert params("TJ-TRAIN-TOWNSHIP-CADRE")["cycle_months"] == 24
    assert params("TJ-TRAIN-VILLAGE-COMMITTEE")["period"] == "quarter"
    assert params("BJ-TRAIN-TOWNSHIP-CADRE")["cycle_months"] == 60
    assert params("BJ-TRAIN-VILLAGE")["cycle_months"] == 36
    assert params("TJ-TRAIN-TOWNSHIP-CADRE")["new_appointee_months"] == 12
    assert params("BJ-TRAIN-COMMUNITY-STAFF")["cycle_months"] == 36
    sx_team = _in_force("SX-TEAM-TOWNSHIP")
    assert sx_team.deadline.isoformat() == "2027-12-31"
    assert _in_force("TJ-TEAM-TOWNSHIP").deadline is None
    # The reply letter is advisory: what it alone says is never binding.
    assert not RequirementVersion.objects.filter(binding=True, citations__clause__document__code="SX-2025-88").exclude(
        citations__clause__document__binding=True
    ).exists()


def test_it_cites_the_yearly_drill_from_all_four_binding_documents(catalog):
    version = RequirementVersion.objects.get(requirement__code="CN-DRILL-COMPREHENSIVE")
    sources = {(c.clause.document.code, c.clause.number) for c in version.citations.select_related("clause__document")}
    assert sources == {("CN-2024", "(十三)"), ("SX-2025", "十"), ("TJ-2025", "(十)"), ("BJ-2025", "（十）")}


def _copy_fixtures(tmp_path):
    src = Path(settings.BASE_DIR) / "fixtures"
    for sub in ("policies", "documents"):
        (tmp_path / sub).mkdir()
        for f in (src / sub).iterdir():
            (tmp_path / sub / f.name).write_bytes(f.read_bytes())
    return tmp_path


def test_it_refuses_a_quote_that_is_not_in_the_clause_and_writes_nothing(db, tmp_path):
    base = _copy_fixtures(tmp_path)
    path = base / "policies" / "requirements.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("每年至少组织1次先期处置", "每年至少组织2次先期处置"),
                    encoding="utf-8")
    with pytest.raises(CatalogError) as exc:
        load_catalog(base_dir=base)
    assert "CN-DRILL-COMPREHENSIVE" in str(exc.value)
    assert not Document.objects.exists()


def test_it_refuses_to_rewrite_the_rule_of_an_existing_version(catalog, tmp_path):
    base = _copy_fixtures(tmp_path)
    data = yaml.safe_load((base / "policies" / "requirements.yaml").read_text(encoding="utf-8"))
    row = next(r for r in data["requirements"] if r["code"] == "TJ-TEAM-TOWNSHIP")
    row["versions"][0]["params"]["min_members"] = 40
    (base / "policies" / "requirements.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as exc:
        load_catalog(base_dir=base)
    assert "TJ-TEAM-TOWNSHIP" in str(exc.value)
    assert RequirementVersion.objects.get(requirement__code="TJ-TEAM-TOWNSHIP", version=1).params["min_members"] == 50


def test_it_adds_a_new_version_from_the_fixtures(catalog, tmp_path):
    base = _copy_fixtures(tmp_path)
    data = yaml.safe_load((base / "policies" / "requirements.yaml").read_text(encoding="utf-8"))
    row = next(r for r in data["requirements"] if r["code"] == "TJ-TEAM-TOWNSHIP")
    newer = dict(row["versions"][-1], effective_from="2027-01-01",
                 params={"min_members": 60, "team_types": ["comprehensive"]})
    row["versions"].append(newer)
    (base / "policies" / "requirements.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    counts = load_catalog(base_dir=base)
    assert counts["versions"]["created"] == 1
    assert list(RequirementVersion.objects.filter(requirement__code="TJ-TEAM-TOWNSHIP").order_by("version")
                .values_list("version", "params__min_members")) == [(1, 50), (2, 50), (3, 60)]


ZHEJIANG_TEXT = """## 中共浙江省委办公厅 浙江省人民政府办公厅关于进一步提升基层应急管理能力的实施意见

(七)组建应急救援队伍。乡镇(街道)组建不少于40人的综合应急救援队伍。

(十)加强预案编制和演练。村(社区)每年至少组织2次综合演练。
"""


def test_it_adds_a_new_province_by_data_alone(catalog, units, tmp_path):
    """The docs/catalog.md example: a document, clauses and requirements in YAML, no code."""
    from apps.policies.selectors import applicable_versions, comparison
    from tests.factories import make_unit

    base = _copy_fixtures(tmp_path)
    (base / "documents" / "zj-2026-opinion.txt").write_text(ZHEJIANG_TEXT, encoding="utf-8")
    docs = yaml.safe_load((base / "policies" / "documents.yaml").read_text(encoding="utf-8"))
    docs["documents"].append({
        "code": "ZJ-2026", "short_name": "浙江实施意见", "title": "关于进一步提升基层应急管理能力的实施意见",
        "issuer": "中共浙江省委办公厅、浙江省人民政府办公厅", "issued_on": "2026-03-01",
        "scope_province_code": "330000000000", "binding": True, "file": "zj-2026-opinion.txt",
        "clauses": [{"number": "(七)", "text": "(七)组建应急救援队伍。乡镇(街道)组建不少于40人的综合应急救援队伍。"},
                    {"number": "(十)", "text": "(十)加强预案编制和演练。村(社区)每年至少组织2次综合演练。"}],
    })
    (base / "policies" / "documents.yaml").write_text(yaml.safe_dump(docs, allow_unicode=True), encoding="utf-8")
    reqs = yaml.safe_load((base / "policies" / "requirements.yaml").read_text(encoding="utf-8"))
    zj = {"scope": "330000000000", "effective_from": "2026-03-01", "weight": 15}
    reqs["requirements"] += [
        {"code": "ZJ-TEAM-TOWNSHIP", "topic": "team", "versions": [{
            **zj, "title": "乡镇组建不少于40人的综合应急救援队伍", "kind": "team_floor",
            "params": {"min_members": 40, "team_types": ["comprehensive"]}, "levels": ["township"],
            "citations": [{"doc": "ZJ-2026", "clause": "(七)", "quote": "乡镇(街道)组建不少于40人的综合应急救援队伍"}]}]},
        {"code": "ZJ-DRILL-TWICE", "topic": "drill", "versions": [{
            **zj, "title": "村(社区)每年至少组织2次综合演练", "kind": "periodic_event",
            "params": {"evidence": "drill", "period": "year", "min_count": 2, "match": {"drill_type": ["comprehensive"]}},
            "levels": ["village"],
            "citations": [{"doc": "ZJ-2026", "clause": "(十)", "quote": "村(社区)每年至少组织2次综合演练"}]}]},
    ]
    (base / "policies" / "requirements.yaml").write_text(yaml.safe_dump(reqs, allow_unicode=True), encoding="utf-8")

    counts = load_catalog(base_dir=base)

    assert counts["documents"]["created"] == 1 and counts["requirements"]["created"] == 2
    province = make_unit("330000000000", "浙江省", "province")
    county = make_unit("330102000000", "上城区", "county", province)
    township = make_unit("330102001000", "清波街道", "township", county)
    got = {a.version.requirement.code for a in applicable_versions(township, date(2026, 6, 30))}
    assert "ZJ-TEAM-TOWNSHIP" in got and "CN-DRILL-COMPREHENSIVE" in got
    assert not [c for c in got if c[:3] in ("SX-", "TJ-", "BJ-")]
    assert "ZJ-TEAM-TOWNSHIP" not in {a.version.requirement.code for a in applicable_versions(units["140121100000"],
                                                                                             date(2026, 6, 30))}
    columns, rows = comparison(date(2026, 6, 30))
    assert "浙江省" in [c.name for c in columns]


def test_it_weighs_binding_requirements_sensibly_for_every_township_and_village(catalog):
    """Binding versions carry points, advisory ones none; per unit the points are scaled to 100,
    and no single requirement dominates a township's or village's score."""
    from apps.policies.rules import matches

    assert not RequirementVersion.objects.filter(binding=True, weight__lte=0).exists()
    assert not RequirementVersion.objects.filter(binding=False, weight__gt=0).exists()
    versions = list(RequirementVersion.objects.select_related("requirement"))
    provinces = set(Document.objects.exclude(scope_province_code="").values_list("scope_province_code", flat=True))
    for province in provinces:
        for level in ("township", "village"):
            applied = [v for v in versions if v.binding and matches(
                v, province_code=province, level=level, flags="", as_of=date(2028, 1, 1))]
            total = sum(v.weight for v in applied)
            assert applied and total > 0, (province, level)
            heaviest = max(applied, key=lambda v: v.weight)
            assert heaviest.weight / total <= Decimal("0.30"), (province, level, heaviest.requirement.code)
