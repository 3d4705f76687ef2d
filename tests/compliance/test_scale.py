"""Evaluating a bigger county costs the same number of queries as a small one."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import selectors
from apps.compliance.synthetic import generate
from apps.jurisdictions.models import Unit
from tests.compliance.helpers import DRILL_PARAMS, make_version

AS_OF = date(2025, 6, 30)


def _catalog():
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    make_version("meeting.quarterly", "periodic_event",
                 {"evidence": "meeting", "period": "quarter", "min_count": 1}, topic="meeting")
    make_version("team.floor", "team_floor", {"min_members": 30, "team_types": ["comprehensive"]},
                 levels=",township,", topic="team")
    make_version("training.cadre", "training_cycle", {"categories": ["township_cadre"], "cycle_months": 24},
                 levels=",township,", topic="training")
    make_version("relay.time", "response_time", {"max_minutes": 10, "window_months": 12}, topic="warning")
    make_version("doc.plan", "standing_document", {"doc_types": ["emergency_plan"], "max_age_months": None},
                 topic="duty")
    make_version("facility.phone", "facility_count", {"min_count": 1, "facility_types": ["satellite_phone"]},
                 flags_any=",high_natural_risk,", topic="facility")


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_it_evaluates_20_townships_and_400_villages_in_the_same_queries_as_2_and_10(db):
    _catalog()
    small = generate(counties=1, townships_per_county=2, villages_per_township=5, years=2, seed=1, as_of=AS_OF,
                     first_county=1).counties[0]
    big = generate(counties=1, townships_per_county=20, villages_per_township=20, years=2, seed=2, as_of=AS_OF,
                   first_county=2).counties[0]
    assert Unit.objects.subtree(big).filter(level="village").count() == 400

    cold_small = _queries(lambda: selectors.evaluate_subtree(small, AS_OF))
    cold_big = _queries(lambda: selectors.evaluate_subtree(big, AS_OF))
    warm_small = _queries(lambda: selectors.evaluate_subtree(small, AS_OF))
    warm_big = _queries(lambda: selectors.evaluate_subtree(big, AS_OF))
    assert cold_small == cold_big
    assert warm_small == warm_big < cold_big

    evaluations = selectors.evaluate_subtree(big, AS_OF)
    assert len(evaluations) == 421
    statuses = {r.status for e in evaluations.values() for r in e.results}
    assert {"compliant", "overdue"} <= statuses  # some units comply, some do not
    assert _queries(lambda: selectors.overdue_tasks(big, AS_OF)) == warm_big


def test_it_skips_counties_that_already_exist(db):
    generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, as_of=AS_OF)
    again = generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, as_of=AS_OF)
    assert again.counties == [] and again.units == 0
