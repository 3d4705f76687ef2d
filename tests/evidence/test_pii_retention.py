"""Issue 17: numbers of people who left more than PII_RETENTION_YEARS ago are erased, names kept."""

from datetime import date

from django.core.management import call_command

from apps.evidence.models import TeamMember
from tests.core.test_pii_at_rest import _import_roster


def test_it_erases_numbers_of_people_who_left_before_the_retention_period(people):
    _import_roster(people["township"])
    TeamMember.objects.filter(name="队员1").update(left_on=date(2022, 11, 30))  # 4 years before as_of
    TeamMember.objects.filter(name="队员2").update(left_on=date(2024, 1, 1))  # 2 years: kept
    call_command("erase_expired_pii", as_of="2026-12-01")
    gone, kept = TeamMember.objects.get(name="队员1"), TeamMember.objects.get(name="队员2")
    assert (gone.id_number, gone.phone, gone.name, gone.joined_on) == ("", "", "队员1", date(2025, 1, 1))
    assert kept.id_number and kept.phone
    assert not any(h.id_number or h.phone for h in gone.history.all())
    call_command("erase_expired_pii", as_of="2026-12-01")  # twice: nothing more to do


def test_it_runs_as_a_celery_task(people):
    from apps.evidence.tasks import erase_expired_pii

    _import_roster(people["township"])
    TeamMember.objects.filter(name="队员3").update(left_on=date(2020, 1, 1))
    assert erase_expired_pii.apply(kwargs={"as_of": "2026-12-01"}).get() == 1
    assert TeamMember.objects.get(name="队员3").id_number == ""


def test_it_is_scheduled_daily_in_the_beat(db):
    """The data migration puts the retention task in the beat schedule (django-celery-beat's
    DatabaseScheduler): enabled, daily, China time, and the name a registered task."""
    from django_celery_beat.models import PeriodicTask

    import apps.evidence.tasks  # noqa: F401 - registers the task
    from config.celery import app

    entry = PeriodicTask.objects.get(task="evidence.erase_expired_pii")
    assert entry.enabled and entry.crontab is not None
    assert (entry.crontab.minute, entry.crontab.hour, entry.crontab.day_of_month) == ("40", "4", "*")
    assert str(entry.crontab.timezone) == "Asia/Shanghai"
    assert "evidence.erase_expired_pii" in app.tasks
