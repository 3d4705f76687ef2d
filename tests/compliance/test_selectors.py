"""Set-based evaluation of subtrees, snapshots and their freshness, roll-ups, overdue tasks."""

import ast
import io
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from apps.compliance import selectors, services
from apps.compliance.models import Snapshot
from apps.compliance.results import Status, compact_results
from tests.compliance.helpers import DRILL_PARAMS, drill, make_version

COUNTY, QINGYUAN, DONGJIE, XIGOU = "140121000000", "140121100000", "140121100201", "140121101000"
AS_OF = date(2025, 3, 1)


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    make_version("staff.emergency", "staffing", {"categories": ["emergency_staff"], "min_count": 1},
                 levels=",township,", weight=20, topic="staffing")
    make_version("advice.publicity", "periodic_event", {**DRILL_PARAMS, "match": {}}, binding=False, weight=50)


def test_it_evaluates_every_unit_of_a_subtree(units, catalog):
    drill(units[DONGJIE], date(2024, 6, 1))
    evaluations = selectors.evaluate_subtree(units[COUNTY], AS_OF)
    assert set(evaluations) == {COUNTY, QINGYUAN, DONGJIE, "140121100202", XIGOU, "140121101201"}
    assert evaluations[COUNTY].results == []  # county level: nothing in this catalog applies
    dongjie = {r.requirement: r for r in evaluations[DONGJIE].results}
    assert dongjie["drill.annual"].tasks[0].status == Status.COMPLIANT
    assert evaluations[DONGJIE].score == 100.0
    township = {r.requirement: r for r in evaluations[QINGYUAN].results}
    assert township["drill.annual"].status == Status.OVERDUE
    assert township["staff.emergency"].status == Status.NON_COMPLIANT
    assert evaluations[QINGYUAN].score == 0.0 and evaluations[QINGYUAN].grade == "不合格"
    assert township["advice.publicity"].advisory


def test_it_writes_nothing_when_evaluating_for_display(units, people, catalog, client_for):
    selectors.evaluate_subtree(units[COUNTY], AS_OF)
    selectors.evaluate_unit(units[QINGYUAN], AS_OF)
    selectors.overdue_report(units[COUNTY], AS_OF)
    client = client_for(people["county"])
    for url in (f"/compliance/units/{COUNTY}/?as_of=2025-03-01", f"/compliance/units/{COUNTY}/overdue/?as_of=2025-03-01",
                f"/api/v1/units/{QINGYUAN}/evaluation/?as_of=2025-03-01"):
        assert client.get(url).status_code == 200, url
    call_command("evaluate", unit=QINGYUAN, as_of="2025-03-01", json=True, stdout=io.StringIO())
    assert not Snapshot.objects.exists()


def test_it_keeps_selectors_free_of_service_imports():
    tree = ast.parse(Path(selectors.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not any(m and m.endswith("services") for m in imported), imported


def test_it_stores_compact_snapshots_and_computes_the_detail_on_demand(units, catalog):
    first = services.snapshots_refresh(root=units[QINGYUAN], as_of=AS_OF)
    assert Snapshot.objects.filter(as_of=AS_OF).count() == 3
    stored = Snapshot.objects.get(unit=units[QINGYUAN], as_of=AS_OF)
    assert stored.results == compact_results(first[QINGYUAN])
    assert [r[:3] for r in stored.results] == [["advice.publicity", 1, "overdue"], ["drill.annual", 1, "overdue"],
                                               ["staff.emergency", 1, "non_compliant"]]
    assert (stored.score, stored.grade, stored.counts) == (first[QINGYUAN].score, first[QINGYUAN].grade,
                                                           first[QINGYUAN].counts)
    assert selectors.evaluate_subtree(units[QINGYUAN], AS_OF) == first  # every task, computed again
    services.snapshots_refresh(root=units[QINGYUAN], as_of=AS_OF)  # a re-run replaces, never duplicates
    assert Snapshot.objects.filter(as_of=AS_OF).count() == 3


def test_it_recomputes_when_evidence_changes(units, catalog):
    before = services.snapshots_refresh(root=units[QINGYUAN], as_of=AS_OF)[QINGYUAN]
    assert before.results[0].tasks[0].status == Status.OVERDUE
    drill(units[QINGYUAN], date(2024, 10, 1))
    after = selectors.evaluate_unit(units[QINGYUAN], AS_OF)
    assert after.results[0].tasks[0].status == Status.COMPLIANT  # the stale snapshot is not used
    assert Snapshot.objects.get(unit=units[QINGYUAN], as_of=AS_OF).results == compact_results(before)
    services.snapshots_refresh(root=units[QINGYUAN], as_of=AS_OF)
    assert Snapshot.objects.get(unit=units[QINGYUAN], as_of=AS_OF).results == compact_results(after)


def test_it_does_not_count_returned_or_deleted_records(units, catalog):
    returned = drill(units[QINGYUAN], date(2024, 10, 1))
    returned.review_status = "returned"
    returned.save()
    assert selectors.evaluate_unit(units[QINGYUAN], AS_OF).results[0].tasks[0].status == Status.OVERDUE


def test_it_uses_the_version_in_force_on_the_as_of_date(units, catalog):
    make_version("staff.emergency", "staffing", {"categories": ["emergency_staff"], "min_count": 0},
                 levels=",township,", weight=20, effective_from=date(2025, 6, 1), version=2, topic="staffing")
    old = {r.requirement: r for r in selectors.evaluate_unit(units[QINGYUAN], date(2025, 5, 31)).results}
    new = {r.requirement: r for r in selectors.evaluate_unit(units[QINGYUAN], date(2025, 6, 1)).results}
    assert (old["staff.emergency"].version, old["staff.emergency"].status) == (1, Status.NON_COMPLIANT)
    assert (new["staff.emergency"].version, new["staff.emergency"].status) == (2, Status.COMPLIANT)


def test_it_rolls_scores_up_the_tree(units, catalog):
    drill(units[DONGJIE], date(2024, 6, 1))
    evaluations = selectors.evaluate_subtree(units[COUNTY], AS_OF)
    rolled = selectors.rollup(evaluations, list(units[COUNTY].__class__.objects.subtree(units[COUNTY])))
    assert rolled[DONGJIE].own_score == 100.0
    # 清源镇: own 0, villages 100 and 0 -> 33.3
    assert rolled[QINGYUAN].subtree_score == pytest.approx(33.3)
    assert rolled[COUNTY].own_score is None
    assert rolled[COUNTY].subtree_score == pytest.approx((33.3 + 0.0) / 2, abs=0.1)
    assert rolled[COUNTY].counts[Status.OVERDUE] >= 3


def test_it_lists_overdue_tasks_most_overdue_first_without_advisory_ones(units, catalog):
    rows = selectors.overdue_tasks(units[COUNTY], AS_OF)
    assert rows and all(r.requirement != "advice.publicity" for r in rows)
    assert [r.days_overdue for r in rows] == sorted((r.days_overdue for r in rows), reverse=True)
    drill_row = next(r for r in rows if r.unit == DONGJIE and r.requirement == "drill.annual")
    assert (drill_row.due, drill_row.days_overdue, drill_row.status) == (date(2024, 12, 31), 60, Status.OVERDUE)
    assert drill_row.source == "中办国办意见(十三)"


def test_it_keeps_a_score_history_from_snapshots(units, catalog):
    for day in (date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)):
        services.snapshots_refresh(root=units[QINGYUAN], as_of=day)
    history = selectors.score_history(units[QINGYUAN], limit=2)
    assert [d for d, _ in history] == [date(2025, 2, 1), date(2025, 3, 1)]
