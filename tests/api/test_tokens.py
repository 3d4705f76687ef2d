"""API tokens: how integrations authenticate. Only a hash is stored; revoked, expired, unknown
and malformed tokens are refused with 401; creation and revocation are audited."""

import base64
import hashlib
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.services import api_token_create, api_token_revoke
from apps.core.models import AuditEvent
from tests.factories import PASSWORD

UNITS = "/api/v1/units/"


def _bearer(secret, keyword="Bearer"):
    return Client(headers={"Authorization": f"{keyword} {secret}"})


def test_it_authenticates_with_a_bearer_or_token_header(people, token_for):
    secret = token_for(people["township"])
    for keyword in ("Bearer", "Token", "bearer"):
        response = _bearer(secret, keyword).get(UNITS)
        assert response.status_code == 200, keyword
        assert "140121100000" in {u["code"] for u in response.json()["results"]}


def test_it_stores_only_a_hash_of_the_secret(people):
    issued = api_token_create(user=people["township"], name="省平台")
    token = ApiToken.objects.get()
    assert token.digest == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret.startswith(token.prefix) and len(token.prefix) < len(issued.secret) // 3
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert issued.secret not in stored


def test_it_refuses_a_revoked_token_with_401(people, token_for):
    secret = token_for(people["township"])
    assert _bearer(secret).get(UNITS).status_code == 200
    assert api_token_revoke(token=ApiToken.objects.get(), actor=people["admin"]) is True
    response = _bearer(secret).get(UNITS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "140121100000" not in response.content.decode()


def test_it_refuses_an_expired_token_with_401(people):
    issued = api_token_create(user=people["township"], name="临时", expires_at=timezone.now() + timedelta(hours=1))
    assert _bearer(issued.secret).get(UNITS).status_code == 200
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _bearer(issued.secret).get(UNITS).status_code == 401


def test_it_refuses_to_create_a_token_that_is_already_expired(people):
    with pytest.raises(ValueError):
        api_token_create(user=people["township"], name="x", expires_at=timezone.now() - timedelta(days=1))
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("header", [
    "Bearer ecp_not-a-real-token", "Bearer", "Bearer a b", "Token ", "Bearer ecp_\u00e9\u00e9",
])
def test_it_refuses_unknown_or_malformed_tokens_with_401(people, token_for, header):
    token_for(people["township"])
    response = Client(headers={"Authorization": header}).get(UNITS)
    assert response.status_code == 401, header
    assert set(response.json()) == {"detail"}


def test_it_refuses_the_token_of_a_deactivated_user(people, token_for):
    secret = token_for(people["township"])
    people["township"].is_active = False
    people["township"].save()
    assert _bearer(secret).get(UNITS).status_code == 401


def test_it_answers_anonymous_callers_401_with_the_scheme_to_use(units):
    response = Client().get(UNITS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_it_no_longer_accepts_basic_authentication(people):
    basic = base64.b64encode(f"township:{PASSWORD}".encode()).decode()
    assert Client(headers={"Authorization": f"Basic {basic}"}).get(UNITS).status_code == 401


def test_it_does_not_need_a_csrf_token_with_a_bearer_token(people, units, api_client):
    # CSRF protects cookies a browser sends by itself; a token header is never sent by itself.
    response = api_client(people["township"]).post(
        "/api/v1/evidence/drills/",
        {"unit_code": "140121100000", "held_on": "2026-03-10", "drill_type": "综合演练", "subject": "防汛演练"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["created_by"] == "township"


def test_it_still_enforces_csrf_for_browser_sessions(people, units):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["township"], backend="django.contrib.auth.backends.ModelBackend")
    assert browser.get(UNITS).status_code == 200
    assert browser.post("/api/v1/evidence/drills/", {}, content_type="application/json").status_code == 403


def test_it_records_when_a_token_was_last_used_without_writing_on_every_request(people, token_for):
    secret = token_for(people["township"])
    assert ApiToken.objects.get().last_used_at is None
    client = _bearer(secret)
    client.get(UNITS)
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        client.get(UNITS)
    assert queries.captured_queries and not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiToken.objects.get().last_used_at == first


def test_it_audits_creation_and_revocation_without_the_secret(people):
    issued = api_token_create(user=people["township"], name="省平台", actor=people["admin"])
    api_token_revoke(token=issued.token, actor=people["admin"])
    assert api_token_revoke(token=issued.token, actor=people["admin"]) is False  # once only
    events = list(AuditEvent.objects.filter(action__startswith="accounts.api_token").order_by("id"))
    assert [(e.action, e.actor, e.detail["token"], e.detail["owner"]) for e in events] == [
        ("accounts.api_token_created", people["admin"], issued.token.prefix, "township"),
        ("accounts.api_token_revoked", people["admin"], issued.token.prefix, "township"),
    ]
    assert issued.secret not in str([e.detail for e in events])
    token = ApiToken.objects.get()
    assert (token.revoked_by, token.created_by) == (people["admin"], people["admin"])


def test_the_command_prints_a_working_token_once(people):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "township", "--expires", "2099-12-31", "--name", "省平台", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (people["township"], "省平台")
    assert timezone.localtime(token.expires_at).date().isoformat() == "2099-12-31"
    assert token.prefix in err.getvalue() and secret not in err.getvalue()
    assert _bearer(secret).get(UNITS).status_code == 200
    assert AuditEvent.objects.filter(action="accounts.api_token_created", actor=None).exists()


@pytest.mark.parametrize("args, message", [
    (["nobody"], "用户不存在"),
    (["township", "--expires", "31/12/2099"], "YYYY-MM-DD"),
    (["township", "--expires", "2020-01-01"], "晚于现在"),
])
def test_the_command_rejects_bad_arguments(people, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_token", *args, stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()
