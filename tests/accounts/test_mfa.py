"""TOTP two-factor authentication by role, recovery codes, and the security administrator's reset."""

import re
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mfa_on(settings):
    settings.MFA_REQUIRED_ROLES = ["county_official", "auditor", "system_admin", "security_admin", "audit_admin"]


def code_for(secret_b32: str, at: float | None = None) -> str:
    import base64

    totp = TOTP(base64.b32decode(secret_b32), step=30, digits=6)
    totp.time = at or time.time()
    return f"{totp.token():06d}"


def login(username):
    client = Client()
    assert client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD}).status_code == 302
    return client


def enrol(client):
    page = client.get(reverse("accounts:mfa")).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7=]+)<', page).group(1)
    response = client.post(reverse("accounts:mfa"), {"token": code_for(secret), "next": "/"})
    codes = re.findall(r"<li><code>([^<]+)</code></li>", response.content.decode())
    return secret, codes


def test_it_sends_a_county_official_to_set_up_totp_before_anything_else(people):
    client = login("county")
    response = client.get("/compliance/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:mfa"))
    assert client.get("/api/v1/units/").status_code == 403  # nor the API through the session
    secret, codes = enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/", follow=True).status_code == 200
    assert "accounts/mfa" not in client.get("/")["Location"]
    assert AuditEvent.objects.filter(action__startswith="accounts.mfa_device", actor=people["county"]).exists()


def test_it_asks_for_a_code_at_every_later_login_and_refuses_a_wrong_one(people):
    with time_machine.travel(time.time(), tick=False) as clock:
        secret, _ = enrol(login("county"))
        clock.shift(60)
        client = login("county")
        assert client.get("/")["Location"].startswith(reverse("accounts:mfa"))
        response = client.post(reverse("accounts:mfa"), {"token": "000000" if code_for(secret) != "000000" else "1"})
        assert "验证码不正确" in response.content.decode()
        clock.shift(60)  # past the throttle delay of the failure
        response = client.post(reverse("accounts:mfa"), {"token": code_for(secret), "next": "/compliance/"})
    assert response.status_code == 302 and response["Location"] == "/compliance/"


def test_it_accepts_a_recovery_code_once(people):
    _, codes = enrol(login("county"))
    first = login("county")
    assert first.post(reverse("accounts:mfa"), {"token": codes[0]}).status_code == 302
    second = login("county")
    response = second.post(reverse("accounts:mfa"), {"token": codes[0]})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()
    assert AuditEvent.objects.filter(action="accounts.mfa_recovery_code_used").count() == 1


def test_it_regenerates_the_recovery_codes_and_the_old_ones_stop_working(people):
    client = login("county")
    _, old = enrol(client)
    assert "重新生成恢复码" in client.get(reverse("accounts:password_change")).content.decode()
    response = client.post(reverse("accounts:mfa_recovery_codes"))
    new = re.findall(r"<li><code>([^<]+)</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old) and "no-store" in response["Cache-Control"]
    with time_machine.travel(time.time(), tick=False) as clock:
        assert login("county").post(reverse("accounts:mfa"), {"token": old[1]}).status_code == 200  # refused
        clock.shift(60)  # past the throttle delay of that failure
        assert login("county").post(reverse("accounts:mfa"), {"token": new[0]}).status_code == 302
    assert AuditEvent.objects.filter(action="accounts.mfa_recovery_codes_regenerated").count() == 1


def test_it_does_not_ask_township_staff(people):
    client = login("township")
    assert "accounts/mfa" not in client.get("/")["Location"]


def test_the_security_administrator_resets_a_lost_device_and_it_is_audited(people, client_for):
    enrol(login("county"))
    admin = client_for(people["security_admin"])
    enrol(admin)  # the administrator passes their own TOTP check first (MFA is on for their role)
    response = admin.post("/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [people["county"].pk]},
                          follow=True)
    assert "已重置 1 个账号的双因素认证设备" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=people["county"]).exists()
    event = AuditEvent.objects.get(action="accounts.mfa_reset")
    assert event.actor == people["security_admin"] and event.detail["username"] == "county"
    # The next login sets up a new device.
    assert login("county").get("/")["Location"].startswith(reverse("accounts:mfa"))
    page = login("county").get(reverse("accounts:mfa")).content.decode()
    assert 'id="totp-secret"' in page


def test_the_system_administrator_cannot_reset_devices(people, client_for):
    enrol(login("county"))
    admin = client_for(people["admin"])
    enrol(admin)
    admin.post("/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [people["county"].pk]})
    assert TOTPDevice.objects.filter(user=people["county"]).exists()
