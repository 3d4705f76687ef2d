"""A 10,000-row roster imports with bulk writes: no query per row."""

import math

from django.db import connection
from django.db.models import AutoField
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.evidence.importing import import_records
from apps.evidence.models import Team, TeamMember
from tests.evidence.helpers import QINGYUAN, csv_bytes, make_id

MEMBER_TABLES = (TeamMember._meta.db_table, TeamMember.history.model._meta.db_table)


def _roster(n: int, offset: int, teams: str) -> bytes:
    rows = [[QINGYUAN, f"{teams}第{(i % 5) + 1}救援队", "综合", f"队员{i}", make_id(i), "", "兼职", "2025-01-01", ""]
            for i in range(offset, offset + n)]
    return csv_bytes("roster", rows)


def _queries(data, user) -> dict[str, int]:
    """Statements of one import: member inserts (records and their history rows) and the rest."""
    user = User.objects.get(pk=user.pk)  # a fresh user: the jurisdiction look-up is counted each time
    with CaptureQueriesContext(connection) as ctx:
        result = import_records(kind="roster", data=data, actor=user)
    assert result.ok, result.errors[:3]
    counts = {"member_inserts": 0, "other": 0}
    for q in ctx.captured_queries:
        sql = q["sql"].lstrip().upper()
        is_member_insert = sql.startswith("INSERT") and any(f'"{t.upper()}"' in sql for t in MEMBER_TABLES)
        counts["member_inserts" if is_member_insert else "other"] += 1
    return counts


def test_it_imports_10000_roster_rows_with_a_query_count_independent_of_rows(people, today):
    # Both files create five new teams, so they differ only in the number of members.
    small = _queries(_roster(50, 0, "甲"), people["township"])
    large = _queries(_roster(10_000, 50, "乙"), people["township"])
    assert TeamMember.objects.count() == 10_050 and Team.objects.count() == 10
    # Reads (units, teams, stored fingerprints), team inserts, the audit event and transaction
    # statements: exactly as many for 10,000 rows as for 50.
    assert large["other"] == small["other"]
    # Member rows go in bulk batches as large as the database allows (SQLite caps a statement at
    # 999 parameters, ~40 rows; PostgreSQL takes our batch_size of 2000), never one per row.
    expected = sum(_batches(model, 10_000) for model in (TeamMember, TeamMember.history.model))
    assert large["member_inserts"] == expected
    assert large["member_inserts"] <= 10_000 / 20


def _batches(model, rows: int) -> int:
    """INSERT statements bulk_create needs for ``rows`` new objects with our batch_size of 2000."""
    # Django leaves auto-increment keys out of the INSERT (TeamMember.id, history_id), as here.
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
    size = min(2000, connection.ops.bulk_batch_size(fields, [None] * rows) or rows)
    return math.ceil(rows / size)
