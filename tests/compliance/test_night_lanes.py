"""The nightly run's counties in lanes (tasks.evaluate_counties): the same snapshots, reports and
overdue rows as one county after the other, and each county still in its own transaction."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.conf import settings

from apps.compliance import tasks
from apps.compliance.models import CountyOverdueRow, CountyReport, EvaluationRun, Snapshot
from tests.compliance.helpers import DRILL_PARAMS, fail_county_build, make_version

AS_OF = "2025-03-01"

pytestmark = [
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                       reason="lanes run only on PostgreSQL (SQLite: one after the other)"),
    pytest.mark.django_db(transaction=True),
]


def _night() -> tuple[list, list, list]:
    day = date.fromisoformat(AS_OF)
    snapshots = sorted(Snapshot.objects.filter(as_of=day).values_list(
        "unit__code", "score", "grade", "counts", "results", "fingerprint", "valid_until"))
    reports = sorted(CountyReport.objects.filter(as_of=day).values_list(
        "county__code", "ok", "units_evaluated", "overdue", "non_compliant", "due_soon", "summary", "fingerprint"))
    overdue = sorted(CountyOverdueRow.objects.filter(as_of=day).values_list(
        "county_id", "position", "unit_code", "requirement", "due", "status", "missing", "subject"))
    return snapshots, reports, overdue


def _forget_the_night() -> None:
    for model in (Snapshot, CountyOverdueRow, CountyReport, EvaluationRun):
        model.objects.filter(as_of=AS_OF).delete()


def test_counties_in_two_lanes_store_what_one_after_the_other_stores(units, people, eager, settings, monkeypatch):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    settings.COMPLIANCE_NIGHT_COUNTIES_PER_TASK = 3  # the fixture's three counties in one task
    settings.COMPLIANCE_NIGHT_LANES = 1
    tasks.nightly_evaluation.delay(AS_OF, "test")
    one_after_the_other = _night()
    assert one_after_the_other[1] and one_after_the_other[2]  # reports and overdue rows to compare

    _forget_the_night()
    threads = []
    real = tasks.county_night

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(tasks, "county_night", recorded)
    settings.COMPLIANCE_NIGHT_LANES = 2
    tasks.nightly_evaluation.delay(AS_OF, "test")
    assert len(threads) == 3 and set(threads) == {threading.current_thread().name, "lane-1"}  # two at once
    assert _night() == one_after_the_other
    run = EvaluationRun.objects.get(as_of=AS_OF)
    assert run.state == EvaluationRun.State.SUCCEEDED and run.counties_done == 3


def test_a_failing_county_in_a_lane_is_recorded_and_the_others_finish(units, people, eager, settings, monkeypatch):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    settings.COMPLIANCE_NIGHT_COUNTIES_PER_TASK = 3
    settings.COMPLIANCE_NIGHT_LANES = 2
    fail_county_build(monkeypatch, "120118000000")
    tasks.nightly_evaluation.delay(AS_OF, "test")
    run = EvaluationRun.objects.get(as_of=AS_OF)
    assert run.state == EvaluationRun.State.PARTIAL and run.counties_done == 2
    assert "boom" in run.errors[0]["error"]
    assert CountyReport.objects.filter(as_of=AS_OF, ok=True).count() == 2
