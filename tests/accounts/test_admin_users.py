"""Users in /admin/: the system administrator creates accounts, the security administrator grants
roles and units (autocomplete by code or name); a unit's page lists its users; all audited."""

import re

import pytest

from apps.accounts import access
from apps.accounts.models import User
from apps.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_system_administrator_creates_an_account_with_a_one_time_password(people, client_for):
    response = client_for(people["admin"]).post("/admin/accounts/user/add/", {
        "username": "qx_official", "full_name": "清徐县应急局", "mobile": "", "email": ""})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = re.search(r'class="initial-password">([^<]+)<', response.content.decode()).group(1)
    user = User.objects.get(username="qx_official")
    assert user.check_password(password) and user.must_change_password
    assert user.role == "none"  # the security administrator gives the role (三员分立)
    assert AuditEvent.objects.filter(action="accounts.user_created", actor=people["admin"]).exists()


def test_the_security_administrator_sets_role_and_units(people, units, client_for):
    user = User.objects.create_user("qx_official", role="township_staff")
    client = client_for(people["security_admin"])
    response = client.post(f"/admin/accounts/user/{user.pk}/change/", {
        "role": "county_official", "units": [units["140121000000"].pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.role == "county_official" and [g.code for g in access.grants(user)] == ["140121000000"]
    actions = list(AuditEvent.objects.filter(actor=people["security_admin"]).values_list("action", flat=True))
    assert "accounts.role_changed" in actions and "accounts.grant_added" in actions


def test_the_unit_autocomplete_finds_units_by_code_or_name(people, units, client_for):
    client = client_for(people["security_admin"])
    url = "/admin/autocomplete/?app_label=jurisdictions&model_name=unit&field_name=parent&term="
    by_name = client.get(url + "清徐").json()["results"]
    by_code = client.get(url + "140121100").json()["results"]
    assert any("清徐县" in r["text"] for r in by_name)
    assert any("清源镇" in r["text"] for r in by_code)


def test_the_system_administrator_cannot_change_roles_or_grants(people, units, client_for):
    user = people["township"]
    client_for(people["admin"]).post(f"/admin/accounts/user/{user.pk}/change/", {
        "username": "township", "full_name": "改名", "mobile": "", "email": "", "is_active": "on",
        "role": "county_official", "units": [units["140000000000"].pk]})
    user.refresh_from_db()
    assert user.full_name == "改名" and user.role == "township_staff"
    assert [g.code for g in access.grants(user)] == ["140121100000"]  # grants untouched


def test_a_units_page_lists_its_users(people, units, client_for):
    body = client_for(people["admin"]).get(f"/admin/jurisdictions/unit/{units['140121100000'].pk}/change/").content.decode()
    assert "本单位用户" in body and "township" in body and "other_township" not in body


def test_the_security_administrator_unlocks_a_locked_out_account(people, client, client_for, settings):
    from django.test import Client

    from tests.factories import PASSWORD

    settings.AXES_ENABLED = True
    browser = Client()
    for _ in range(settings.LOCKOUT_FAILURE_LIMIT):
        browser.post("/accounts/login/", {"username": "township", "password": "wrong"})
    assert browser.post("/accounts/login/", {"username": "township", "password": PASSWORD}).status_code == 429
    client_for(people["security_admin"]).post("/admin/accounts/user/", {
        "action": "unlock", "_selected_action": [people["township"].pk]})
    assert browser.post("/accounts/login/", {"username": "township", "password": PASSWORD}).status_code == 302
    assert AuditEvent.objects.filter(action="accounts.unlocked", actor=people["security_admin"]).exists()


def test_the_security_administrator_gives_a_role_to_an_account_with_none(people, units, client_for, client):
    from apps.accounts.services import api_token_create

    user = User.objects.create_user("sso_person")  # as single sign-on creates it: no role, no grant
    secret = api_token_create(user=user, name="对接", actor=people["security_admin"]).secret
    refused = client.get("/api/v1/units/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert refused.status_code == 403 and refused.json()["detail"] == "您的账号尚未分配角色，请联系安全管理员"
    admin = client_for(people["security_admin"])
    # No unit can be granted while the account has no role.
    response = admin.post(f"/admin/accounts/user/{user.pk}/change/", {"role": "none", "units": [units["140121100000"].pk]})
    assert response.status_code == 200 and "未分配角色不分配辖区" in response.content.decode()
    response = admin.post(f"/admin/accounts/user/{user.pk}/change/", {
        "role": "township_staff", "units": [units["140121100000"].pk]})
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.role == "township_staff" and [g.code for g in access.grants(user)] == ["140121100000"]
    assert client.get("/api/v1/units/140121100000/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    assert AuditEvent.objects.filter(action="accounts.role_changed", actor=people["security_admin"]).exists()
