"""Single sign-on end to end against a real OpenID Connect provider (django-oauth-toolkit in OIDC
mode, tests/oidc_provider) started on loopback in its own process. The portal runs in the test
client and talks to the provider over HTTP (discovery, token, JWKS, userinfo); the "browser" side
of the provider (its login form, the authorization redirect, the logout) is a requests session.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user
from django.urls import reverse
from django.utils import timezone

from apps.accounts import oidc
from apps.accounts.access import grants, units_for
from apps.accounts.models import Role, User
from apps.core.models import AuditEvent
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "ecp-portal", "portal-client-secret-0123456789"
CALLBACK = "http://testserver/accounts/oidc/callback/"
AFTER_LOGOUT = "http://testserver/accounts/login/"
PEOPLE = {"county": "provider-pass-1", "stranger": "provider-pass-2"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The provider's issuer URL while it runs in its own process."""
    tmp = tmp_path_factory.mktemp("oidc_provider")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}/o"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
           "PROVIDER_DB": str(tmp / "provider.sqlite3"), "PROVIDER_ISSUER": issuer, "PROVIDER_RSA_KEY": key}
    subprocess.run([sys.executable, "-m", "tests.oidc_provider.setup_provider", CLIENT_ID, CLIENT_SECRET, CALLBACK,
                    AFTER_LOGOUT, *(f"{u}:{p}" for u, p in PEOPLE.items())], cwd=ROOT, env=env, check=True,
                   timeout=120)
    log = open(tmp / "provider.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):  # until it answers (the loop bounds a hung start, it measures nothing)
            if proc.poll() is not None:
                raise RuntimeError(f"provider exited: {(tmp / 'provider.log').read_text()}")
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError("provider did not start")
        yield issuer
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()


@pytest.fixture
def sso(provider, settings):
    settings.OIDC_ISSUER, settings.OIDC_ENABLED = provider, True
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_CREATE_USERS = settings.OIDC_CREATE_USER = False
    oidc.discovery.cache_clear()
    yield provider
    oidc.discovery.cache_clear()


class Browser:
    """The person's browser: the Django test client for the portal, requests for the provider."""

    def __init__(self, client, issuer):
        self.client, self.issuer, self.web = client, issuer, requests.Session()

    def provider_get(self, url):
        return self.web.get(urljoin(self.issuer, url), allow_redirects=False, timeout=30)

    def sign_in(self, username, password):
        start = self.client.get(reverse("accounts:oidc_start"))
        assert start.status_code == 302 and start["Location"].startswith(self.issuer)
        authorize = start["Location"]
        to_login = self.provider_get(authorize)
        if to_login.status_code == 302 and "/login/" in to_login.headers["Location"]:
            login_url = urljoin(authorize, to_login.headers["Location"])
            self.web.get(login_url, timeout=30)
            next_url = parse_qs(urlparse(login_url).query)["next"][0]
            done = self.web.post(login_url, allow_redirects=False, timeout=30, data={
                "username": username, "password": password, "next": next_url,
                "csrfmiddlewaretoken": self.web.cookies["csrftoken"]})
            assert done.status_code == 302, done.text[:500]
            to_login = self.provider_get(urljoin(authorize, done.headers["Location"]))
        back = to_login.headers["Location"]
        assert back.startswith(CALLBACK), back
        query = {k: v[0] for k, v in parse_qs(urlparse(back).query).items()}
        return self.client.get(reverse("accounts:oidc_callback"), query)


@pytest.mark.django_db
def test_it_signs_in_an_existing_account_through_the_provider(sso, people, client):
    response = Browser(client, sso).sign_in("county", PEOPLE["county"])
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert get_user(client) == people["county"]
    entry = AuditEvent.objects.get(action="auth.login")
    assert entry.actor == people["county"] and entry.detail == {"method": "oidc"}


@pytest.mark.django_db
def test_it_refuses_a_person_with_no_account(sso, people, client):
    response = Browser(client, sso).sign_in("stranger", PEOPLE["stranger"])
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert not get_user(client).is_authenticated
    assert not User.objects.filter(username="stranger").exists()
    assert oidc.REFUSED in client.get(response["Location"]).content.decode()
    failure = AuditEvent.objects.get(action="auth.login_failed")
    assert failure.target == "user=stranger" and failure.result == "failure"
    assert failure.detail == {"method": "oidc", "reason": "unknown_user"}


@pytest.mark.django_db
def test_it_creates_an_account_with_no_role_and_no_grant_when_allowed(sso, settings, units, client):
    settings.OIDC_CREATE_USERS = settings.OIDC_CREATE_USER = True
    response = Browser(client, sso).sign_in("stranger", PEOPLE["stranger"])
    user = User.objects.get(username="stranger")
    assert response.status_code == 302 and get_user(client) == user
    assert user.role == Role.NONE and user.get_role_display() == "未分配角色"
    assert grants(user) == () and not user.has_usable_password() and not user.is_staff
    assert not units_for(user).exists() and not user.get_all_permissions()
    assert AuditEvent.objects.filter(action="accounts.user_created", target="user=stranger").exists()
    # Refused everywhere, with the one Chinese page (JSON under /api/).
    for url in (reverse("portal:home"), reverse("portal:unit", args=["140121100000"]),
                reverse("portal:dashboard", args=["140121000000"]), reverse("accounts:users"),
                reverse("audit:log"), reverse("reports:index"), "/admin/", "/api/v1/units/", "/api/v1/units/140121100000/"):
        page = client.get(url)
        assert page.status_code == 403, f"{url} -> {page.status_code}"
        assert "您的账号尚未分配角色，请联系安全管理员" in page.content.decode(), url
        assert "清源镇" not in page.content.decode(), url
    assert client.get("/api/v1/units/").json() == {"detail": "您的账号尚未分配角色，请联系安全管理员"}


@pytest.mark.django_db
def test_it_asks_no_password_change_of_a_person_signed_in_by_the_provider(sso, people, settings, client):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    User.objects.filter(pk=people["county"].pk).update(date_joined=timezone.now() - timedelta(days=400),
                                                      must_change_password=True)
    Browser(client, sso).sign_in("county", PEOPLE["county"])
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and not response["Location"].startswith(reverse("accounts:password_change"))


@pytest.mark.django_db
def test_it_ends_the_provider_session_on_logout(sso, people, client):
    browser = Browser(client, sso)
    browser.sign_in("county", PEOPLE["county"])
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(f"{sso}/logout/") and "id_token_hint=" in end_session
    assert not get_user(client).is_authenticated
    back = browser.provider_get(end_session)
    assert back.status_code == 302 and back.headers["Location"] == AFTER_LOGOUT
    assert AuditEvent.objects.filter(action="auth.logout", actor=people["county"]).exists()
    # The provider session is gone too: signing in again asks for the password at the provider.
    again = browser.provider_get(client.get(reverse("accounts:oidc_start"))["Location"])
    assert again.status_code == 302 and "/login/" in again.headers["Location"]


@pytest.mark.django_db
def test_a_password_session_logs_out_locally_only(sso, people, client):
    client.post(reverse("accounts:login"), {"username": "county", "password": PASSWORD})
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and not response["Location"].startswith(sso)


@pytest.mark.django_db
def test_it_refuses_password_sign_in_when_turned_off(settings, people, client):
    settings.PASSWORD_LOGIN_ENABLED = False
    response = client.post(reverse("accounts:login"), {"username": "county", "password": PASSWORD})
    assert response.status_code == 200 and not get_user(client).is_authenticated
    assert "已关闭密码登录" in response.content.decode()
    admin = client.post(reverse("admin:login"), {"username": "admin", "password": PASSWORD})
    assert not get_user(client).is_authenticated and admin.status_code == 200


@pytest.mark.django_db
def test_the_sso_pages_do_not_exist_when_sso_is_not_configured(client):
    assert client.get(reverse("accounts:oidc_start")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback"), {"code": "x", "state": "y"}).status_code == 404
