"""Start a real Celery worker process against the test database and Redis.

A worker is another process: it sees only committed data in a database it can open, so tests
that use it need PostgreSQL (or a file database), ``django_db(transaction=True)`` and REDIS_URL.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def worker_unavailable_reason() -> str | None:
    if not settings.REDIS_URL:
        return "no REDIS_URL set: Celery runs eagerly in-process on the embedded default"
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return "the worker needs a shared database (PostgreSQL): the SQLite test database is in memory"
    return None


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@contextlib.contextmanager
def celery_worker(timeout: float = 60, extra_env: dict | None = None, pool: str = "solo",
                  include: str | None = None):
    """Run ``celery -A config worker`` (one process: ``--pool=solo``) until the block exits.

    ``pool="prefork"`` runs the task in a child process of the worker; ``include`` names a module
    of extra tasks the worker imports (tests/faults/worker_tasks.py).
    """
    from config.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CONN_MAX_AGE": "0",
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}", "--concurrency=1",
         "-l", "warning", "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h",
         *([f"--include={include}"] if include else [])],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"celery worker exited with {proc.returncode}")
            with contextlib.suppress(Exception):
                if app.control.ping(timeout=1.0):
                    break
        else:
            raise RuntimeError("celery worker did not answer a ping in time")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
