"""个人信息保护: showing a record's ID number or phone in full leaves an audit entry naming the
record and the fields, never the values; a masked view leaves none."""

import json
from datetime import date

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.evidence.services import record_create
from tests.evidence.helpers import make_id

pytestmark = pytest.mark.django_db
QINGYUAN = "140121100000"


@pytest.fixture
def person(units, people):
    return record_create(kind="personnel", unit=units[QINGYUAN], actor=people["township"],
                         values={"name": "张三", "id_number": make_id(1), "phone": "13812345678",
                                 "category": "township_cadre", "appointed_on": date(2024, 3, 1), "left_on": None})


def test_it_audits_a_full_view_of_personal_data(client_for, people, person):
    client_for(people["township"]).get(reverse("evidence:detail", args=["personnel", person.pk]),
                                       REMOTE_ADDR="10.2.3.4")
    entry = AuditEvent.objects.get(action="evidence.pii_reveal")
    assert (entry.actor, entry.unit_code, entry.source_ip) == (people["township"], QINGYUAN, "10.2.3.4")
    assert entry.detail == {"kind": "personnel", "record_id": person.pk, "fields": ["id_number", "phone"]}
    assert make_id(1) not in json.dumps(entry.detail) and "13812345678" not in json.dumps(entry.detail)


def test_it_does_not_audit_a_masked_view(client_for, people, person):
    client_for(people["county"]).get(reverse("evidence:detail", args=["personnel", person.pk]))
    assert not AuditEvent.objects.filter(action="evidence.pii_reveal").exists()
