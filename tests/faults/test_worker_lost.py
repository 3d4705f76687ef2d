"""Faults: the process running a task dies (killed, out of memory). Tasks are acknowledged late and
rejected on worker loss (config/celery.py), so the broker hands the task out again and it runs to
completion, instead of being lost or marked failed."""

import os
import signal
import time

import pytest

from config.celery import app
from tests.worker import celery_worker, worker_unavailable_reason


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_whose_process_is_killed_runs_again_and_completes(tmp_path):
    reason = worker_unavailable_reason()
    if reason:
        pytest.skip(reason)
    marker = tmp_path / "first-run.pid"
    with celery_worker(pool="prefork", include="tests.faults.worker_tasks"):
        result = app.send_task("tests.faults.stall_first_run", args=[str(marker)])
        deadline = time.monotonic() + 30
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists(), "the worker never started the task"
        killed = int(marker.read_text())
        os.kill(killed, signal.SIGKILL)

        outcome = result.get(timeout=60)

    assert outcome.startswith("rerun in process ")
    assert int(outcome.rsplit(" ", 1)[1]) != killed
    assert result.state == "SUCCESS"
