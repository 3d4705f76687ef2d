"""County scorecards run as Celery jobs: visible progress, a download that verifies.

The in-process test runs on the real compliance engine (a one-requirement catalog) with Celery
eager, and looks at the progress page *while* the job runs. The worker test sends the same job
to a real worker over Redis (CI's PostgreSQL run) and polls the page as a browser would.
"""

import hashlib
import io
import re
import time
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfWriter

from apps.core.models import AuditEvent
from apps.reports import render
from apps.reports.models import JobState, Scorecard, ScorecardJob
from tests.compliance.helpers import DRILL_PARAMS, make_version
from tests.reports.conftest import pdf_text
from tests.worker import celery_worker, worker_unavailable_reason

COUNTY = "140121000000"
AS_OF = "2026-06-30"
TITLE = "每年至少组织开展1次综合应急演练"


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20, title=TITLE)


def _status(client, job_id: int) -> dict:
    body = client.get(reverse("reports:job_status", args=[job_id])).content.decode()
    tag = re.search(r'<div id="job-status"[^>]*>', body).group(0)
    link = re.search(r'href="([^"]+/pdf/)"', body)
    return {
        "state": re.search(r'data-state="(\w+)"', tag).group(1),
        "done": int(re.search(r'data-done="(\d+)"', tag).group(1)),
        "total": int(re.search(r'data-total="(\d+)"', tag).group(1)),
        "polling": "hx-get" in tag,
        "pdf": link.group(1) if link else None,
        "body": body,
    }


def _resaved_with_a_new_title(data: bytes) -> bytes:
    """A copy someone opened and saved again: still a valid PDF, no longer the filed one."""
    reader, _ = pdf_text(data)
    writer = PdfWriter(clone_from=reader)
    writer.add_metadata({"/Title": "修改过的评分卡"})
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue() != data
    return out.getvalue()


def _download_and_verify(client, status: dict) -> Scorecard:
    """The finished job links a PDF whose SHA-256 is the stored one; the public verification page
    says it matches, and that a copy changed by one byte does not."""
    response = client.get(status["pdf"])
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    data = b"".join(response.streaming_content)
    card = Scorecard.objects.get(unit__code=COUNTY)
    assert hashlib.sha256(data).hexdigest() == card.sha256 and len(data) == card.size
    _, text = pdf_text(data)
    assert "清徐县" in text and "清源镇" in text and "徐沟镇" in text and TITLE in text

    client.logout()  # verification is public
    url = reverse("reports:verify", args=[card.verification_code])
    ok = client.post(url, {"file": SimpleUploadedFile("county.pdf", data, "application/pdf")}).content.decode()
    assert 'data-result="match"' in ok and "文件一致" in ok and card.sha256 in ok
    modified = _resaved_with_a_new_title(data)
    bad = client.post(url, {"file": SimpleUploadedFile("county.pdf", modified, "application/pdf")}).content.decode()
    assert 'data-result="mismatch"' in bad and "文件不一致" in bad
    return card


def test_it_runs_a_county_job_with_visible_progress(client_for, people, units, catalog, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    from config.celery import app

    # In-process on purpose, even when CI's second run has a broker: only here can the test look
    # at the page in the middle of the job. The real-worker test is below.
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    client = client_for(people["auditor"])
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("reports:generate"), {"unit": COUNTY, "as_of": AS_OF})
    job = ScorecardJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:job", args=[job.pk])
    queued = _status(client, job.pk)
    assert (queued["state"], queued["polling"], queued["pdf"]) == (JobState.QUEUED, True, None)
    assert "排队中" in client.get(reverse("reports:job", args=[job.pk])).content.decode()

    seen = []
    real_render = render.render_pdf

    def render_and_look(payload, meta):
        seen.append(_status(client, job.pk))  # what the polling page shows while the PDF is drawn
        return real_render(payload, meta)

    monkeypatch.setattr(render, "render_pdf", render_and_look)
    assert len(callbacks) == 1
    callbacks[0]()  # the transaction committed: the task is sent (and, eager, runs now)

    running = seen[0]
    assert running["state"] == JobState.RUNNING and running["polling"] and running["pdf"] is None
    assert 0 < running["done"] < running["total"] and "生成中" in running["body"]
    finished = _status(client, job.pk)
    assert finished["state"] == JobState.DONE and not finished["polling"] and "100%" in finished["body"]
    assert finished["done"] == finished["total"]
    api = client.get(f"/api/v1/scorecard-jobs/{job.pk}/").json()
    assert (api["state"], api["percent"]) == ("done", 100) and api["scorecard"] is not None

    card = _download_and_verify(client, finished)
    assert AuditEvent.objects.filter(action="scorecard.job", actor=people["auditor"], unit_code=COUNTY).exists()
    assert AuditEvent.objects.filter(action="scorecard.export", actor=people["auditor"], detail__via="job",
                                     detail__scorecard=card.pk).exists()


def test_it_does_not_run_a_job_twice(units, people, catalog, monkeypatch):
    from apps.reports import services

    job = ScorecardJob.objects.create(unit=units[COUNTY], as_of=date(2026, 6, 30), created_by=people["auditor"])
    assert services.scorecard_job_run(job_id=job.pk).state == JobState.DONE
    monkeypatch.setattr(render, "render_pdf", lambda *a: pytest.fail("a redelivered task rendered again"))
    assert services.scorecard_job_run(job_id=job.pk) is None


def test_a_redelivered_task_leaves_a_job_that_is_still_being_worked_on(units, people, catalog, monkeypatch):
    from apps.reports import services

    job = ScorecardJob.objects.create(unit=units[COUNTY], as_of=date(2026, 6, 30), created_by=people["auditor"],
                                      state=JobState.RUNNING)
    monkeypatch.setattr(render, "render_pdf", lambda *a: pytest.fail("rendered while another worker is on it"))
    assert services.scorecard_job_run(job_id=job.pk) is None


def test_a_redelivered_task_takes_over_a_job_whose_worker_died(units, people, catalog, settings):
    from datetime import timedelta

    from django.utils import timezone

    from apps.reports import services

    job = ScorecardJob.objects.create(unit=units[COUNTY], as_of=date(2026, 6, 30), created_by=people["auditor"],
                                      state=JobState.RUNNING, done=1, total=3)
    silent_since = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    ScorecardJob.objects.filter(pk=job.pk).update(updated_at=silent_since)  # the worker was killed
    finished = services.scorecard_job_run(job_id=job.pk)
    assert finished.state == JobState.DONE and finished.scorecard is not None
    assert Scorecard.objects.count() == 1


@pytest.mark.parametrize("name", ["township", "other_township", "tianjin_county"])
def test_it_refuses_county_jobs_outside_the_jurisdiction(client_for, people, units, catalog, name):
    job = ScorecardJob.objects.create(unit=units[COUNTY], as_of=date(2026, 6, 30), created_by=people["auditor"])
    client = client_for(people[name])
    assert client.post(reverse("reports:generate"), {"unit": COUNTY, "as_of": AS_OF}).status_code == 404
    assert client.get(reverse("reports:job", args=[job.pk])).status_code == 404
    assert client.get(reverse("reports:job_status", args=[job.pk])).status_code == 404
    assert client.get(f"/api/v1/scorecard-jobs/{job.pk}/").status_code == 404
    assert ScorecardJob.objects.count() == 1


@pytest.mark.worker
@pytest.mark.skipif(worker_unavailable_reason() is not None, reason=str(worker_unavailable_reason()))
@pytest.mark.django_db(transaction=True)
def test_it_runs_a_county_job_on_a_real_worker(client_for, people, units, catalog):
    # The worker process gets this test's MEDIA_ROOT (conftest) through tests/worker.py.
    client = client_for(people["county"])
    with celery_worker():
        client.post(reverse("reports:generate"), {"unit": COUNTY, "as_of": AS_OF})
        job = ScorecardJob.objects.get()
        seen = [_status(client, job.pk)]
        deadline = time.monotonic() + 180  # a bound, not a timing assertion
        while seen[-1]["state"] not in (JobState.DONE, JobState.FAILED) and time.monotonic() < deadline:
            time.sleep(0.2)
            seen.append(_status(client, job.pk))
    progress = [(s["state"], s["done"]) for s in seen]
    assert seen[-1]["state"] == JobState.DONE, progress
    order = [JobState.QUEUED, JobState.RUNNING, JobState.DONE]
    assert [order.index(s) for s, _ in progress] == sorted(order.index(s) for s, _ in progress)
    assert [d for _, d in progress] == sorted(d for _, d in progress)  # progress never goes back
    assert all(s["polling"] for s in seen[:-1]) and not seen[-1]["polling"]
    _download_and_verify(client, seen[-1])
