"""Daily pruning of audit entries past retention (scheduled by migration 0001, editable in the admin)."""

from celery import shared_task

from apps.accounts.selectors import security_settings
from apps.core import audit


@shared_task(name="audit.prune", time_limit=30 * 60, soft_time_limit=25 * 60)
def prune_audit_log() -> int:
    """Safe to run twice: the second run finds nothing older than the retention period."""
    return audit.prune(days=security_settings().audit_retention_days)
