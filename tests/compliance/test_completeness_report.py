"""`completeness_report` prints exactly the documented JSON (docs/semantics.md 「报送率、及时率」)."""

import io
import json
from datetime import date, datetime, time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.evidence import services
from tests.compliance.helpers import DRILL_PARAMS, drill, make_version

COUNTY, QINGYUAN, DONGJIE, XIJIE = "140121000000", "140121100000", "140121100201", "140121100202"


def _at(time_machine, day: date):
    time_machine.move_to(timezone.make_aware(datetime.combine(day, time(10))), tick=False)


def _json(*args) -> dict:
    out = io.StringIO()
    call_command("completeness_report", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    make_version("staff.emergency", "staffing", {"categories": ["emergency_staff"], "min_count": 1},
                 levels=",township,", weight=20, topic="staffing")


def test_it_prints_the_documented_shape_with_totals_equal_to_the_sum_of_rows(units, catalog, time_machine):
    _at(time_machine, date(2026, 1, 5))
    drill(units[DONGJIE], date(2025, 6, 1))  # entered 5 January: on time
    _at(time_machine, date(2026, 3, 1))
    drill(units[QINGYUAN], date(2025, 7, 1))  # entered 1 March: late
    _at(time_machine, date(2026, 12, 1))
    data = _json("--unit", COUNTY, "--period", "2025", "--json")
    assert list(data) == ["unit", "period", "totals", "rows"]
    assert (data["unit"], data["period"]) == (COUNTY, "2025")
    assert list(data["totals"]) == ["expected", "reported", "on_time", "reporting_rate", "timely_rate"]
    for row in data["rows"]:
        assert list(row) == ["unit", "unit_name", "requirement", "expected", "reported", "on_time"]
    # Every unit of the subtree that owes the drill has its row; the staffing floor is not periodic.
    assert {r["unit"] for r in data["rows"]} == {QINGYUAN, DONGJIE, XIJIE, "140121101000", "140121101201"}
    assert {r["requirement"] for r in data["rows"]} == {"drill.annual"}
    for key in ("expected", "reported", "on_time"):
        assert data["totals"][key] == sum(r[key] for r in data["rows"])
    assert data["totals"] == {"expected": 5, "reported": 2, "on_time": 1, "reporting_rate": 0.4, "timely_rate": 0.2}
    by_unit = {r["unit"]: r for r in data["rows"]}
    assert by_unit[DONGJIE] == {"unit": DONGJIE, "unit_name": "东街村", "requirement": "drill.annual",
                                "expected": 1, "reported": 1, "on_time": 1}
    assert (by_unit[QINGYUAN]["reported"], by_unit[QINGYUAN]["on_time"]) == (1, 0)


def test_it_no_longer_counts_a_record_deleted_after_the_period(units, catalog, time_machine, people):
    _at(time_machine, date(2025, 7, 2))
    record = drill(units[DONGJIE], date(2025, 7, 1))
    _at(time_machine, date(2026, 2, 1))
    services.record_soft_delete(record=record, actor=people["township"], reason="录入错误")
    _at(time_machine, date(2026, 12, 1))
    data = _json("--unit", DONGJIE, "--period", "2025", "--json")
    assert data["rows"] == [{"unit": DONGJIE, "unit_name": "东街村", "requirement": "drill.annual",
                             "expected": 1, "reported": 0, "on_time": 0}]


def test_it_expects_nothing_of_a_period_the_obligation_did_not_cover(units, db, time_machine):
    # In force from 1 August 2026: under half of 2026, so the annual drill is not owed for 2026.
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, effective_from=date(2026, 8, 1))
    _at(time_machine, date(2027, 2, 1))
    data = _json("--unit", DONGJIE, "--period", "2026", "--json")
    assert data["totals"] == {"expected": 0, "reported": 0, "on_time": 0, "reporting_rate": None,
                              "timely_rate": None}


def test_it_reads_quarter_and_month_periods(units, db, time_machine):
    make_version("meeting.monthly", "periodic_event", {"evidence": "meeting", "period": "month", "min_count": 1})
    _at(time_machine, date(2026, 12, 1))
    assert _json("--unit", DONGJIE, "--period", "2026Q3", "--json")["totals"]["expected"] == 3
    assert _json("--unit", DONGJIE, "--period", "2026-07", "--json")["totals"]["expected"] == 1


@pytest.mark.parametrize("period", ["2026Q5", "26", "2026-13", "2026/07", ""])
def test_it_rejects_a_bad_period(units, catalog, period):
    with pytest.raises(CommandError, match="YYYY"):
        call_command("completeness_report", "--unit", DONGJIE, "--period", period, "--json", stdout=io.StringIO())


@pytest.mark.django_db
def test_it_reports_on_the_demo_data(time_machine):
    _at(time_machine, date(2026, 11, 23))
    call_command("load_demo", as_of="2026-11-23", stdout=io.StringIO())
    data = _json("--unit", COUNTY, "--period", "2025", "--json")
    totals = data["totals"]
    assert totals["expected"] > 0 and 0 <= totals["reporting_rate"] <= 1 and 0 <= totals["timely_rate"] <= 1
    for key in ("expected", "reported", "on_time"):
        assert totals[key] == sum(r[key] for r in data["rows"])
    assert all(r["on_time"] <= r["reported"] <= r["expected"] for r in data["rows"])
