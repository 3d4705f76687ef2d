"""Faults: the broker is down when a user asks for a county scorecard or the nightly job is
queued; the database fails in the middle of an import. A clear message, no 500, nothing
half-saved."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.urls import reverse
from kombu import pools as kombu_pools

from apps.compliance import tasks as compliance_tasks
from apps.compliance.models import EvaluationRun
from apps.core.models import AuditEvent
from apps.evidence.importing import import_records
from apps.evidence.models import Person
from apps.jurisdictions.models import Unit
from apps.jurisdictions.services import import_jurisdictions
from apps.reports.models import JobState, Scorecard, ScorecardJob
from apps.reports.services import BROKER_DOWN
from config.celery import app
from tests.evidence.helpers import PERSON_ROW, csv_bytes

COUNTY = "140121000000"


def _drop_connections():
    for attr in ("_pool",):
        pool = getattr(app, attr, None)
        if pool is not None:
            pool.force_close_all()
            setattr(app, attr, None)
    app.amqp._producer_pool = None
    # kombu keeps process-wide connection and producer pools keyed by broker URL; a closed one
    # left behind makes every later send fail with "Acquire on closed pool".
    kombu_pools.reset()


@pytest.fixture
def broker_down():
    """Point Celery at a closed port (nothing listens on port 1) and stop running eagerly."""
    keys = ("task_always_eager", "broker_url", "broker_connection_timeout", "task_publish_retry",
            "broker_connection_retry_on_startup")
    saved = {k: app.conf[k] for k in keys}
    _drop_connections()
    app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0", broker_connection_timeout=1,
                    task_publish_retry=False)
    yield
    _drop_connections()
    app.conf.update(saved)


def test_it_marks_a_county_job_failed_with_a_clear_message_when_the_broker_is_down(
        units, people, client_for, broker_down, django_capture_on_commit_callbacks):
    client = client_for(people["county"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:generate"), {"unit": COUNTY, "as_of": "2026-06-30"})
    job = ScorecardJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.pk])
    assert (job.state, job.error) == (JobState.FAILED, BROKER_DOWN)
    page = client.get(response["Location"])
    assert page.status_code == 200 and BROKER_DOWN in page.content.decode()
    assert not Scorecard.objects.exists()


def test_it_queues_the_nightly_job_without_failing_the_caller_when_the_broker_is_down(
        units, broker_down, django_capture_on_commit_callbacks, caplog):
    with django_capture_on_commit_callbacks(execute=True):
        compliance_tasks.queue_nightly(trigger="manual")
    assert "could not queue the nightly evaluation" in caplog.text
    assert not EvaluationRun.objects.exists()  # nothing is written before a worker starts the run


def test_it_closes_the_nightly_run_as_failed_when_the_fan_out_cannot_be_sent(units, broker_down):
    with pytest.raises(Exception):  # noqa: B017 - whatever kombu raises for a refused connection
        compliance_tasks.nightly_evaluation("2026-06-30", "manual")
    run = EvaluationRun.objects.get()
    assert run.state == EvaluationRun.State.FAILED and run.finished_at is not None


def test_it_rolls_back_an_import_when_the_database_fails_midway(units, people, today, monkeypatch):
    def fail(**kwargs):
        raise DatabaseError("connection lost")  # after the bulk insert, inside the transaction

    monkeypatch.setattr("apps.evidence.importing.record_event", fail)
    rows = [PERSON_ROW, [PERSON_ROW[0], "李四", "", "", PERSON_ROW[4], PERSON_ROW[5]]]
    with pytest.raises(DatabaseError):
        import_records(kind="personnel", data=csv_bytes("personnel", rows), actor=people["township"])
    assert not Person.objects.exists()
    assert not Person.history.exists()
    assert not AuditEvent.objects.filter(action="evidence.import").exists()


def test_it_rolls_back_a_jurisdictions_import_when_the_database_fails_midway(units, monkeypatch):
    def fail(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr("apps.jurisdictions.services.record_event", fail)
    data = "code,name,level,parent_code\r\n140121109000,新镇,township,140121000000\r\n".encode()
    before = Unit.objects.count()
    with pytest.raises(DatabaseError):
        import_jurisdictions(data=data)
    assert Unit.objects.count() == before
