"""Shared builders of the API tests: every kind of evidence in two townships, scorecards, the schema."""

from __future__ import annotations

from datetime import date

from drf_spectacular.generators import SchemaGenerator

from apps.evidence.importing import import_records
from apps.reports.models import Scorecard
from tests.evidence.helpers import DONGJIE, QINGYUAN, XUGOU, csv_bytes, make_id
from tests.evidence.test_importing import ROWS

TODAY = date(2026, 6, 30)
BEIGUAN = "140121101201"  # village under 徐沟镇
ORDER = ["personnel", *[k for k in ROWS if k != "personnel"]]  # trainings name people: import them first


def _moved(value, ids: dict[str, str]):
    text = str(value)
    return {QINGYUAN: XUGOU, DONGJIE: BEIGUAN}.get(text, ids.get(text, value))


def seed_evidence_in_both_townships() -> None:
    """The rows of every kind, once in 清源镇 and once (other people) in 徐沟镇."""
    ids = {make_id(n): make_id(n + 500) for n in range(1, 10)}
    for kind in ORDER:
        for rows in (ROWS[kind], [[_moved(v, ids) for v in row] for row in ROWS[kind]]):
            result = import_records(kind=kind, data=csv_bytes(kind, rows), actor=None, today=TODAY)
            assert result.ok, (kind, result.errors)


def seed_scorecards(units, codes) -> None:
    for n, code in enumerate(codes):
        Scorecard.objects.create(unit=units[code], as_of=TODAY, file=f"scorecards/{n}.pdf", sha256="0" * 64,
                                 payload={}, snapshot_fingerprint=f"{n}", verification_code=f"TESTCODE{n:04d}")


def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)
