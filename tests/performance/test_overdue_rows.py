"""The overdue list of a county whose stored report is current is filtered, ordered and paged in
SQL over CountyOverdueRow: the same rows in the same order as the list computed live and sorted
in Python, for every combination of the page's filters and sorts, with LIMIT/OFFSET pages whose
queries do not depend on the page or the county's size."""

import random
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import selectors, services
from apps.compliance.models import CountyOverdueRow, CountyReport
from apps.evidence.models import Meeting
from apps.portal import selectors as portal
from tests.performance.test_county_pages import AS_OF, _county, _night

SORTS = ("", "days", "due", "unit", "requirement", "unknown")
STATUSES = ("", "overdue", "non_compliant", "due_soon")
# Codes that sort differently byte-wise and under a language collation ("." "_" "-", case).
REQUIREMENTS = ("drill.annual", "drill_b", "drill-a", "Drill.z", "meeting.quarterly")


def _dicts(rows) -> list[dict]:
    return [r.to_dict() for r in rows]


def _failing_county(townships: int = 2, villages: int = 4):
    """A generated county whose villages miss last year's drill and townships their meetings."""
    county = _county(1, townships=townships, villages=villages, tasks=True)
    Meeting.objects.filter(unit__level="township", unit__county_code=county.code).delete()
    _night(county)
    return county


def _made_up_rows(county) -> list[selectors.OverdueRow]:
    """Rows with every hard case: ties on (unit, requirement, due) told apart by subject only,
    missing due dates, future due dates (due soon), every status; in the report's own order."""
    rng = random.Random(16)
    units = list(county.children.order_by("code")) + list(county.children.first().children.order_by("code"))
    rows = []
    for n in range(120):
        unit = rng.choice(units)
        due = None if n % 11 == 0 else AS_OF + timedelta(days=rng.choice((-400, -90, -90, -1, 0, 5, 20)))
        status = "due_soon" if due and due >= AS_OF else rng.choice(("overdue", "non_compliant"))
        rows.append(selectors.OverdueRow(
            unit=unit.code, unit_name=unit.name, requirement=rng.choice(REQUIREMENTS),
            requirement_title=f"要求{n % 5}", due=due, days_overdue=(AS_OF - due).days if due else 0,
            status=status, source="《条例》第1条", missing="缺\t记录\n一条", subject=f"人员{rng.randrange(4)}"))
    rows.sort(key=lambda r: (-r.days_overdue, r.unit, r.requirement, r.subject))  # as selectors.overdue_rows
    return rows


def _combos(county, requirements) -> list[tuple]:
    township = county.children.order_by("code").first()
    village = township.children.order_by("code").first()
    return [(status, prefix, requirement, sort) for status in STATUSES
            for prefix in ("", township.code_prefix, village.code, "98")
            for requirement in ("", *requirements, "no.such") for sort in SORTS]


def _compare_stored_with_live(county, combos, monkeypatch=None, made_up=None):
    listings = {s: portal.overdue_listing(root=county, as_of=AS_OF, status=s) for s in STATUSES}
    assert all(listing.stored is not None for listing in listings.values())
    stored = {c: _dicts(listings[c[0]].rows(unit_prefix=c[1], requirement=c[2], sort=c[3])) for c in combos}
    choices = {s: listing.requirements() for s, listing in listings.items()}

    CountyReport.objects.all().delete()  # from here on the same lists are computed live
    if made_up is not None:
        monkeypatch.setattr(selectors, "overdue_rows",
                            lambda evaluations, as_of, statuses: [r for r in made_up if r.status in statuses])
    live_listings = {s: portal.overdue_listing(root=county, as_of=AS_OF, status=s) for s in STATUSES}
    assert all(listing.stored is None for listing in live_listings.values())
    assert {s: listing.requirements() for s, listing in live_listings.items()} == choices
    for c in combos:
        assert stored[c] == _dicts(live_listings[c[0]].rows(unit_prefix=c[1], requirement=c[2], sort=c[3])), c
    return stored


def test_it_orders_and_filters_made_up_rows_in_sql_exactly_as_in_python(catalog, eager, monkeypatch):
    county = _failing_county(townships=3, villages=2)
    made_up = _made_up_rows(county)
    services.overdue_rows_store(county=county, as_of=AS_OF, rows=made_up)
    stored = _compare_stored_with_live(county, _combos(county, REQUIREMENTS), monkeypatch, made_up)
    everything = stored["", "", "", ""]
    assert everything == _dicts(made_up)  # the report's own order, tabs and line breaks intact
    keys = [(r["unit"], r["requirement"], r["due"]) for r in stored["", "", "", "unit"]]
    assert len(keys) > len(set(keys))  # ties exist and keep the report's order
    assert [r["requirement"] for r in stored["", "", "", "requirement"]][:1] == ["Drill.z"]  # byte order


def test_it_pages_the_stored_rows_of_a_night_exactly_as_the_live_list(catalog, eager):
    county = _failing_county()
    requirements = sorted(code for code, _ in portal.overdue_listing(root=county, as_of=AS_OF).requirements())
    stored = _compare_stored_with_live(county, _combos(county, requirements))
    assert len(stored["", "", "", "days"]) >= 8
    assert {r["status"] for r in stored["", "", "", ""]} >= {"overdue"}


def test_it_fetches_one_page_with_limit_and_offset_in_the_same_queries(catalog, eager):
    county = _failing_county()
    everything = _dicts(portal.overdue_rows(root=county, as_of=AS_OF, sort="unit"))
    assert len(everything) > 9
    counts, pages = [], []
    for number in (1, 2, 3):
        rows = portal.overdue_rows(root=county, as_of=AS_OF, sort="unit")
        with CaptureQueriesContext(connection) as ctx:
            page = Paginator(rows, 4).get_page(number)
            pages.append(_dicts(page.object_list))
        counts.append(len(ctx))
        assert page.paginator.count == len(everything)
        row_queries = [q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"]]
        assert row_queries and all("compliance_countyoverduerow" in q for q in row_queries)
    assert counts == [2, 2, 2]  # COUNT, then one page of rows
    assert pages == [everything[0:4], everything[4:8], everything[8:12]]


def test_it_serves_the_api_export_and_webhook_rows_from_the_table(catalog, eager):
    county = _failing_county(townships=1, villages=3)
    tasks = selectors.county_report_tasks(county, AS_OF)
    assert CountyOverdueRow.objects.filter(county=county, as_of=AS_OF).count() == len(tasks) > 0
    assert selectors.overdue_report(county, AS_OF)["tasks"] == tasks
    CountyReport.objects.all().delete()
    assert selectors.overdue_report(county, AS_OF)["tasks"] == tasks  # computed live: the same


@pytest.mark.parametrize("size", [0, 3, 40])
def test_it_replaces_a_countys_rows_in_constant_statements(catalog, eager, size):
    county = _county(1, townships=1, villages=3)
    rows = _made_up_rows(county)[:size]
    with CaptureQueriesContext(connection) as ctx:
        services.overdue_rows_store(county=county, as_of=AS_OF, rows=rows)
    statements = [q["sql"] for q in ctx.captured_queries if "countyoverduerow" in q["sql"]]
    # DELETE, then one INSERT (SQLite) or one COPY (PostgreSQL: not in Django's query log).
    assert len(statements) == (1 if connection.vendor == "postgresql" else 2)
    assert selectors.county_report_tasks(county, AS_OF) == _dicts(rows)


def test_it_prunes_old_rows_and_unstamps_their_reports(catalog, eager):
    county = _failing_county(townships=1, villages=2)
    later = date.fromordinal(AS_OF.toordinal() + services.OVERDUE_ROWS_KEPT_DAYS)
    services.overdue_rows_prune(today=later)
    assert CountyOverdueRow.objects.filter(as_of=AS_OF).exists()
    services.overdue_rows_prune(today=date.fromordinal(later.toordinal() + 1))
    assert not CountyOverdueRow.objects.filter(as_of=AS_OF).exists()
    assert selectors.stored_county_report(county, AS_OF) is None
    assert selectors.overdue_tasks(county, AS_OF)  # computed live, not an empty list


def test_the_tallies_grouped_by_the_database_sum_up_to_the_rows(catalog, eager):
    """The nightly summary and report counts read the stored rows grouped per row unit,
    requirement and status (selectors.stored_tallies): the same summary and counts as the rows
    themselves, with missing and future due dates and every status (a requirement's title is its
    version's, as in a real report)."""
    county = _failing_county()
    made_up = [replace(r, requirement_title=f"标题 {r.requirement}") for r in _made_up_rows(county)]
    services.overdue_rows_store(county=county, as_of=AS_OF, rows=made_up)
    tallies = selectors.stored_tallies(county.pk, AS_OF, selectors.summary_digits(county))
    units = selectors.subtree_units(county)

    assert len(tallies) < len(made_up)
    assert selectors.county_summary(county, units, {}, tallies) == selectors.county_summary(county, units, {}, made_up)
    for status in selectors.DEFAULT_OVERDUE_STATUSES:
        assert sum(t.tasks for t in tallies if t.status == status) == sum(r.status == status for r in made_up)
