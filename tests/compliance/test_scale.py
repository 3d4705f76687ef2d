"""Evaluating a bigger county costs the same number of queries as a small one."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import selectors, services
from apps.devtools.synthetic import generate
from apps.jurisdictions.models import Unit
from tests.compliance.helpers import make_every_kind_catalog

AS_OF = date(2025, 6, 30)


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx)


def test_it_evaluates_20_townships_and_400_villages_in_the_same_queries_as_2_and_10(db):
    make_every_kind_catalog()
    small = generate(counties=1, townships_per_county=2, villages_per_township=5, years=2, seed=1, as_of=AS_OF,
                     first_county=1).counties[0]
    big = generate(counties=1, townships_per_county=20, villages_per_township=20, years=2, seed=2, as_of=AS_OF,
                   first_county=2).counties[0]
    assert Unit.objects.subtree(big).filter(level="village").count() == 400

    cold_small = _queries(lambda: selectors.evaluate_subtree(small, AS_OF))
    cold_big = _queries(lambda: selectors.evaluate_subtree(big, AS_OF))
    # Storing is the nightly job's (reads never write); it too costs the same for both.
    assert _queries(lambda: services.snapshots_refresh(root=small, as_of=AS_OF)) == _queries(
        lambda: services.snapshots_refresh(root=big, as_of=AS_OF))
    # Stored snapshots are compact: the detail is computed again, in the same queries.
    warm_small = _queries(lambda: selectors.evaluate_subtree(small, AS_OF))
    warm_big = _queries(lambda: selectors.evaluate_subtree(big, AS_OF))
    assert cold_small == cold_big == warm_small == warm_big

    evaluations = selectors.evaluate_subtree(big, AS_OF)
    assert len(evaluations) == 421
    statuses = {r.status for e in evaluations.values() for r in e.results}
    assert {"compliant", "overdue"} <= statuses  # some units comply, some do not
    # + 1: a county first looks for the summary its nightly task stored (none was stored here).
    assert _queries(lambda: selectors.overdue_tasks(big, AS_OF)) == warm_big + 1


def test_it_skips_counties_that_already_exist(db):
    generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, as_of=AS_OF)
    again = generate(counties=1, townships_per_county=1, villages_per_township=1, years=1, as_of=AS_OF)
    assert again.counties == [] and again.units == 0
