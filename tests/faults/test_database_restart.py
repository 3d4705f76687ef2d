"""PostgreSQL restarts under a running web process: the first request afterwards is answered
(CONN_HEALTH_CHECKS makes Django test a kept connection before reusing it), not a 500.

The restarted server is a private one this test starts on its own port (never the shared one)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.faults.private_postgres import private_postgres, unavailable_reason
from tests.worker import ROOT

pytestmark = pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))


def test_it_answers_the_first_request_after_a_postgresql_restart():
    with private_postgres() as server:
        env = {**{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "REDIS_URL")},
               "DATABASE_URL": server.url, "CONN_MAX_AGE": "600", "DEBUG": "false"}
        web = subprocess.Popen([sys.executable, "-m", "tests.faults.db_request_process"], cwd=ROOT, env=env,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            def get() -> int:
                web.stdin.write("get\n")
                web.stdin.flush()
                line = web.stdout.readline()
                assert line, web.stderr.read()[-3000:]
                return int(line)

            assert get() == 200  # opens the connection it keeps
            server.pg_ctl("restart", "-m", "fast")  # the kept connection is now dead
            assert [get(), get(), get()] == [200, 200, 200]
        finally:
            web.stdin.close()
            web.wait(timeout=30)
