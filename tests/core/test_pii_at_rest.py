"""Issue 17: ID and mobile numbers are encrypted at rest, found through their blind index."""

import os
import shutil
import subprocess

import pytest
from django.db import connection

from apps.core import crypto
from apps.evidence.importing import import_records
from apps.evidence.models import Person, TeamMember
from tests.evidence.helpers import QINGYUAN, csv_bytes, make_id

PHONES = [f"1391234{i:04d}" for i in range(5)]


def _import_roster(user):
    rows = [[QINGYUAN, "甲救援队", "综合", f"队员{i}", make_id(i), PHONES[i], "兼职", "2025-01-01", ""]
            for i in range(5)]
    result = import_records(kind="roster", data=csv_bytes("roster", rows), actor=user)
    assert result.ok, result.errors[:3]
    return rows


def _raw_cells() -> str:
    tables = [TeamMember._meta.db_table, TeamMember.history.model._meta.db_table, Person._meta.db_table]
    text = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # raw SQL, not the ORM
            text.extend(str(cell) for row in cursor.fetchall() for cell in row)
    return "\n".join(text)


def test_it_stores_no_id_or_mobile_number_in_plain_text(people):
    rows = _import_roster(people["township"])
    raw = _raw_cells()
    for row in rows:
        assert row[4] not in raw
        assert row[5] not in raw
    assert raw.count(crypto.PREFIX) >= 20  # ID and phone of 5 members, and of their history rows
    member = TeamMember.objects.get(name="队员3")  # the ORM reads the clear values
    assert (member.id_number, member.phone) == (make_id(3), PHONES[3])


def test_it_recognises_a_reimport_and_refuses_a_second_entry_by_blind_index(people):
    _import_roster(people["township"])
    again = _import_roster(people["township"])
    assert TeamMember.objects.count() == len(again)
    member = TeamMember.objects.get(name="队员1")
    assert member.identity_key.startswith("bi:") and make_id(1) not in member.identity_key


def test_it_uses_a_fresh_nonce_per_value_and_decrypts_under_an_older_key(settings):
    first = crypto.encrypt("110101199003077777")
    assert first != crypto.encrypt("110101199003077777")
    settings.PII_KEYS = "t2:" + "bmV3ZXItdGVzdC1rZXktIQ==" + "," + settings.PII_KEYS
    assert crypto.decrypt(first) == "110101199003077777"
    assert crypto.key_id_of(crypto.encrypt("x")) == "t2"


def test_it_encrypts_with_aes_256_gcm_when_selected(settings):
    settings.PII_CIPHER = "aes256gcm"
    settings.PII_KEYS = "a1:" + "YWVzLTI1Ni10ZXN0LWtleS0zMi1ieXRlcy1sb25nISE="
    assert crypto.decrypt(crypto.encrypt("13912345678")) == "13912345678"


def test_it_refuses_to_start_in_production_without_keys(settings):
    from django.core.exceptions import ImproperlyConfigured

    from apps.core.checks import pii_keys_check, require_pii_keys

    settings.DEBUG = False
    settings.PII_KEYS = ""
    assert [e.id for e in pii_keys_check()] == ["core.E017"]
    with pytest.raises(ImproperlyConfigured, match="PII_KEYS is not set"):
        require_pii_keys()
    settings.DEBUG = True  # make demo: a development key derived from SECRET_KEY
    assert pii_keys_check() == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump of the PostgreSQL test database")
@pytest.mark.django_db(transaction=True)
def test_it_leaves_no_number_in_a_database_dump(people):
    if not shutil.which("pg_dump"):
        pytest.skip("pg_dump not installed")
    rows = _import_roster(people["township"])
    settings_dict = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""}
    dump = subprocess.run(["pg_dump", "-h", settings_dict["HOST"] or "127.0.0.1", "-p", str(settings_dict["PORT"] or 5432),
                           "-U", settings_dict["USER"], "--data-only", settings_dict["NAME"]],
                          env=env, capture_output=True, text=True, check=True).stdout
    assert "甲救援队" in dump
    for row in rows:
        assert row[4] not in dump and row[5] not in dump
