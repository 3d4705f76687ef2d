"""Celery application. Configuration lives in Django settings under the CELERY_ namespace."""

import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _require_pii_keys(**kwargs):
    from apps.core.checks import require_pii_keys

    require_pii_keys()


@app.task(name="core.ping")
def ping(value: str = "pong") -> str:
    """Health probe used by the real-worker test and by operators."""
    return value
