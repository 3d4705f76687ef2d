"""The nightly job: one report per county per date however often it runs, reminders once."""

import json
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail
from django.db import connection

from apps.compliance import services, tasks
from apps.compliance.models import CountyReport, CountySettings, EvaluationRun, Reminder, Snapshot
from tests.compliance.helpers import DRILL_PARAMS, fail_county_build, make_version
from tests.worker import celery_worker, worker_unavailable_reason

AS_OF = "2025-03-01"
COUNTIES = 3  # 清徐县, 静海区, 怀柔区


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)


def test_it_leaves_one_report_per_county_when_run_twice_for_the_same_date(units, with_emails, catalog, eager):
    tasks.nightly_evaluation.delay(AS_OF, "test")
    first_emails = len(mail.outbox)
    tasks.nightly_evaluation.delay(AS_OF, "test")
    assert CountyReport.objects.filter(as_of=date(2025, 3, 1)).count() == COUNTIES
    assert Snapshot.objects.filter(as_of=date(2025, 3, 1)).count() == 12  # every unit of every county subtree
    run = EvaluationRun.objects.get()  # one run per date: the second trigger re-opened it
    assert run.state == EvaluationRun.State.SUCCEEDED and run.attempts == 2
    assert run.counties_done == COUNTIES and run.overdue_tasks > 0 and run.finished_at
    assert first_emails > 0 and len(mail.outbox) == first_emails  # the re-run sends nothing again


def test_it_emails_the_county_report_link_and_township_tasks(units, with_emails, catalog, eager):
    tasks.nightly_evaluation.delay(AS_OF, "test")
    county_mail = next(m for m in mail.outbox if "county@example.cn" in m.to)
    assert "/compliance/units/140121000000/overdue/?as_of=2025-03-01" in county_mail.body
    township_mail = next(m for m in mail.outbox if "township@example.cn" in m.to)
    assert "清源镇" in township_mail.body and "徐沟镇" not in township_mail.body
    assert Reminder.objects.filter(user=with_emails["township"]).count() == 3  # the town and its 2 villages


def _township_mails():
    return [m for m in mail.outbox if "township@example.cn" in m.to]


def test_it_reminds_due_soon_tasks_on_the_next_night_that_runs_after_a_missed_one(units, with_emails, catalog,
                                                                                   eager):
    township = with_emails["township"]
    tasks.nightly_evaluation.delay("2025-11-30", "test")  # the 2025 drill is 31 days away: pending
    assert not Reminder.objects.filter(user=township, stage="due_soon").exists()
    # 2025-12-01, the first due-soon night, was missed (the worker was down); 12-02 still sends it.
    before = len(_township_mails())
    tasks.nightly_evaluation.delay("2025-12-02", "test")
    assert Reminder.objects.filter(user=township, stage="due_soon").count() == 3  # the town, its 2 villages
    assert len(_township_mails()) == before + 1 and "即将到期" in _township_mails()[-1].body
    # Later nights, or a re-run of the same night, send nothing again.
    tasks.nightly_evaluation.delay("2025-12-02", "test")
    tasks.nightly_evaluation.delay("2025-12-03", "test")
    assert len(_township_mails()) == before + 1
    # After the deadline the same task reaches a new stage, reminded once.
    tasks.nightly_evaluation.delay("2026-01-02", "test")
    assert Reminder.objects.filter(user=township, stage="overdue", due=date(2025, 12, 31)).count() == 3
    assert len(_township_mails()) == before + 2


def test_it_posts_the_report_to_the_county_webhook_once(units, people, catalog, eager):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        CountySettings.objects.create(county=units["140121000000"], webhook_enabled=True,
                                      webhook_url=f"http://127.0.0.1:{server.server_port}/hook")
        tasks.nightly_evaluation.delay(AS_OF, "test")
        tasks.nightly_evaluation.delay(AS_OF, "test")
    finally:
        server.shutdown()
        thread.join()
    assert len(received) == 1  # only the county that asked for it, once per date
    payload = received[0]
    assert (payload["county"], payload["as_of"], payload["overdue"]) == ("140121000000", AS_OF, 5)
    assert payload["url"].endswith("/compliance/units/140121000000/overdue/?as_of=2025-03-01")
    assert CountyReport.objects.get(county=units["140121000000"]).webhook_sent_at is not None


def test_it_records_a_failing_webhook_without_failing_the_run(units, people, catalog, eager):
    CountySettings.objects.create(county=units["140121000000"], webhook_url="http://127.0.0.1:9/hook",
                                  webhook_enabled=True)
    tasks.nightly_evaluation.delay(AS_OF, "test")
    report = CountyReport.objects.get(county=units["140121000000"])
    assert report.webhook_error and report.webhook_sent_at is None
    assert EvaluationRun.objects.get().state == EvaluationRun.State.SUCCEEDED


def test_it_records_a_failing_county_and_finishes_the_others(units, people, catalog, eager, monkeypatch):
    fail_county_build(monkeypatch, "120118000000")
    tasks.nightly_evaluation.delay(AS_OF, "test")
    run = EvaluationRun.objects.get()
    assert run.state == EvaluationRun.State.PARTIAL and run.counties_done == 2
    assert "boom" in run.errors[0]["error"]


def test_it_creates_the_beat_schedule_once(db):
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task=tasks.NIGHTLY_TASK).count() == 1  # data migration
    assert tasks.ensure_beat_schedule() is False
    assert PeriodicTask.objects.filter(task=tasks.NIGHTLY_TASK).count() == 1


@pytest.mark.worker
@pytest.mark.skipif(worker_unavailable_reason() is not None, reason=str(worker_unavailable_reason()))
@pytest.mark.django_db(transaction=True)
def test_it_runs_the_nightly_job_twice_on_a_real_worker(units, people, catalog):
    from config.celery import app

    app.control.purge()  # messages left on the broker by an interrupted earlier run are not ours
    run_ids = []
    with celery_worker():
        for _ in range(2):
            run_ids.append(tasks.nightly_evaluation.delay(AS_OF, "test").get(timeout=120))
            _wait_finished(run_ids[-1])
    reports = CountyReport.objects.filter(as_of=date(2025, 3, 1))
    assert reports.count() == COUNTIES  # one per county, not two
    assert set(reports.values_list("run_id", flat=True)) == {run_ids[-1]}  # replaced by the re-run
    assert Snapshot.objects.filter(as_of=date(2025, 3, 1)).count() == 12
    run = EvaluationRun.objects.get()
    assert run_ids == [run.pk, run.pk] and run.attempts == 2
    assert run.state == EvaluationRun.State.SUCCEEDED and run.counties_done == COUNTIES


def _wait_finished(run_id: int) -> None:
    """The chord callback closes the run; poll the database (bounded) until it has."""
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if EvaluationRun.objects.filter(pk=run_id, finished_at__isnull=False).exists():
            return
        time.sleep(0.2)
    raise AssertionError("nightly run did not finish")


def test_a_county_report_is_written_in_one_statement_and_keeps_what_it_is_not_given(units):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.jurisdictions.models import Unit

    county, day = Unit.objects.get(code="140121000000"), date(2025, 3, 1)
    with CaptureQueriesContext(connection) as first:
        report = services.county_report_put(county=county, as_of=day, ok=True, overdue=3, summary={"version": 2},
                                            fingerprint="k:1")
    CountyReport.objects.filter(pk=report.pk).update(emailed_at="2025-03-01T03:00:00Z", emails_sent=2)
    with CaptureQueriesContext(connection) as again:
        failed = services.county_report_fail(county=county, as_of=day, run=None, error="数据库不可用")
    stored = CountyReport.objects.get()
    assert len(first) == len(again) == 1 and failed.pk == report.pk == stored.pk
    assert "summary" in report.get_deferred_fields()  # written, not sent back and decoded again
    assert (stored.ok, stored.error, stored.overdue, stored.summary, stored.fingerprint) == (
        False, "数据库不可用", 3, {"version": 2}, "k:1")
    assert stored.emailed_at is not None and stored.emails_sent == 2 and failed.emailed_at == stored.emailed_at
    assert stored.updated_at > report.updated_at


def test_the_night_reads_the_catalog_key_once_for_all_its_counties(units, catalog, eager, monkeypatch):
    from apps.compliance import selectors

    calls = []
    real = selectors.catalog_key
    monkeypatch.setattr(selectors, "catalog_key", lambda: calls.append(1) or real())
    tasks.nightly_evaluation.delay(AS_OF, "test")
    assert EvaluationRun.objects.get().counties_done == COUNTIES == 3
    assert len(calls) == 1
    stamps = set(CountyReport.objects.values_list("fingerprint", flat=True))
    assert stamps == {f"{real()}:{v}" for v in
                      CountyReport.objects.values_list("county__data_version", flat=True)}


def test_the_night_reads_who_and_where_to_notify_once_for_a_task_of_several_counties(units, people, catalog,
                                                                                     eager):
    from django.test.utils import CaptureQueriesContext

    CountySettings.objects.create(county=units["140121000000"], webhook_enabled=True, webhook_url="http://127.0.0.1:9/")
    with CaptureQueriesContext(connection) as ctx:
        tasks.nightly_evaluation.delay(AS_OF, "test")
    assert EvaluationRun.objects.get().counties_done == COUNTIES
    grants = [q for q in ctx.captured_queries if '"accounts_unituserobjectpermission"' in q["sql"]]
    webhooks = [q for q in ctx.captured_queries if '"compliance_countysettings"' in q["sql"]]
    assert len(grants) == len(webhooks) == 1  # the three counties are one task (COMPLIANCE_NIGHT_COUNTIES_PER_TASK)
    assert CountyReport.objects.get(county=units["140121000000"]).webhook_error  # its settings were used


def test_closing_a_run_does_not_read_the_county_summaries(units, catalog, eager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tasks.nightly_evaluation.delay(AS_OF, "test")
    run = EvaluationRun.objects.get()
    EvaluationRun.objects.filter(pk=run.pk).update(state=EvaluationRun.State.RUNNING)
    with CaptureQueriesContext(connection) as ctx:
        assert services.evaluation_run_finish(run=run)
    assert run.state == EvaluationRun.State.SUCCEEDED and run.counties_done == COUNTIES
    assert not any('"summary"' in q["sql"] for q in ctx.captured_queries)


def test_a_rerun_that_carries_every_county_over_does_not_sample_the_statistics_again(units, catalog, eager,
                                                                                   monkeypatch):
    from apps.evidence.models import Drill
    from apps.jurisdictions.models import Unit

    refreshed = []
    monkeypatch.setattr(services, "night_statistics_refresh", lambda: refreshed.append(1))
    tasks.nightly_evaluation.delay(AS_OF, "test")
    tasks.nightly_evaluation.delay(AS_OF, "test")  # same night, nothing changed: every county carried over
    assert refreshed == [1]
    Drill.objects.create(unit=Unit.objects.get(code="140121100000"), held_on=date(2025, 2, 1),
                         drill_type="comprehensive", subject="演练", fingerprint="rerun-drill")
    Unit.objects.filter(code__in=["140121100000", "140121000000"]).update(data_version=999)
    tasks.nightly_evaluation.delay(AS_OF, "test")  # one county computed again
    assert refreshed == [1, 1]
    assert EvaluationRun.objects.get().state == EvaluationRun.State.SUCCEEDED
