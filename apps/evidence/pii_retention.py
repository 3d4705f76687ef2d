"""Retention of personal data (issue 17; 个人信息保护法 Art. 19, 47): the ID and mobile numbers of
people and team members who left more than settings.PII_RETENTION_YEARS ago are erased. Names and
dates stay, so historical counts and past scorecards are unchanged. History rows keep no number
either: the erasure rewrites them too. Safe to run twice (erased rows no longer match)."""

from datetime import date

from django.conf import settings
from django.db import transaction

from apps.core.audit import record_event
from apps.evidence.models import Person, TeamMember


def retention_cutoff(as_of: date) -> date:
    years = settings.PII_RETENTION_YEARS
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year - years, day=28)


def pii_erase_expired(*, as_of: date) -> int:
    """Erase the numbers of everyone who left before the cutoff; returns how many records."""
    cutoff = retention_cutoff(as_of)
    erased = 0
    with transaction.atomic():
        for model in (Person, TeamMember):
            expired = model.objects.filter(left_on__lt=cutoff).exclude(id_number="", phone="")
            ids = list(expired.values_list("pk", flat=True))
            if not ids:
                continue
            model.objects.filter(pk__in=ids).update(id_number="", phone="")
            model.history.model.objects.filter(id__in=ids).update(id_number="", phone="")
            erased += len(ids)
        record_event(actor=None, action="evidence.pii_retention", erased=erased, cutoff=cutoff.isoformat())
    return erased
