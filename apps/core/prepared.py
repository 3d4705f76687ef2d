"""Server-side prepared statements for the nightly run's repeated queries (PostgreSQL).

The county task runs the same few statements for every county, only their values differ. Planning
them cost PostgreSQL more than running them (a warm county's evidence reads: ≈ 6 ms of planning
for ≈ 2 ms of execution, measured with ``EXPLAIN ANALYZE``). ``execute`` prepares a statement once
per database connection and then runs it with ``EXECUTE``; the settings set ``plan_cache_mode =
force_generic_plan`` on every connection, so it is planned once, without its values, from its
first run (PostgreSQL's own choice comes after five runs planned with their values, and a lane's
connection may run fewer). So only statements whose good plan does not depend on their values are
prepared here: index probes per unit id, a code range of one county. A statement whose plan does
(a date the statistics do not know yet, the team members' identity-key lookups) is sent as it is;
tests/performance/test_indexes.py checks the prepared ones under generic plans.

A prepared statement lives as long as its connection, also across a rolled-back transaction.
Behind a connection pooler in transaction mode (PgBouncer before 1.21) a session's statements are
not its own: set ``DATABASE_PREPARED_STATEMENTS=false`` and every statement is sent as it is.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

from django.conf import settings
from django.db import connection

_PLACEHOLDER = re.compile(r"%s|%%")


# The type a parameter is declared with, by the nearest of its value's classes (a choice is a str,
# a datetime not a date). A text is ``unknown``: PostgreSQL infers its type from where it is used.
_TYPES = {bool: "boolean", int: "bigint", float: "double precision", str: "unknown", datetime: "timestamptz",
          date: "date"}
_ARRAY_TYPES = {int: "bigint[]", str: "text[]"}


def _type_of(value) -> str | None:
    """The type ``value`` is declared with, or None when it cannot be told from the value. A list's
    is its first element's (the lists passed are of one type; an empty one says nothing)."""
    if type(value) is list:
        return _declared(value[0], _ARRAY_TYPES) if value else None
    return _declared(value, _TYPES)


def _declared(value, types: dict[type, str]) -> str | None:
    return next((types[cls] for cls in type(value).__mro__ if cls in types), None)


def _prepared_names() -> set[str]:
    """The statements prepared on the current database connection (a new connection: none)."""
    raw = connection.connection
    held = getattr(connection, "_prepared_statements", None)
    if held is None or held[0] is not raw:
        held = connection._prepared_statements = (raw, set())
    return held[1]


def execute(cursor, sql: str, params: list) -> None:
    """``cursor.execute(sql, params)`` (Django's ``%s`` placeholders), as a statement prepared once
    per connection on PostgreSQL. Sent as it is on other databases, when the setting is off, or
    when a parameter's type cannot be told from its value (None, an empty list).

    The ``PREPARE`` goes through the driver's own cursor (it is not a query of the caller's: query
    logs and counts see one statement, as without preparing); the ``EXECUTE`` carries the statement
    as a trailing comment, so a query log or a test reading it sees what ran."""
    types = [_type_of(p) for p in params]
    if connection.vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS or None in types:
        cursor.execute(sql, params)
        return
    name = "p_" + hashlib.sha1(f"{types}{sql}".encode(), usedforsecurity=False).hexdigest()[:20]
    names = _prepared_names()
    if name not in names:
        numbers = iter(range(1, len(params) + 1))
        body = _PLACEHOLDER.sub(lambda m: f"${next(numbers)}" if m.group() == "%s" else "%", sql)
        with connection.wrap_database_errors:
            cursor.cursor.execute(f"PREPARE {name} ({', '.join(types)}) AS {body}" if types
                                  else f"PREPARE {name} AS {body}")
        names.add(name)
    shown = "" if "*/" in sql else " /* " + sql.replace("%", "%%") + " */"
    cursor.execute((f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}") + shown,
                   params)
