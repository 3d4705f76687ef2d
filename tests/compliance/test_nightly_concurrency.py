"""Two tasks for the same county at once (a re-queued county whose first task was not dead, or
two triggers), in separate processes on PostgreSQL: every reminder and the county report email
are sent once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from apps.compliance import services
from apps.compliance.models import CountyReport, Reminder
from tests.compliance.helpers import DRILL_PARAMS, make_version
from tests.worker import ROOT, _database_url

AS_OF = "2025-03-01"
QINGXU = "140121000000"

pytestmark = [
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                       reason="two processes need a shared database (PostgreSQL)"),
    pytest.mark.django_db(transaction=True),
]


def _messages(mail_dir: Path) -> list[str]:
    """Every message the file backend wrote (one file per connection, messages separated)."""
    text = "".join(p.read_text() for p in sorted(mail_dir.iterdir()))
    return [m for m in text.split("-" * 79) if m.strip()]


def test_it_sends_each_reminder_once_when_two_tasks_run_the_same_county_at_once(units, people, tmp_path):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    for user in people.values():
        user.email = f"{user.username}@example.cn"
        user.save()
    run = services.evaluation_run_start(as_of=date.fromisoformat(AS_OF), trigger="test")
    barrier, mail_dir = tmp_path / "barrier", tmp_path / "mail"
    barrier.mkdir()
    mail_dir.mkdir()
    env = {**{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")},
           "DATABASE_URL": _database_url(), "CONN_MAX_AGE": "0"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.compliance.county_task_process", str(run.pk), str(units[QINGXU].pk),
             AS_OF, str(barrier), name, str(mail_dir)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for name in ("a", "b")
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-3000:]
        assert json.loads(out.strip().splitlines()[-1])["ok"], out

    messages = _messages(mail_dir)
    to_township = [m for m in messages if "To: township@example.cn" in m]
    to_county = [m for m in messages if "To: county@example.cn" in m]
    assert len(to_township) == 1, to_township
    assert len(to_county) == 1
    reminders = Reminder.objects.filter(user=people["township"])
    assert reminders.count() == 3 and not reminders.filter(sent_at__isnull=True).exists()
    assert CountyReport.objects.filter(county=units[QINGXU]).count() == 1
