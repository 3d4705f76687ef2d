"""`completeness_report --json` on generated data (apps/devtools/synthetic): a county of three
townships and twelve villages with two years of records, all entered on 5 January 2026.

Already covered on the fixed test hierarchy (tests/compliance/test_completeness_report.py): the
JSON shape, subtree totals, a period not owed, a late entry, a record deleted after the period.
Here the same properties hold on generated data, where the figures are not hand-picked: totals
equal the sum of rows at every level of the subtree, the short first quarter is not owed while the
next one is, records entered within the deadline are on time and the others late, a late entry
raises 报送 but not 及时, and a record deleted after the period no longer counts."""

import io
import json
from datetime import date, datetime, time

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.accounts.models import Role
from apps.devtools.synthetic import generate
from apps.evidence import services
from apps.evidence.models import Meeting
from apps.jurisdictions.models import Unit
from tests.compliance.helpers import make_version
from tests.factories import make_user

QUARTERLY = {"evidence": "meeting", "period": "quarter", "min_count": 1}
ENTERED = date(2026, 1, 5)  # every generated record's creation day
TODAY = date(2026, 12, 1)


def _at(time_machine, day: date):
    time_machine.move_to(timezone.make_aware(datetime.combine(day, time(10))), tick=False)


def _json(code: str, period: str) -> dict:
    out = io.StringIO()
    call_command("completeness_report", "--unit", code, "--period", period, "--json", stdout=out)
    return json.loads(out.getvalue())


def _rows(data: dict, requirement: str) -> dict[str, dict]:
    return {r["unit"]: r for r in data["rows"] if r["requirement"] == requirement}


@pytest.fixture
def county(db, time_machine):
    # Both in force long before the data starts, except "meeting.late_start": from 20 August 2025,
    # 42 of Q3's 92 days — under half, so Q3 2025 is not owed and Q4 2025 is (rules.owed).
    make_version("meeting.quarterly", "periodic_event", QUARTERLY, topic="meeting")
    make_version("meeting.late_start", "periodic_event", QUARTERLY, topic="meeting",
                 effective_from=date(2025, 8, 20))
    _at(time_machine, ENTERED)
    result = generate(counties=1, townships_per_county=3, villages_per_township=4, years=2, seed=18, as_of=ENTERED)
    _at(time_machine, TODAY)
    return result.counties[0]


def test_it_totals_every_subtree_as_the_sum_of_its_rows(county):
    data = _json(county.code, "2025")
    assert len({r["unit"] for r in data["rows"]}) == 15  # 3 townships, 12 villages; the county owes nothing
    for key in ("expected", "reported", "on_time"):
        assert data["totals"][key] == sum(r[key] for r in data["rows"])
    assert 0 < data["totals"]["reported"] < data["totals"]["expected"]  # some units neglect their meetings
    for township in Unit.objects.filter(parent=county):
        own = _json(township.code, "2025")
        inside = [r for r in data["rows"] if r["unit"].startswith(township.code[:9])]
        assert own["rows"] == inside
        for key in ("expected", "reported", "on_time"):
            assert own["totals"][key] == sum(r[key] for r in inside)
    quarters = [_json(county.code, f"2025Q{q}")["totals"] for q in range(1, 5)]
    for key in ("expected", "reported", "on_time"):
        assert sum(q[key] for q in quarters) == data["totals"][key]  # quarterly obligations only


def test_it_owes_the_full_quarters_and_not_the_short_first_one(county):
    full = _rows(_json(county.code, "2025"), "meeting.quarterly")
    late_start = _rows(_json(county.code, "2025"), "meeting.late_start")
    assert {r["expected"] for r in full.values()} == {4}
    assert {r["expected"] for r in late_start.values()} == {1}  # Q4 only
    assert _json(county.code, "2025Q3")["totals"]["expected"] == 15  # meeting.quarterly alone
    assert _json(county.code, "2025Q4")["totals"]["expected"] == 30


def test_it_counts_only_records_entered_within_the_deadline_as_on_time(county):
    # Entered on 5 January 2026: within 10 days of the end of Q4 2025, long after Q1–Q3.
    q4 = _json(county.code, "2025Q4")["totals"]
    assert q4["reported"] > 0 and q4["on_time"] == q4["reported"]
    for q in (1, 2, 3):
        totals = _json(county.code, f"2025Q{q}")["totals"]
        assert totals["reported"] > 0 and totals["on_time"] == 0
        assert totals["timely_rate"] == 0.0 and 0 < totals["reporting_rate"] <= 1


def test_a_late_entry_counts_as_reported_but_not_on_time(county, time_machine):
    before = _rows(_json(county.code, "2025Q4"), "meeting.quarterly")
    code = next(c for c, r in sorted(before.items()) if r["reported"] == 0)
    unit = Unit.objects.get(code=code)
    _at(time_machine, date(2026, 3, 1))
    services.record_create(kind="meetings", unit=unit, actor=make_user("late", Role.TOWNSHIP_STAFF, unit),
                           values={"held_on": date(2025, 11, 20), "meeting_type": "work_meeting",
                                   "topic": "补录：研究部署冬春应急管理工作"})
    _at(time_machine, TODAY)
    after = _rows(_json(county.code, "2025Q4"), "meeting.quarterly")
    assert (after[code]["expected"], after[code]["reported"], after[code]["on_time"]) == (1, 1, 0)
    assert {c: r for c, r in after.items() if c != code} == {c: r for c, r in before.items() if c != code}


def test_a_record_deleted_after_the_period_no_longer_counts(county, time_machine):
    before = _json(county.code, "2025Q4")
    meeting = (Meeting.objects.filter(unit__code__startswith=county.code[:6], held_on__gte=date(2025, 10, 1),
                                      held_on__lte=date(2025, 12, 31), deleted_at__isnull=True)
               .select_related("unit").order_by("unit__code").first())
    same_quarter = Meeting.objects.filter(unit=meeting.unit, held_on__gte=date(2025, 10, 1),
                                          held_on__lte=date(2025, 12, 31), deleted_at__isnull=True).count()
    assert same_quarter == 1  # the generator holds one meeting per quarter
    _at(time_machine, date(2026, 6, 1))
    services.record_soft_delete(record=meeting, actor=make_user("clerk", Role.TOWNSHIP_STAFF, meeting.unit),
                                reason="重复录入")
    _at(time_machine, TODAY)
    after = _json(county.code, "2025Q4")
    code = meeting.unit.code
    for requirement in ("meeting.quarterly", "meeting.late_start"):
        was, now = _rows(before, requirement)[code], _rows(after, requirement)[code]
        assert (was["reported"], was["on_time"]) == (1, 1) and (now["reported"], now["on_time"]) == (0, 0)
    assert after["totals"]["reported"] == before["totals"]["reported"] - 2
    assert after["totals"]["expected"] == before["totals"]["expected"]
