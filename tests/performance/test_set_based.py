"""The nightly evaluation is set-based: its cost in queries does not grow with the villages.

Timings live in benchmarks/nightly.py; these tests pin the properties that make them scale.
"""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import selectors, services, tasks
from apps.compliance.models import Snapshot
from apps.devtools.synthetic import generate
from apps.evidence.models import Drill
from apps.jurisdictions.codes import subtree_range

AS_OF = date(2026, 3, 1)


def _county(number: int, villages: int):
    county = generate(counties=1, townships_per_county=2, villages_per_township=villages, years=2, seed=number,
                      as_of=AS_OF, first_county=number).counties[0]
    # Every township misses last year's drill, so every township has reminders to send: a county
    # without any skips the recipients' queries, and the counts would differ for that reason alone.
    Drill.objects.filter(unit__parent=county).delete()
    return county


def _county_task_queries(county) -> list[str]:
    run = services.evaluation_run_start(as_of=AS_OF, trigger="test")
    with CaptureQueriesContext(connection) as ctx:
        result = tasks.evaluate_county.apply(args=[run.pk, county.pk, AS_OF.isoformat()]).get()
    assert result["ok"], result
    return [q["sql"] for q in ctx.captured_queries]


def test_it_runs_a_county_task_in_the_same_number_of_queries_for_2_or_16_villages(catalog, eager):
    small = _county(1, villages=1)
    big = _county(2, villages=8)

    small_queries = _county_task_queries(small)
    big_queries = _county_task_queries(big)

    assert Snapshot.objects.filter(unit__county_code=big.code).count() == 1 + 2 + 16
    assert len(big_queries) == len(small_queries)


def test_it_runs_a_county_task_with_fresh_snapshots_in_fewer_queries(catalog, eager):
    county = _county(1, villages=3)
    cold = _county_task_queries(county)
    warm = _county_task_queries(county)
    assert len(warm) < len(cold)
    assert not any("INSERT INTO \"compliance_snapshot\"" in sql for sql in warm)


def _store(county) -> list[str]:
    units = selectors.subtree_units(county)
    evaluations = selectors.compute(units, subtree_range(county.code, county.level), AS_OF)
    with CaptureQueriesContext(connection) as ctx:
        written = services.snapshots_store(units=units, evaluations=evaluations,
                                           fingerprints={u.pk: "f" for u in units})
    assert written == len(units)
    return [q["sql"] for q in ctx.captured_queries]


def test_it_writes_all_snapshots_of_a_county_in_one_statement(catalog):
    small = _store(_county(1, villages=1))
    big = _store(_county(2, villages=6))

    assert len(small) == len(big) == 1
    assert big[0].startswith('INSERT INTO "compliance_snapshot"')


def test_it_loads_a_subtrees_evidence_in_one_query_per_kind(catalog):
    small = _county(1, villages=1)
    big = _county(2, villages=8)

    def load(county):
        with CaptureQueriesContext(connection) as ctx:
            evidence = selectors.load_evidence(subtree_range(county.code, county.level))
        return len(ctx), evidence

    small_n, _ = load(small)
    big_n, big_evidence = load(big)
    # people, trainings, members, drills, meetings, documents, facilities, relays, and the members of
    # several teams of the county (「重复在册」, compliance/conflict_selectors.py)
    assert small_n == big_n == 9
    assert len(big_evidence) == 2 + 16  # every township and village has evidence (the county itself none)
