"""Snapshot retention: every night for COMPLIANCE_SNAPSHOT_DAILY_DAYS, then one per month."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from apps.compliance import services
from apps.compliance.models import Snapshot
from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


def _snapshots(unit, days):
    Snapshot.objects.bulk_create([
        Snapshot(unit=unit, as_of=day, score=90.0, fingerprint="x", computed_at=timezone.now())
        for day in days
    ])


def _stored(unit):
    return set(Snapshot.objects.filter(unit=unit).values_list("as_of", flat=True))


def test_it_keeps_recent_nights_and_the_last_stored_day_of_each_older_month(units, settings):
    settings.COMPLIANCE_SNAPSHOT_DAILY_DAYS = 30
    village = units["140121100201"]
    recent = [TODAY - timedelta(days=n) for n in range(0, 30)]
    # Older: every night of September, and October up to the 24th (the 25th onward is recent).
    september = [date(2026, 9, d) for d in range(1, 31)]
    october = [date(2026, 10, d) for d in range(1, 24)]
    _snapshots(village, recent + september + october)

    deleted = services.snapshots_prune(today=TODAY)

    assert _stored(village) == set(recent) | {date(2026, 9, 30), date(2026, 10, 23)}
    assert deleted == len(september) - 1 + len(october) - 1
    assert AuditEvent.objects.filter(action="compliance.snapshots_pruned").count() == 1


def test_it_is_idempotent_and_keeps_everything_when_retention_is_off(units, settings):
    village = units["140121100201"]
    _snapshots(village, [date(2025, 1, d) for d in range(1, 11)])
    settings.COMPLIANCE_SNAPSHOT_DAILY_DAYS = 0
    assert services.snapshots_prune(today=TODAY) == 0 and len(_stored(village)) == 10
    settings.COMPLIANCE_SNAPSHOT_DAILY_DAYS = 400
    assert services.snapshots_prune(today=TODAY) == 9
    assert services.snapshots_prune(today=TODAY) == 0
    assert _stored(village) == {date(2025, 1, 10)}
