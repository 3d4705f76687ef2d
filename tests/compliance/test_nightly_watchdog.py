"""The nightly run completes exactly once: one run per date, a second trigger joins it, the
watchdog re-queues counties that never reported and closes a run past its deadline as failed
(named in the admin and on the county official's page); reminders go through an outbox that a
failing mail backend cannot empty."""

from datetime import date, timedelta
from smtplib import SMTPException

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError
from django.utils import timezone

from apps.compliance import services, tasks
from apps.compliance.models import CountyReport, EvaluationRun, Reminder
from tests.compliance.helpers import DRILL_PARAMS, make_version

AS_OF = date(2025, 3, 1)
QINGXU, JINGHAI, HUAIROU = "140121000000", "120118000000", "110116000000"


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise SMTPException("mail server unavailable")


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)


def _report(units, code, run):
    return tasks.evaluate_county.apply(args=[run.pk, units[code].pk, AS_OF.isoformat()]).get()


def _age(run, minutes):
    """The run started ``minutes`` ago (its counties that reported since stay reported)."""
    EvaluationRun.objects.filter(pk=run.pk).update(started_at=timezone.now() - timedelta(minutes=minutes))
    CountyReport.objects.filter(run=run).update(updated_at=timezone.now())


def test_it_keeps_one_run_per_date_in_the_database(db):
    EvaluationRun.objects.create(as_of=AS_OF)
    with pytest.raises(IntegrityError):
        EvaluationRun.objects.create(as_of=AS_OF)


def test_it_joins_a_running_run_instead_of_starting_a_second_one(units, catalog, eager):
    run, fan_out = services.evaluation_run_open(as_of=AS_OF, trigger="beat")
    assert fan_out
    assert tasks.nightly_evaluation(AS_OF.isoformat(), "manual") == run.pk
    assert EvaluationRun.objects.count() == 1
    assert not CountyReport.objects.exists()  # joined: nothing fanned out a second time
    assert EvaluationRun.objects.get().state == EvaluationRun.State.RUNNING


def test_it_requeues_the_counties_that_never_reported_and_then_closes_the_run(units, catalog, eager):
    run = services.evaluation_run_start(as_of=AS_OF, trigger="beat")
    _report(units, QINGXU, run)
    _report(units, JINGHAI, run)  # 怀柔区's task was lost with its worker
    _age(run, 10)
    assert tasks.nightly_watchdog()["requeued"] == 0  # not silent long enough yet
    _age(run, 31)
    assert tasks.nightly_watchdog()["requeued"] == 1  # 怀柔区 re-queued (and run in-process here)
    assert CountyReport.objects.filter(run=run, county=units[HUAIROU]).exists()
    assert tasks.nightly_watchdog()["requeued"] == 0  # the next tick finds every county reported
    run.refresh_from_db()
    assert run.state == EvaluationRun.State.SUCCEEDED and run.counties_done == 3


def test_it_requeues_a_silent_county_once_per_interval(units, catalog):
    run = services.evaluation_run_start(as_of=AS_OF, trigger="beat")
    _age(run, 31)
    now = timezone.now()
    first = services.evaluation_runs_watch(now=now)
    assert set(first) == {run.pk} and len(first[run.pk]) == 3
    assert services.evaluation_runs_watch(now=now + timedelta(minutes=5)) == {}
    assert len(services.evaluation_runs_watch(now=now + timedelta(minutes=31))[run.pk]) == 3


def test_it_closes_a_run_whose_callback_was_lost(units, catalog, eager):
    run = services.evaluation_run_start(as_of=AS_OF, trigger="beat")
    for code in (QINGXU, JINGHAI, HUAIROU):
        _report(units, code, run)
    assert EvaluationRun.objects.get().state == EvaluationRun.State.RUNNING  # the chord never called back
    tasks.nightly_watchdog()
    assert EvaluationRun.objects.get().state == EvaluationRun.State.SUCCEEDED


def test_it_closes_a_run_past_its_deadline_as_failed_naming_the_missing_counties(
        units, people, catalog, eager, client_for, settings):
    run = services.evaluation_run_start(as_of=AS_OF, trigger="beat")
    _report(units, QINGXU, run)
    _report(units, JINGHAI, run)
    _age(run, settings.COMPLIANCE_RUN_DEADLINE_MINUTES + 1)
    tasks.nightly_watchdog()
    run.refresh_from_db()
    assert run.state == EvaluationRun.State.FAILED and run.finished_at is not None
    assert [(e["county"], e["name"]) for e in run.missing_counties] == [(HUAIROU, "怀柔区")]
    assert run.counties_done == 2

    admin_page = client_for(people["admin"]).get("/admin/compliance/evaluationrun/").content.decode()
    assert "怀柔区（110116000000）" in admin_page


def test_it_shows_the_failed_run_on_the_county_officials_overdue_page(units, people, catalog, eager,
                                                                     client_for, settings):
    run = services.evaluation_run_start(as_of=AS_OF, trigger="beat")
    _report(units, JINGHAI, run)
    _report(units, HUAIROU, run)  # 清徐县 never reported
    _age(run, settings.COMPLIANCE_RUN_DEADLINE_MINUTES + 1)
    tasks.nightly_watchdog()
    page = client_for(people["county"]).get(f"/compliance/units/{QINGXU}/overdue/?as_of=2025-03-01")
    text = page.content.decode()
    assert page.status_code == 200 and "夜间评估失败" in text and "清徐县（140121000000）" in text
    other = client_for(people["tianjin_county"]).get(f"/compliance/units/{JINGHAI}/overdue/?as_of=2025-03-01")
    assert "夜间评估失败" not in other.content.decode()  # 静海区 reported: nothing to warn about


def _township_mails():
    return [m for m in mail.outbox if "township@example.cn" in m.to]


def test_it_keeps_reminders_when_the_mail_backend_fails_and_sends_them_once_later(
        units, with_emails, catalog, eager, settings):
    settings.EMAIL_BACKEND = "tests.compliance.test_nightly_watchdog.FailingBackend"
    tasks.nightly_evaluation(AS_OF.isoformat(), "beat")
    pending = Reminder.objects.filter(user=with_emails["township"])
    assert pending.count() == 3 and not pending.filter(sent_at__isnull=False).exists()
    assert all(r.attempts == 1 and "mail server unavailable" in r.last_error for r in pending)
    assert CountyReport.objects.get(county=units[QINGXU]).emailed_at is None  # the report email too

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.nightly_watchdog()  # the outbox is retried every few minutes
    assert len(_township_mails()) == 1 and "清源镇" in _township_mails()[0].body
    assert pending.filter(sent_at__isnull=False).count() == 3
    tasks.nightly_watchdog()
    tasks.nightly_evaluation(AS_OF.isoformat(), "beat")  # the next run sends the county report
    assert len(_township_mails()) == 1
    assert [m for m in mail.outbox if "county@example.cn" in m.to]


def test_it_sends_a_reminder_claimed_by_a_dead_worker_after_the_claim_expires(units, with_emails, catalog,
                                                                              eager, settings):
    settings.EMAIL_BACKEND = "tests.compliance.test_nightly_watchdog.FailingBackend"
    tasks.nightly_evaluation(AS_OF.isoformat(), "beat")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Reminder.objects.update(claimed_at=timezone.now(), claim="dead-worker")
    assert services.reminders_deliver() == 0
    later = timezone.now() + timedelta(minutes=settings.COMPLIANCE_REMINDER_CLAIM_MINUTES + 1)
    assert services.reminders_deliver(now=later) == 2  # one email each to 清源镇 and 徐沟镇 staff
    assert not Reminder.objects.filter(sent_at__isnull=True).exists()
