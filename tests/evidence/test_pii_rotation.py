"""Issue 17: `rotate_pii_key` re-encrypts under the newest key, in batches, resumable."""

from io import StringIO

from django.core.management import call_command
from django.db import connection

from apps.evidence.models import TeamMember
from apps.evidence.pii_rotation import pii_models
from tests.core.test_pii_at_rest import PHONES, _import_roster
from tests.evidence.helpers import make_id

NEW_KEY = "t2:bmV3ZXItdGVzdC1rZXktIQ=="


def _key_ids() -> list[str]:
    ids = []
    with connection.cursor() as cursor:
        for model in pii_models():
            cursor.execute(f'SELECT id_number, phone FROM "{model._meta.db_table}"')
            ids += [value.split(":")[1] for row in cursor.fetchall() for value in row if value]
    return ids


def test_it_reencrypts_under_the_newest_key_and_resumes_an_interrupted_run(people, settings):
    _import_roster(people["township"])
    assert set(_key_ids()) == {"t1"}
    settings.PII_KEYS = f"{NEW_KEY},{settings.PII_KEYS}"

    out = StringIO()
    call_command("rotate_pii_key", batch_size=2, max_batches=1, stdout=out)  # interrupted after one batch
    assert "已暂停" in out.getvalue()
    ids = _key_ids()
    assert ids.count("t2") == 4 and "t1" in ids  # one batch of two members, ID and phone each

    out = StringIO()
    call_command("rotate_pii_key", batch_size=2, stdout=out)  # resumed
    assert set(_key_ids()) == {"t2"}
    assert "队员: 5/5" in out.getvalue() and "完成" in out.getvalue()

    settings.PII_KEYS = NEW_KEY  # the old key can go: everything reads under the new one
    member = TeamMember.objects.get(name="队员2")
    assert (member.id_number, member.phone) == (make_id(2), PHONES[2])
