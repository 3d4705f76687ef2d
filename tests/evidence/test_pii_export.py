"""Issue 17: roster exports are masked; full numbers only by the explicit option for the roles of
PII_REVEAL_ROLES, with a reason, audited (who, what, reason) and the file marked; 403, no file, for
every other role."""

import io
from urllib.parse import unquote

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.models import AuditEvent
from apps.core.pii import mask_id_number, mask_mobile
from tests.core.test_pii_at_rest import PHONES, _import_roster
from tests.evidence.helpers import make_id

MARK = "含完整个人信息，注意保密"
URL = reverse("evidence:export", args=["roster"])
REFUSED = ["township", "other_township", "auditor", "admin", "security_admin", "audit_admin"]


@pytest.fixture
def roster(people):
    return _import_roster(people["township"])


def _as(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _clear(client, user, fmt="xlsx", reason="核对救援队伍花名册"):
    return _as(client, user).post(URL, {"clear": "1", "reason": reason, "format": fmt})


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body.startswith(b"PK"):
        wb = load_workbook(io.BytesIO(body))
        ws = wb.active
        cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
        return "\n".join([*cells, ws.oddHeader.center.text or ""])
    return body.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_it_exports_masked_by_default_for_every_role_that_may_export(client, people, roster, fmt):
    for role in ("township", "county", "auditor"):
        response = _as(client, people[role]).get(URL, {"format": fmt})
        assert response.status_code == 200, role
        text = _text(response)
        assert mask_id_number(make_id(1)) in text and mask_mobile(PHONES[1]) in text and "队员1" in text
        assert make_id(1) not in text and PHONES[1] not in text and MARK not in text
        assert MARK not in unquote(response["Content-Disposition"])
    assert AuditEvent.objects.filter(action="evidence.export").count() == 3
    assert not AuditEvent.objects.filter(action="evidence.pii_export").exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_it_exports_full_numbers_to_a_county_official_marked_and_audited(client, people, roster, fmt):
    response = _clear(client, people["county"], fmt)
    assert response.status_code == 200
    text = _text(response)
    assert all(row[4] in text and row[5] in text for row in roster)  # every ID and mobile number in full
    assert text.splitlines()[0].lstrip("\ufeff") == MARK  # the first row says so
    assert MARK in unquote(response["Content-Disposition"])  # and the file name
    if fmt == "xlsx":
        assert text.endswith(MARK)  # the printed page header too
    event = AuditEvent.objects.get(action="evidence.pii_export")
    assert (event.actor_id, event.result, event.detail["kind"], event.detail["rows"]) == (
        people["county"].pk, "success", "roster", 5)
    assert event.detail["reason"] == "核对救援队伍花名册" and event.detail["fields"] == ["id_number", "phone"]
    assert make_id(1) not in str(event.detail)


@pytest.mark.parametrize("role", REFUSED)
def test_it_refuses_full_numbers_to_every_other_role_with_403_and_no_file(client, people, roster, role):
    response = _clear(client, people[role])
    assert response.status_code == 403
    assert "Content-Disposition" not in response and make_id(1) not in response.content.decode()


def test_it_audits_a_refused_request_of_a_role_that_may_export(client, people, roster):
    assert _clear(client, people["township"]).status_code == 403
    event = AuditEvent.objects.get(action="evidence.pii_export")
    assert (event.result, event.actor_id, event.detail["refused"]) == ("failure", people["township"].pk, "role")


def test_it_follows_the_roles_setting(client, people, roster, settings):
    settings.PII_REVEAL_ROLES = ["auditor"]
    assert _clear(client, people["county"]).status_code == 403
    assert _clear(client, people["auditor"]).status_code == 200


def test_it_asks_for_a_reason_and_makes_no_file_without_one(client, people, roster):
    response = _clear(client, people["county"], reason=" ")
    assert response.status_code == 302 and "Content-Disposition" not in response
    assert not AuditEvent.objects.filter(action="evidence.pii_export").exists()


def test_it_exports_only_the_users_jurisdiction(client, people, roster):
    text = _text(_as(client, people["other_township"]).get(URL, {"format": "csv"}))
    assert "队员1" not in text and mask_id_number(make_id(1)) not in text
    # Another county's official may export full numbers, of their own county only.
    outsider = _clear(client, people["tianjin_county"], "csv")
    assert outsider.status_code == 200 and "队员1" not in _text(outsider) and make_id(1) not in _text(outsider)


def test_the_list_offers_the_option_only_to_allowed_roles(client, people, roster):
    list_url = reverse("evidence:list", args=["roster"])
    county = _as(client, people["county"]).get(list_url).content.decode()
    assert "导出完整身份证号和手机号" in county and 'data-testid="export-clear"' in county
    township = _as(client, people["township"]).get(list_url).content.decode()
    assert 'data-testid="export"' in township and "导出完整身份证号和手机号" not in township
