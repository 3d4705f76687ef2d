"""Backup and restore round trip (docs/operations.md): ops/backup.sh dumps PostgreSQL and the
media folder, ops/restore.sh loads them into a fresh database and folder; every table holds the
same records and every scorecard PDF still has its recorded SHA-256."""

from __future__ import annotations

import hashlib
import os
import subprocess
from datetime import date

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from apps.reports.models import Scorecard
from apps.reports.services import scorecard_generate
from tests.reports.conftest import TOWNSHIP, make_drill, scorecard_catalog  # noqa: F401 - fixture
from tests.worker import ROOT, _database_url

pytestmark = [
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                       reason="pg_dump / pg_restore back up PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _tables(dsn: str) -> dict[str, str]:
    """Every table of the public schema: its row count and a digest of all its rows."""
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        result = {}
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) '  # noqa: S608
                        f'FROM "{table}" t')
            result[table] = cur.fetchone()
    conn.close()
    return result


def _admin(dsn: str, *statements: str) -> None:
    conn = psycopg2.connect(dsn)
    conn.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    try:
        with conn.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
    finally:
        conn.close()


def _run(script: str, folder, database_url: str, media) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "MEDIA_ROOT": str(media)}
    result = subprocess.run([str(ROOT / "ops" / script), str(folder)], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_restores_the_same_records_and_scorecards_from_a_backup(units, people, scorecard_catalog,  # noqa: F811
                                                                   settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    make_drill(units[TOWNSHIP])
    card, _ = scorecard_generate(unit=units[TOWNSHIP], as_of=date(2026, 6, 30), user=people["county"])
    source = _database_url()
    restored_name = f"{settings.DATABASES['default']['NAME']}_restored"
    admin_dsn = source.rsplit("/", 1)[0] + "/postgres"
    _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{restored_name}"', f'CREATE DATABASE "{restored_name}"')
    restored = source.rsplit("/", 1)[0] + f"/{restored_name}"
    try:
        connection.close()
        _run("backup.sh", tmp_path / "backup", source, settings.MEDIA_ROOT)
        _run("restore.sh", tmp_path / "backup", restored, tmp_path / "restored-media")

        before, after = _tables(source), _tables(restored)
        assert after == before
        assert before["reports_scorecard"][0] == 1 and before["evidence_drill"][0] == 1
        with psycopg2.connect(restored) as conn, conn.cursor() as cur:
            cur.execute("SELECT file, sha256 FROM reports_scorecard")
            rows = cur.fetchall()
        conn.close()
        assert [sha for _, sha in rows] == [Scorecard.objects.get(pk=card.pk).sha256]
        for name, sha in rows:
            assert hashlib.sha256((tmp_path / "restored-media" / name).read_bytes()).hexdigest() == sha
    finally:
        _admin(admin_dsn, f'DROP DATABASE IF EXISTS "{restored_name}"')
