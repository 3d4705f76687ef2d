"""A 10,000-row roster imports with bulk writes: no query per row."""

import math

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from apps.evidence.importing import import_records
from apps.evidence.models import TeamMember
from tests.evidence.helpers import QINGYUAN, csv_bytes, make_id


def _roster(n: int, offset: int = 0) -> bytes:
    rows = [[QINGYUAN, f"第{(i % 5) + 1}救援队", "综合", f"队员{i}", make_id(i), "", "兼职", "2025-01-01", ""]
            for i in range(offset, offset + n)]
    return csv_bytes("roster", rows)


def _queries(data, user) -> dict[str, int]:
    user = User.objects.get(pk=user.pk)  # a fresh user: the jurisdiction look-up is counted each time
    with CaptureQueriesContext(connection) as ctx:
        result = import_records(kind="roster", data=data, actor=user)
    assert result.ok, result.errors[:3]
    counts = {"insert": 0, "other": 0}
    for q in ctx.captured_queries:
        counts["insert" if q["sql"].lstrip().upper().startswith("INSERT") else "other"] += 1
    return counts


def test_it_imports_10000_roster_rows_with_a_query_count_independent_of_rows(people, today):
    small = _queries(_roster(50), people["township"])
    large = _queries(_roster(10_000, offset=50), people["township"])
    assert TeamMember.objects.count() == 10_050
    # Reads, the team look-up, the audit event and transaction statements: identical for 50 and
    # 10,000 rows. Inserts are bulk batches (records and their history rows), never one per row:
    # at most the database's batch limit allows (SQLite caps parameters per statement at 999).
    assert large["other"] == small["other"]
    expected = sum(_batches(model, 10_000) for model in (TeamMember, TeamMember.history.model))
    assert large["insert"] == expected
    assert large["insert"] <= 10_000 / 20


def _batches(model, rows: int) -> int:
    """Insert statements bulk_create needs for ``rows`` objects (our batch_size is 2000)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.name != "id"]
    size = min(2000, connection.ops.bulk_batch_size(fields, [None] * rows) or rows)
    return math.ceil(rows / size)
