"""The security administrator creates tokens (the secret appears once, on the page after saving)
and revokes them; tokens cannot be edited or deleted, and only they reach the page (三员分立)."""

import re

from django.test import Client

from apps.accounts.models import ApiToken
from apps.core.models import AuditEvent

ADD = "/admin/accounts/apitoken/add/"
LIST = "/admin/accounts/apitoken/"


def test_it_shows_the_secret_once_after_creating_a_token(people, client_for):
    admin = client_for(people["security_admin"])
    response = admin.post(ADD, {"user": people["county"].pk, "name": "省级平台对接", "expires_at_0": "",
                                "expires_at_1": ""})
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'id="api-token-secret"[^>]*>(ecp_[^<]+)<', response.content.decode()).group(1)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.created_by) == (people["county"], "省级平台对接", people["security_admin"])
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/units/").status_code == 200
    # Never again: neither the list nor the token's page shows it.
    assert secret not in admin.get(LIST).content.decode()
    assert secret not in admin.get(f"{LIST}{token.pk}/change/").content.decode()


def test_it_rejects_an_expiry_in_the_past(people, client_for):
    response = client_for(people["security_admin"]).post(ADD, {"user": people["county"].pk, "name": "x",
                                                      "expires_at_0": "2020-01-01", "expires_at_1": "00:00:00"})
    assert response.status_code == 200 and "过期时间必须晚于现在" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_revokes_selected_tokens_and_never_deletes_them(people, client_for, token_for):
    secret = token_for(people["county"])
    admin = client_for(people["security_admin"])
    response = admin.post(LIST, {"action": "revoke", "_selected_action": [ApiToken.objects.get().pk]}, follow=True)
    assert "已吊销 1 个令牌" in response.content.decode()
    assert ApiToken.objects.get().revoked_by == people["security_admin"]
    assert AuditEvent.objects.filter(action="accounts.api_token_revoked", actor=people["security_admin"]).exists()
    assert Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/units/").status_code == 401
    assert admin.post(f"{LIST}{ApiToken.objects.get().pk}/delete/").status_code == 403


def test_it_refuses_non_administrators(people, client_for):
    response = client_for(people["county"]).get(ADD)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_it_refuses_the_token_page_to_the_system_and_audit_administrators(people, client_for):
    for name in ("admin", "audit_admin"):
        assert client_for(people[name]).get(ADD).status_code == 403
