"""Prepared statements for the night's repeated queries (apps/core/prepared.py)."""

from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.core import prepared
from apps.jurisdictions.models import Unit

SQL = ('SELECT code FROM jurisdictions_unit WHERE id IN (SELECT unnest(%s::bigint[])) AND code >= %s '
       'AND tracking_start <= %s ORDER BY code')
pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="prepared statements are PostgreSQL's (elsewhere: cursor.execute)")


@pytest.fixture
def units(db):
    return [Unit.objects.create(code=f"99010110{n}000", name=f"乡{n}", level="township",
                                tracking_start=date(2024, 1, 1)) for n in range(3)]


def _run(sql, params):
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return cursor.fetchall()


def _prepared_on_server() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_it_returns_what_the_plain_statement_returns(units):
    ids = [u.pk for u in units]
    params = [ids[:2], "990101100000", date(2025, 1, 1)]
    with connection.cursor() as cursor:
        cursor.execute(SQL, params)
        plain = cursor.fetchall()
    assert _run(SQL, params) == _run(SQL, params) == plain == [(units[0].code,), (units[1].code,)]


def test_it_prepares_once_per_connection_and_each_run_is_one_statement_that_names_what_ran(units):
    params = [[units[0].pk], "9", date(2025, 1, 1)]
    with CaptureQueriesContext(connection) as first:
        _run(SQL, params)
    with CaptureQueriesContext(connection) as second:
        assert _run(SQL, [[units[1].pk], "9", date(2025, 1, 1)]) == [(units[1].code,)]
    assert len(first.captured_queries) == len(second.captured_queries) == 1
    assert second.captured_queries[0]["sql"].startswith("EXECUTE p_")
    assert "jurisdictions_unit" in second.captured_queries[0]["sql"]  # the statement, as a comment
    assert sum("jurisdictions_unit WHERE id IN (SELECT unnest($1::bigint[]))" in s for s in _prepared_on_server()) == 1


def test_a_rolled_back_transaction_keeps_the_statement_and_a_new_connection_prepares_again(transactional_db, units):
    params = [[units[0].pk], "9", date(2025, 1, 1)]
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        _run(SQL, params)
        raise ZeroDivisionError
    assert _run(SQL, params) == [(units[0].code,)]
    connection.close()
    assert _run(SQL, params) == [(units[0].code,)]
    assert sum("unnest($1::bigint[])" in s for s in _prepared_on_server()) == 1  # prepared on the new one


@pytest.mark.parametrize("params", [[[], "9", date(2025, 1, 1)], [None, "9", date(2025, 1, 1)]],
                         ids=["an empty list", "a null"])
def test_a_parameter_of_unknown_type_runs_the_plain_statement(units, params):
    sql = SQL.replace("id IN (SELECT unnest(%s::bigint[]))", "(%s::bigint[] IS NULL OR id = ANY(%s::bigint[]))")
    values = [params[0], params[0], *params[1:]]
    before = _prepared_on_server()
    with CaptureQueriesContext(connection) as ctx:
        _run(sql, values)
    assert ctx.captured_queries[0]["sql"].startswith("SELECT code")
    assert _prepared_on_server() == before


def test_the_setting_off_sends_every_statement_as_it_is(units, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    before = _prepared_on_server()
    with CaptureQueriesContext(connection) as ctx:
        assert _run(SQL, [[units[2].pk], "9", date(2025, 1, 1)]) == [(units[2].code,)]
    assert ctx.captured_queries[0]["sql"].startswith("SELECT code")
    assert _prepared_on_server() == before
