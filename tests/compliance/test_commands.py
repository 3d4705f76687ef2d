"""`evaluate` and `overdue_report` print exactly the documented JSON (docs/semantics.md)."""

import csv
import io
import json
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from tests.compliance.helpers import DRILL_PARAMS, drill, make_version

COUNTY, QINGYUAN, DONGJIE = "140121000000", "140121100000", "140121100201"


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    make_version("staff.emergency", "staffing", {"categories": ["emergency_staff"], "min_count": 1},
                 levels=",township,", weight=20, topic="staffing")
    make_version("advice.publicity", "periodic_event", {**DRILL_PARAMS, "match": {}}, binding=False, weight=50)


def _json(*args) -> dict:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return json.loads(out.getvalue())


def test_it_prints_the_evaluation_of_a_unit_as_documented(units, catalog):
    drill(units[QINGYUAN], date(2024, 6, 1))
    data = _json("evaluate", "--unit", QINGYUAN, "--as-of", "2025-03-01", "--json")
    assert list(data) == ["unit", "as_of", "score", "results"]
    assert (data["unit"], data["as_of"], data["score"]) == (QINGYUAN, "2025-03-01", 50.0)
    assert [r["requirement"] for r in data["results"]] == ["advice.publicity", "drill.annual", "staff.emergency"]
    for result in data["results"]:
        assert list(result) == ["requirement", "status", "due", "actual", "target", "advisory", "sources", "tasks"]
    by_code = {r["requirement"]: r for r in data["results"]}
    assert by_code["advice.publicity"]["advisory"] is True
    assert by_code["drill.annual"] | {"sources": None, "tasks": None} == {
        "requirement": "drill.annual", "status": "pending", "due": "2025-12-31", "actual": 0, "target": 1,
        "advisory": False, "sources": None, "tasks": None,
    }
    assert by_code["staff.emergency"]["status"] == "non_compliant"
    assert by_code["drill.annual"]["sources"][0]["clause"] == "(十三)"
    assert [t["status"] for t in by_code["drill.annual"]["tasks"]] == ["compliant", "pending"]


def test_it_prints_every_field_with_full(units, catalog):
    data = _json("evaluate", "--unit", QINGYUAN, "--as-of", "2025-03-01", "--json", "--full")
    assert {"unit_name", "grade", "counts"} <= set(data) and "title" in data["results"][0]


def test_it_prints_the_overdue_report_of_the_subtree_as_documented(units, catalog):
    data = _json("overdue_report", "--unit", COUNTY, "--as-of", "2025-12-10", "--json")
    assert list(data) == ["unit", "as_of", "tasks"] and data["unit"] == COUNTY
    for task in data["tasks"]:
        assert list(task) == ["unit", "unit_name", "requirement", "due", "days_overdue", "status"]
    assert [t["days_overdue"] for t in data["tasks"]] == sorted((t["days_overdue"] for t in data["tasks"]),
                                                                reverse=True)
    assert {t["status"] for t in data["tasks"]} == {"overdue", "non_compliant", "due_soon"}
    assert all(t["requirement"] != "advice.publicity" for t in data["tasks"])
    dongjie_2025 = next(t for t in data["tasks"] if t["unit"] == DONGJIE and t["due"] == "2025-12-31")
    assert dongjie_2025 == {"unit": DONGJIE, "unit_name": "东街村", "requirement": "drill.annual",
                            "due": "2025-12-31", "days_overdue": -21, "status": "due_soon"}


def test_it_writes_the_overdue_report_as_csv(units, catalog, tmp_path):
    target = tmp_path / "report.csv"
    call_command("overdue_report", "--unit", COUNTY, "--as-of", "2025-03-01", "--format", "csv",
                 "--output", str(target), stdout=io.StringIO())
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["单位代码", "单位名称", "要求编码"] and len(rows) > 1


@pytest.mark.parametrize("args, message", [
    (["--unit", "999999999999"], "不存在"),
    (["--unit", QINGYUAN, "--as-of", "2025-02-30"], "YYYY-MM-DD"),
])
def test_it_rejects_an_unknown_unit_or_a_bad_date(units, catalog, args, message):
    for command in ("evaluate", "overdue_report"):
        with pytest.raises(CommandError, match=message):
            call_command(command, *args, "--json", stdout=io.StringIO())


def test_it_generates_a_synthetic_hierarchy_with_every_kind_of_evidence(db):
    from apps.evidence import models as ev
    from apps.jurisdictions.models import Unit

    out = io.StringIO()
    call_command("generate_synthetic", "--counties", "2", "--townships-per-county", "2", "--villages-per-township",
                 "3", "--years", "2", "--seed", "7", "--as-of", "2025-06-30", stdout=out)
    assert "990101000000" in out.getvalue() and "990102000000" in out.getvalue()
    assert Unit.objects.filter(code__startswith="9901", level="township").count() == 4
    assert Unit.objects.filter(code__startswith="9901", level="village").count() == 12
    for model in (ev.Person, ev.Training, ev.Team, ev.TeamMember, ev.Drill, ev.Meeting, ev.Facility,
                  ev.StandingDocument, ev.WarningRelay):
        assert model.objects.exists(), model.__name__
    assert not ev.Drill.objects.filter(held_on__gt=date(2025, 6, 30)).exists()
