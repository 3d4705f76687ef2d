"""The overdue list of a county whose stored report is current is filtered, ordered and paged in
SQL over CountyOverdueRow: the same rows in the same order as the list computed live and sorted
in Python, for every combination of the page's filters and sorts, with LIMIT/OFFSET pages whose
queries do not depend on the page or the county's size."""

from datetime import date

from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import selectors, services
from apps.compliance.models import CountyOverdueRow, CountyReport
from apps.portal import selectors as portal
from tests.performance.test_county_pages import AS_OF, _county, _night

SORTS = ("", "days", "due", "unit", "requirement", "unknown")
STATUSES = ("", "overdue", "non_compliant", "due_soon")


def _dicts(rows) -> list[dict]:
    return [r.to_dict() for r in rows]


def test_it_pages_the_stored_rows_in_sql_exactly_as_the_live_list(catalog, eager):
    county = _county(1, townships=2, villages=4)
    _night(county)
    township = county.children.order_by("code").first()
    village = township.children.order_by("code").first()
    listings = {s: portal.overdue_listing(root=county, as_of=AS_OF, status=s) for s in STATUSES}
    assert all(listing.stored is not None for listing in listings.values())
    requirements = sorted(code for code, _ in listings[""].requirements())
    combos = [(status, prefix, requirement, sort) for status in STATUSES
              for prefix in ("", township.code_prefix, village.code, "98")
              for requirement in ("", *requirements, "no.such") for sort in SORTS]
    stored = {c: _dicts(listings[c[0]].rows(unit_prefix=c[1], requirement=c[2], sort=c[3])) for c in combos}

    CountyReport.objects.all().delete()  # from here on the same lists are computed live
    live_listings = {s: portal.overdue_listing(root=county, as_of=AS_OF, status=s) for s in STATUSES}
    assert all(listing.stored is None for listing in live_listings.values())
    assert {s: listing.requirements() for s, listing in live_listings.items()} == {
        s: listing.requirements() for s, listing in listings.items()}
    for c in combos:
        live = _dicts(live_listings[c[0]].rows(unit_prefix=c[1], requirement=c[2], sort=c[3]))
        assert stored[c] == live, c
    assert len(stored["", "", "", "days"]) > 20
    assert {r["status"] for r in stored["", "", "", ""]} >= {"overdue", "non_compliant"}
    # Ties (the same unit, requirement and due date: one task per person) keep the report's order.
    keys = [(r["unit"], r["requirement"], r["due"]) for r in stored["", "", "", "unit"]]
    assert len(keys) > len(set(keys))


def test_it_fetches_one_page_with_limit_and_offset_in_the_same_queries(catalog, eager):
    county = _county(1, townships=2, villages=4)
    _night(county)
    everything = _dicts(portal.overdue_rows(root=county, as_of=AS_OF, sort="unit"))
    counts, pages = [], []
    for number in (1, 2, 3):
        rows = portal.overdue_rows(root=county, as_of=AS_OF, sort="unit")
        with CaptureQueriesContext(connection) as ctx:
            page = Paginator(rows, 7).get_page(number)
            pages.append(_dicts(page.object_list))
        counts.append(len(ctx))
        assert page.paginator.count == len(everything)
        row_queries = [q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"]]
        assert row_queries and all("compliance_countyoverduerow" in q for q in row_queries)
    assert counts == [2, 2, 2]  # COUNT, then one page of rows
    assert pages == [everything[0:7], everything[7:14], everything[14:21]]


def test_it_serves_the_api_export_and_webhook_rows_from_the_table(catalog, eager):
    county = _county(1, townships=1, villages=3)
    _night(county)
    tasks = selectors.county_report_tasks(county, AS_OF)
    assert CountyOverdueRow.objects.filter(county=county, as_of=AS_OF).count() == len(tasks) > 0
    assert selectors.overdue_report(county, AS_OF)["tasks"] == tasks
    CountyReport.objects.all().delete()
    assert selectors.overdue_report(county, AS_OF)["tasks"] == tasks  # computed live: the same


def test_it_replaces_a_countys_rows_in_two_statements(catalog, eager):
    county = _county(1, townships=1, villages=3)
    rows = selectors.overdue_rows(selectors.evaluate_subtree(county, AS_OF), AS_OF)
    for written in (rows, rows[:3], []):
        with CaptureQueriesContext(connection) as ctx:
            services.overdue_rows_store(county=county, as_of=AS_OF, rows=written)
        statements = [q["sql"] for q in ctx.captured_queries if "countyoverduerow" in q["sql"]]
        assert len(statements) == (2 if written and connection.vendor != "postgresql" else 1)  # COPY is not logged
        assert selectors.county_report_tasks(county, AS_OF) == [r.to_dict() for r in written]


def test_it_prunes_old_rows_and_unstamps_their_reports(catalog, eager):
    county = _county(1, townships=1, villages=2)
    _night(county)
    later = date.fromordinal(AS_OF.toordinal() + services.OVERDUE_ROWS_KEPT_DAYS)
    services.overdue_rows_prune(today=later)
    assert CountyOverdueRow.objects.filter(as_of=AS_OF).exists()
    services.overdue_rows_prune(today=date.fromordinal(later.toordinal() + 1))
    assert not CountyOverdueRow.objects.filter(as_of=AS_OF).exists()
    assert selectors.stored_county_report(county, AS_OF) is None
    assert selectors.overdue_tasks(county, AS_OF)  # computed live, not an empty list
