"""Periodic tasks of the evidence app: take dates, re-fetch, call one service, safe to run twice."""

from celery import shared_task

from apps.core.dates import parse_as_of
from apps.evidence.pii_retention import pii_erase_expired


@shared_task(name="evidence.erase_expired_pii", time_limit=1800, soft_time_limit=1700)
def erase_expired_pii(as_of: str | None = None) -> int:
    """Retention of personal data (issue 17): schedule it daily in the beat (admin → 周期任务)."""
    return pii_erase_expired(as_of=parse_as_of(as_of))
