"""County pages read the summary the nightly county task stored: their cost does not grow with
the county, no snapshot is decoded, nothing is evaluated and no evidence table is read on a page
view (currency is the county row's stamp); evidence entered during the day shows at once (the
page computes live); a same-night re-run with unchanged data carries the report over, identical
to a recomputation."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import access
from apps.accounts.models import Role, User
from apps.compliance import conflict_selectors, rules, selectors, services, tasks
from apps.compliance.models import CountyReport, Snapshot
from apps.compliance.results import UnitEvaluation
from apps.devtools.synthetic import generate
from apps.evidence import selectors as evidence_selectors
from apps.evidence.models import EVIDENCE_MODELS, Drill
from apps.evidence.services import record_create, record_soft_delete
from apps.portal import selectors as portal

AS_OF = date(2026, 3, 1)


def _county(number: int, townships: int, villages: int, *, tasks: bool = False):
    """A generated county; ``tasks``: its villages miss last year's drill, so its report has
    overdue tasks (the generated evidence alone meets every requirement of the test catalog)."""
    county = generate(counties=1, townships_per_county=townships, villages_per_township=villages, years=2,
                      seed=number, as_of=AS_OF, first_county=number).counties[0]
    if tasks:
        Drill.objects.filter(unit__level="village", unit__county_code=county.code).delete()
    return county


def _night(county):
    run = services.evaluation_run_start(as_of=AS_OF, trigger="test")
    assert tasks.evaluate_county.apply(args=[run.pk, county.pk, AS_OF.isoformat()]).get()["ok"]
    return CountyReport.objects.get(county=county, as_of=AS_OF)


@pytest.fixture
def official(db):
    return User.objects.create_user(username="county-official", password="x", role=Role.COUNTY_OFFICIAL)


EVIDENCE_TABLES = tuple(m._meta.db_table for m in EVIDENCE_MODELS)


def _pages(client, county) -> dict[str, int]:
    counts = {}
    for page in (f"/dashboard/{county.code}/", f"/overdue/{county.code}/", f"/api/v1/units/{county.code}/overdue/"):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{page}?as_of={AS_OF.isoformat()}")
        assert response.status_code == 200, page
        read = [t for q in ctx.captured_queries for t in EVIDENCE_TABLES if t in q["sql"]]
        assert not read, f"{page} read evidence: {read}"
        counts[page.split("/")[1] if "api" not in page else "api"] = len(ctx)
    return counts


def _township_staff(county):
    township = county.children.order_by("code").first()
    user = User.objects.create_user(username=f"staff-{township.code}", password="x", role=Role.TOWNSHIP_STAFF)
    access.grant(user, township)
    return user, township


def test_it_serves_county_pages_in_the_same_queries_for_2_or_24_villages_without_decoding(
        catalog, eager, official, client, monkeypatch):
    small, big = _county(1, townships=1, villages=2, tasks=True), _county(2, townships=3, villages=8, tasks=True)
    for county in (small, big):
        _night(county)
        access.grant(official, county)
    client.force_login(official, backend="django.contrib.auth.backends.ModelBackend")

    def forbidden(*args, **kwargs):
        raise AssertionError("a county page decoded or evaluated a unit")

    monkeypatch.setattr(UnitEvaluation, "from_dict", forbidden)
    monkeypatch.setattr(rules, "evaluate_unit", forbidden)

    def every_unit(*args, **kwargs):
        raise AssertionError("a county page read every unit of the county (the summary has the rows' figures)")

    monkeypatch.setattr(portal, "subtree_units", every_unit)
    monkeypatch.setattr(selectors, "subtree_units", every_unit)  # the trend reads the reports' scores
    # The dashboard's review-queue and 「重复在册」 figures read evidence by design (a constant
    # number of queries each, tested with their features); everything else must not.
    monkeypatch.setattr(evidence_selectors, "review_queue_badge", lambda user: "0")
    monkeypatch.setattr(conflict_selectors, "conflict_count", lambda root, on: 0)
    assert _pages(client, small) == _pages(client, big)


def test_it_shows_evidence_entered_during_the_day_on_the_county_pages(catalog, eager, official, client):
    county = _county(1, townships=1, villages=2)
    staff, township = _township_staff(county)
    village = township.children.order_by("code").first()
    Drill.objects.filter(unit=village).delete()  # before the night: the village owes its 2025 drill
    _night(county)
    assert selectors.stored_county_report(county, AS_OF) is not None
    owed = (village.code, "drill.annual", date(2025, 12, 31))
    assert owed in {(r.unit, r.requirement, r.due) for r in portal.overdue_rows(root=county, as_of=AS_OF)}

    record_create(kind="drills", unit=village, actor=staff,  # entered the next morning
                  values={"held_on": date(2025, 11, 20), "drill_type": "comprehensive", "subject": "补录的演练",
                          "participants": 20, "evaluation": "良好"})
    county.refresh_from_db()
    assert selectors.stored_county_report(county, AS_OF) is None  # the county's stamp moved: computed live
    assert owed not in {(r.unit, r.requirement, r.due) for r in portal.overdue_rows(root=county, as_of=AS_OF)}
    access.grant(official, county)
    client.force_login(official, backend="django.contrib.auth.backends.ModelBackend")
    api = client.get(f"/api/v1/units/{county.code}/overdue/?as_of={AS_OF.isoformat()}").json()["tasks"]
    assert owed[:2] not in {(t["unit"], t["requirement"]) for t in api if t["due"] == "2025-12-31"}
    page = client.get(f"/dashboard/{county.code}/?as_of={AS_OF.isoformat()}")
    assert page.status_code == 200


def test_it_shows_the_same_dashboard_from_the_summary_as_computed_live(catalog, eager):
    county = _county(1, townships=2, villages=4)
    Drill.objects.filter(unit__parent__parent=county).order_by("pk")[:1].get().delete()  # a village turns red
    _night(county)

    def shown(data):
        return ([(r.unit.code, r.overdue, r.village_count, r.own_grade, r.rollup.subtree_score,
                  [(c.topic, c.status, c.own_status, c.text, c.title) for c in r.cells]) for r in data.rows],
                data.root_rollup.subtree_score, data.root_rollup.counts,
                [(c.requirement, c.count, c.max_days) for c in data.overdue_by_requirement], data.topics)

    stored = shown(portal.county_dashboard(root=county, as_of=AS_OF))
    CountyReport.objects.all().delete()
    live = shown(portal.county_dashboard(root=county, as_of=AS_OF))
    assert stored == live
    assert portal.overdue_rows(root=county, as_of=AS_OF)  # the live path still answers


def test_it_carries_a_same_night_rerun_over_and_it_equals_a_recomputation(catalog, eager):
    county = _county(1, townships=2, villages=3, tasks=True)
    first = _night(county)
    first_tasks = selectors.county_report_tasks(county, AS_OF)
    with CaptureQueriesContext(connection) as ctx:
        carried = _night(county)
    carried_tasks = selectors.county_report_tasks(county, AS_OF)
    assert not any('INSERT INTO "compliance_snapshot"' in q["sql"] for q in ctx.captured_queries)
    assert not any('DELETE FROM "compliance_countyoverduerow"' in q["sql"] for q in ctx.captured_queries)
    assert not any(t in q["sql"] for q in ctx.captured_queries for t in EVIDENCE_TABLES)

    Snapshot.objects.all().delete()
    CountyReport.objects.all().delete()
    recomputed = _night(county)
    assert first_tasks == carried_tasks == selectors.county_report_tasks(county, AS_OF) != []
    for report in (first, carried):
        assert report.summary == recomputed.summary
        assert (report.overdue, report.non_compliant, report.due_soon, report.units_evaluated) == (
            recomputed.overdue, recomputed.non_compliant, recomputed.due_soon, recomputed.units_evaluated)


def test_it_recomputes_a_rerun_after_new_evidence(catalog, eager):
    county = _county(1, townships=1, villages=2)
    before = _night(county)
    tasks_before = selectors.county_report_tasks(county, AS_OF)
    staff, township = _township_staff(county)
    village = township.children.order_by("code").first()
    for drill in Drill.objects.filter(unit=village):
        record_soft_delete(record=drill, actor=staff, reason="录错", based_on=drill.revision)
    after = _night(county)
    assert after.fingerprint != before.fingerprint
    assert selectors.county_report_tasks(county, AS_OF) != tasks_before
    assert after.fingerprint.endswith(f":{county.__class__.objects.get(pk=county.pk).data_version}")


@pytest.mark.parametrize("damage", ["a snapshot missing", "a summary of another shape"])
def test_it_recomputes_a_rerun_whose_stored_night_is_incomplete_or_of_another_shape(catalog, eager, damage):
    county = _county(1, townships=1, villages=2)
    first = _night(county)
    village = county.children.first().children.order_by("code").first()
    if damage == "a snapshot missing":
        Snapshot.objects.filter(unit=village, as_of=AS_OF).delete()
    else:
        CountyReport.objects.filter(pk=first.pk).update(summary={**first.summary, "version": 1})
    with CaptureQueriesContext(connection) as ctx:
        again = _night(county)
    assert any('INSERT INTO "compliance_countyreport"' in q["sql"] for q in ctx.captured_queries)
    assert any(t in q["sql"] for q in ctx.captured_queries for t in EVIDENCE_TABLES)  # evaluated again
    assert Snapshot.objects.filter(unit=village, as_of=AS_OF).exists()
    assert CountyReport.objects.get(pk=again.pk).summary == first.summary

