"""Personal data (ID numbers, mobile numbers) never reaches a log record or an audit payload,
whatever path it comes in by, and is masked on display and in exports."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.logging import MaskPersonalDataFilter
from apps.core.models import AuditEvent
from apps.evidence.importing import import_records
from apps.evidence.models import Person
from tests.evidence.helpers import QINGYUAN, XUGOU, csv_bytes, make_id

ID = make_id(7)
BAD_ID = ID[:-1] + ("0" if ID[-1] != "0" else "1")  # wrong check digit
PHONE = "13912345678"
SECRETS = (ID, BAD_ID, PHONE)


def _row(unit=QINGYUAN, id_number=ID, phone=PHONE):
    return [unit, "王五", id_number, phone, "乡镇（街道）干部", "2024-03-01"]


@pytest.fixture
def every_log(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def _assert_clean(caplog):
    for record in caplog.records:
        text = record.getMessage() + (caplog.text if record is caplog.records[-1] else "")
        for secret in SECRETS:
            assert secret not in text, (record.name, record.getMessage())
    dumped = json.dumps([e.detail for e in AuditEvent.objects.all()], ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in dumped


def test_it_logs_no_personal_data_during_imports(units, people, today, every_log, client_for):
    assert import_records(kind="personnel", data=csv_bytes("personnel", [_row()]), actor=people["township"]).ok
    failed = import_records(kind="personnel", data=csv_bytes("personnel", [_row(id_number=BAD_ID), _row(unit=XUGOU)]),
                            actor=people["township"])
    assert not failed.ok
    assert all(BAD_ID not in str(e) for e in failed.errors)  # error messages are shown and may be logged
    client_for(people["township"]).post(reverse("evidence:import"), {
        "kind": "personnel", "file": SimpleUploadedFile("p.csv", csv_bytes("personnel", [_row(id_number=BAD_ID)]))})
    _assert_clean(every_log)


def test_it_logs_no_personal_data_on_api_and_form_errors(units, people, today, every_log, client_for):
    client = client_for(people["township"])
    body = {"name": "王五", "id_number": BAD_ID, "phone": PHONE + "9", "category": "township_cadre",
            "appointed_on": "2024-03-01", "unit": QINGYUAN}
    bad = client.post("/api/v1/evidence/personnel/", body, content_type="application/json")
    assert bad.status_code == 400
    assert BAD_ID not in bad.content.decode()
    outsider = client.post("/api/v1/evidence/personnel/", {**body, "id_number": ID, "phone": PHONE, "unit": XUGOU},
                           content_type="application/json")
    assert outsider.status_code in (400, 403, 404)
    client.post(reverse("evidence:create", args=["personnel", QINGYUAN]), {**body, "id_number": BAD_ID})
    _assert_clean(every_log)


def test_the_log_filter_masks_what_a_careless_caller_logs(caplog):
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "lookup %s by %s failed", (ID, PHONE), None)
    MaskPersonalDataFilter().filter(record)
    assert ID not in record.getMessage() and PHONE not in record.getMessage()
    assert ID[:3] in record.getMessage() and ID[-4:] in record.getMessage()


def test_it_masks_personal_data_on_pages_for_those_who_may_not_see_it(units, people, today, client_for):
    assert import_records(kind="personnel", data=csv_bytes("personnel", [_row()]), actor=people["township"]).ok
    person = Person.objects.get()
    page = client_for(people["county"]).get(reverse("evidence:detail", args=["personnel", person.pk]))
    listing = client_for(people["county"]).get(reverse("evidence:list", args=["personnel"]))
    api = client_for(people["county"]).get("/api/v1/evidence/personnel/")
    for response in (page, listing, api):
        assert response.status_code == 200
        text = response.content.decode()
        assert ID not in text and PHONE not in text
