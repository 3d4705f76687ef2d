"""PostgreSQL only: the trigger keeps the audit log append-only, audit_verify catches tampering
done with the trigger disabled (as a database superuser could), and concurrent writer processes
never fork the chain."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.core import audit
from apps.core.audit import record_event, verify_chain
from apps.core.models import AuditChainHead, AuditEvent

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                       reason="the append-only trigger and row locks are PostgreSQL's"),
]


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify() -> tuple[int, str]:
    try:
        call_command("audit_verify", stdout=io.StringIO())
    except CommandError as exc:
        return 1, str(exc)
    return 0, ""


def _five():
    return [record_event(actor=None, action="test.step", n=i) for i in range(5)]


@pytest.mark.parametrize("statement", [
    "UPDATE core_auditevent SET action = 'test.hidden' WHERE seq = 2",
    "DELETE FROM core_auditevent WHERE seq = 2",
    "UPDATE core_auditchainhead SET seq = 1",
    "DELETE FROM core_auditchainhead",
])
def test_it_refuses_update_and_delete_of_the_log_and_rewinding_the_head(statement):
    _five()
    with pytest.raises(DatabaseError, match="拒绝"), transaction.atomic():
        _sql(statement)
    assert verify_chain().ok


def test_it_refuses_deleting_a_young_entry_even_with_the_prune_flag_set():
    _five()
    with pytest.raises(DatabaseError, match="拒绝"), transaction.atomic():
        _sql("SET LOCAL ecp.audit_prune = 'on'")
        _sql("DELETE FROM core_auditevent WHERE seq = 1")


def test_it_detects_a_changed_row(trigger_disabled):
    _five()
    _sql("UPDATE core_auditevent SET detail = '{\"n\": 99}' WHERE seq = 3")
    status, message = _verify()
    assert status == 1 and "第 3 条" in message and "修改" in message


def test_it_detects_a_deleted_row(trigger_disabled):
    _five()
    _sql("DELETE FROM core_auditevent WHERE seq = 3")
    status, message = _verify()
    assert status == 1 and "第 3 条" in message and "删除" in message


def test_it_detects_an_inserted_row(trigger_disabled):
    """The forger renumbers the entries after #3 and slips a well-formed, correctly hashed entry
    in at #4, chained to #3: the old #4 (now #5) no longer matches its hash."""
    entries = _five()
    _sql("UPDATE core_auditevent SET seq = seq + 100 WHERE seq > 3")
    _sql("UPDATE core_auditevent SET seq = seq - 99 WHERE seq > 100")
    forged = AuditEvent(seq=4, at=timezone.now(), action="test.forged", algorithm="sm3", prev_hash=entries[2].hash)
    forged.hash = audit.entry_hash(forged)
    forged.save(force_insert=True)
    status, message = _verify()
    assert status == 1 and "第 5 条" in message


def test_it_detects_a_row_inserted_past_the_head(trigger_disabled):
    last = _five()[-1]
    forged = AuditEvent(seq=6, at=timezone.now(), action="test.forged", algorithm="sm3", prev_hash=last.hash)
    forged.hash = audit.entry_hash(forged)
    forged.save(force_insert=True)
    status, message = _verify()
    assert status == 1 and "第 6 条" in message and "插入" in message


WRITER = """
import os, sys, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from django.db import transaction
from apps.core.audit import record_event
start = sys.argv[1]
while not os.path.exists(start):
    time.sleep(0.01)
for i in range(int(sys.argv[2])):
    with transaction.atomic():
        record_event(actor=None, action="test.concurrent", writer=int(sys.argv[3]), n=i)
"""


@pytest.mark.django_db(transaction=True)
def test_it_never_forks_the_chain_with_concurrent_writer_processes(tmp_path):
    db = settings.DATABASES["default"]
    env = {**os.environ, "CONN_MAX_AGE": "0", "AXES_ENABLED": "false",
           "DATABASE_URL": f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    start, writers, each = tmp_path / "go", 4, 25
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(start), str(each), str(w)], cwd=ROOT, env=env,
                              stderr=subprocess.PIPE, text=True) for w in range(writers)]
    start.touch()  # all processes append at once
    errors = [p.communicate(timeout=300)[1] for p in procs]
    assert [p.returncode for p in procs] == [0] * writers, errors
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * each + 1))
    assert AuditChainHead.objects.get().seq == writers * each
    assert verify_chain().ok
