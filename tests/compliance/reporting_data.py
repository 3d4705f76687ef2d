"""Reporting data shared by the 报送情况 tests (grid, export, scorecard section): a quarterly
meeting for townships and villages, an annual drill for townships, and meetings entered on time
and late. On 1 December 2026 清源镇 (with its two villages) owes Q1–Q3: 3+1+0 held, 2+1+0 on time;
徐沟镇 (with 北关村) owes the same and held none."""

from datetime import date, datetime, time

from django.utils import timezone

from apps.evidence.models import Meeting
from tests.compliance.helpers import DRILL_PARAMS, make_version

COUNTY, QINGYUAN, DONGJIE, XIJIE = "140121000000", "140121100000", "140121100201", "140121100202"
OTHER = "140121101000"
TODAY = date(2026, 12, 1)
QUARTERLY = {"evidence": "meeting", "period": "quarter", "min_count": 1}


def at(time_machine, day: date):
    time_machine.move_to(timezone.make_aware(datetime.combine(day, time(10))), tick=False)


def meeting(unit, held_on: date) -> Meeting:
    return Meeting.objects.create(unit=unit, held_on=held_on, meeting_type="work_meeting", topic="应急工作会议",
                                  fingerprint=f"{unit.code}{held_on}")


def reporting_catalog():
    make_version("meeting.quarterly", "periodic_event", QUARTERLY, topic="meeting", title="每季度召开应急工作会议")
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, levels=",township,", title="每年综合应急演练")


def reporting_evidence(units, time_machine):
    at(time_machine, date(2026, 4, 3))
    meeting(units[QINGYUAN], date(2026, 2, 1))  # Q1, entered 3 April: on time
    meeting(units[DONGJIE], date(2026, 3, 1))
    at(time_machine, date(2026, 6, 1))
    meeting(units[XIJIE], date(2026, 3, 2))  # Q1, entered 1 June: late
    meeting(units[QINGYUAN], date(2026, 5, 1))  # Q2, on time
    at(time_machine, TODAY)
    return units
