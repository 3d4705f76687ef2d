"""Migration compliance.0006 turns every stored snapshot's payload into its compact rows: the same
statuses, dates and figures, in the same order, so the snapshots stay valid (their fingerprints
are kept) and no past evaluation changes."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("compliance", "0005_chinese_field_names")]
AFTER = [("compliance", "0006_compact_snapshots")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _result(code, status, due, actual, target, deducted):
    return {"requirement": code, "version": 2, "title": "标题", "kind": "periodic_event", "topic": "drill",
            "status": status, "due": due, "actual": actual, "target": target, "advisory": False, "weight": 50.0,
            "deducted": deducted, "sources": [], "tasks": [{"requirement": code, "status": status}], "missing": ""}


@pytest.mark.django_db(transaction=True)
def test_it_converts_stored_payloads_to_compact_rows(units):
    old = _migrate(BEFORE)
    try:
        Snapshot = old.get_model("compliance", "Snapshot")
        payload = {"unit": "140121100000", "results": [_result("b.drill", "overdue", "2024-12-31", 0, 1, 50.0),
                                                       _result("a.plan", "compliant", None, 1.5, 1, 0.0)]}
        common = {"unit_id": units["140121100000"].pk, "score": 50.0, "grade": "不合格", "counts": {"overdue": 1},
                  "fingerprint": "f" * 64, "computed_at": timezone.now()}
        Snapshot.objects.create(as_of=date(2025, 3, 1), payload=payload, **common)
        Snapshot.objects.create(as_of=date(2025, 3, 2), payload={}, **common)
        new = _migrate(AFTER)
        Snapshot = new.get_model("compliance", "Snapshot")
        rows = dict(Snapshot.objects.values_list("as_of", "results"))
        assert rows[date(2025, 3, 1)] == [["b.drill", 2, "overdue", "2024-12-31", 0, 1, 50.0],
                                          ["a.plan", 2, "compliant", None, 1.5, 1, 0.0]]
        assert rows[date(2025, 3, 2)] == []
        assert set(Snapshot.objects.values_list("fingerprint", flat=True)) == {"f" * 64}
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
