"""Two writers at once, in separate processes on PostgreSQL: the database keeps one copy.

Issue 12: two imports of the same roster at the same moment saved every row twice (400 members
for 200 ID numbers). The live-row unique constraints and services.records_insert make the second
writer find the first one's rows and report them as already present.
"""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings

from apps.evidence.models import Drill, Team, TeamMember
from apps.evidence.services import record_create
from tests.evidence.helpers import QINGYUAN, csv_bytes, make_id
from tests.worker import _database_url

SCRIPT = Path(__file__).with_name("concurrent_writer.py")
ROWS = 200

pytestmark = [
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                       reason="needs PostgreSQL: separate processes share the database"),
    pytest.mark.django_db(transaction=True),
]


def _roster() -> bytes:
    rows = [[QINGYUAN, "清源镇应急救援队", "综合", f"队员{i}", make_id(i), "", "兼职", "2025-01-01", ""]
            for i in range(ROWS)]
    return csv_bytes("roster", rows)


def _run_together(mode: str, path: Path | list[Path], usernames: list[str], kind: str = "roster") -> list[dict]:
    """Start one writer per username (and file), wait until each is ready, release them at once."""
    # Two sign-ins of one account: the session controls (one session per account, TOTP) are
    # tested in tests/accounts; here both writers must reach the write path.
    env = {**os.environ, "DATABASE_URL": _database_url(), "CONN_MAX_AGE": "0", "REDIS_URL": "",
           "ACCOUNT_CONTROLS": "false"}
    paths = path if isinstance(path, list) else [path] * len(usernames)
    procs = [subprocess.Popen([sys.executable, str(SCRIPT), mode, kind, str(p), name], env=env,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for p, name in zip(paths, usernames, strict=True)]
    try:
        for proc in procs:
            assert proc.stdout.readline().strip() == "ready"
        for proc in procs:
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outputs = [proc.communicate(timeout=300)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert all(proc.returncode == 0 for proc in procs), outputs
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def test_it_keeps_one_copy_of_a_roster_imported_twice_at_once(people, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    results = _run_together("import", path, ["township", "township"])
    assert TeamMember.objects.alive().count() == ROWS
    assert Team.objects.alive().count() == 1
    assert all(not r["errors"] for r in results), results
    # One import saved the rows and the team, the other found them already present.
    assert sorted((r["created"], r["skipped"], r["teams_created"]) for r in results) == [(0, ROWS, 0), (ROWS, 0, 1)]


def test_it_keeps_one_copy_when_two_clients_post_the_same_members_at_once(people, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(_roster())
    results = _run_together("api", path, ["township", "township"])
    assert TeamMember.objects.alive().count() == ROWS
    assert Team.objects.alive().count() == 1
    totals: dict[str, int] = {}
    for r in results:
        for code, n in r["statuses"].items():
            totals[code] = totals.get(code, 0) + n
    # Every member was created exactly once; the other post of it answered "already present".
    assert totals == {"201": ROWS, "409:already_present": ROWS}


def test_it_lets_one_of_two_simultaneous_reviews_of_the_same_revision_through(people, units, tmp_path):
    drill = record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                          values={"held_on": date(2025, 3, 10), "drill_type": "comprehensive", "subject": "防汛演练",
                                  "participants": 30, "evaluation": ""})
    bodies = [{"decision": "verify"}, {"decision": "return", "note": "缺签到表"}]
    paths = []
    for n, body in enumerate(bodies):
        paths.append(tmp_path / f"review{n}.json")
        paths[-1].write_text(json.dumps({"pk": drill.pk, "body": body, "if_match": '"1"'}))
    results = _run_together("review", paths, ["county", "county"], kind="drills")
    assert sorted(r["status"] for r in results) == [200, 409], results
    winner = next(r for r in results if r["status"] == 200)["body"]
    drill = Drill.objects.get()
    assert (drill.review_status, drill.revision) == (winner["review_status"], 2)
    assert drill.history.count() == 2  # created, and the one review that went through
