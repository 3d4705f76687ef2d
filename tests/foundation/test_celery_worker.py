"""Celery: reliability settings, and a round trip through a real worker process over Redis."""

import pytest
from django.conf import settings

from config.celery import app, ping
from tests.worker import celery_worker, worker_unavailable_reason


def test_it_configures_celery_for_reliability():
    conf = app.conf
    assert conf.task_serializer == "json" and conf.accept_content == ["json"]
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert conf.task_soft_time_limit < conf.task_time_limit


def test_it_runs_tasks_in_process_without_redis():
    if settings.REDIS_URL:
        pytest.skip("REDIS_URL is set: tasks go to a real broker")
    assert app.conf.task_always_eager
    assert ping.delay("你好").get(timeout=5) == "你好"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_it_runs_a_task_on_a_real_worker_over_redis():
    reason = worker_unavailable_reason()
    if reason:
        pytest.skip(reason)
    assert not app.conf.task_always_eager
    with celery_worker():
        assert ping.delay("来自真实 worker").get(timeout=30) == "来自真实 worker"
