"""安全设置: the security administrator edits the 等保 settings in /admin/; the effect is visible at
once; the other administrators may only read them, everyone else nothing; every change is audited
with old and new values; values below the 等保 floors are refused with Chinese field errors."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts import access, selectors, services
from apps.accounts.controls import mfa_required
from apps.accounts.models import SecuritySettings
from apps.accounts.passwords import ComplexityValidator, password_expired
from apps.core.models import AuditEvent
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

URL = "/admin/accounts/securitysettings/1/change/"
ADMINS = ["system_admin", "security_admin", "audit_admin"]


def form(**overrides):
    """A full, valid form post (the 等保 defaults), with ``overrides``."""
    data = {"password_min_length": 10, "password_max_age_days": 90, "password_login_enabled": "on",
            "mfa_required_roles": [*ADMINS, "county_official"], "lockout_failure_limit": 5,
            "lockout_minutes": 30, "session_idle_timeout_minutes": 30, "session_absolute_hours": 12,
            "pii_reveal_roles": ["county_official"], "audit_retention_days": 365}
    data.update(overrides)
    return data


def save(actor, **values):
    """Through the service. The tests' deployment requires no MFA (tests/conftest.py), which a saved
    row may not: the first save names the three administrators."""
    return services.security_settings_update(actor=actor, values={"mfa_required_roles": ADMINS, **values})


def login(username):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_it_reads_the_deployment_values_until_the_security_administrator_saves(settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES, settings.PII_REVEAL_ROLES = 17, ["auditor"]
    current = selectors.security_settings()
    assert not current.saved and current.session_idle_timeout_minutes == 17
    assert current.pii_reveal_roles == frozenset({"auditor"})


def test_it_shows_the_deployment_values_on_the_security_administrators_form(people, client_for, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 25
    client = client_for(people["security_admin"])
    assert client.get("/admin/accounts/securitysettings/").status_code == 200  # the list is the one page
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="session_idle_timeout_minutes" value="25"' in html and "空闲超时（分钟）" in html


def test_the_security_administrator_shortens_the_idle_timeout_and_sessions_follow(people, client_for, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        township = login("township")
        response = client_for(people["security_admin"]).post(URL, form(session_idle_timeout_minutes=10))
        assert response.status_code == 302, response.content.decode()[:3000]
        assert township.get(reverse("accounts:session_status")).json()["idle_seconds_left"] == 10 * 60
        clock.shift(11 * 60)  # within the deployment's 30 minutes, past the new 10
        response = township.get("/")
    assert response.status_code == 302 and "reason=idle" in response["Location"]
    assert selectors.security_settings().session_idle_timeout_minutes == 10


def test_it_audits_each_change_with_the_old_and_new_values(people, client_for, settings):
    settings.AUDIT_RETENTION_DAYS, settings.LOCKOUT_FAILURE_LIMIT = 365, 5
    client = client_for(people["security_admin"])
    client.post(URL, form(audit_retention_days=400, lockout_failure_limit=4))
    entry = AuditEvent.objects.get(action="accounts.security_settings_changed")
    assert entry.actor == people["security_admin"] and entry.role == "security_admin"
    assert entry.detail["changes"] == {"audit_retention_days": {"old": 365, "new": 400},
                                       "lockout_failure_limit": {"old": 5, "new": 4},
                                       # the tests' deployment requires no MFA (tests/conftest.py)
                                       "mfa_required_roles": {"old": [], "new": sorted([*ADMINS, "county_official"])}}
    assert SecuritySettings.objects.get().updated_by == people["security_admin"]
    # Saving the same values again changes and audits nothing.
    save(people["security_admin"], audit_retention_days=400, mfa_required_roles=[*ADMINS, "county_official"])
    assert AuditEvent.objects.filter(action="accounts.security_settings_changed").count() == 1


@pytest.mark.parametrize(("field", "value", "message"), [
    ("password_min_length", 6, "密码最短长度不能少于 8 个字符"),
    ("lockout_failure_limit", 20, "登录失败锁定次数不能超过 10 次"),
    ("audit_retention_days", 90, "审计日志保存期限不能少于 180 天"),
    ("session_idle_timeout_minutes", 2, "空闲超时不能少于 5 分钟"),
    ("session_idle_timeout_minutes", 240, "空闲超时不能超过 120 分钟"),
    ("password_max_age_days", 365, "密码有效期不能超过 180 天"),
    ("mfa_required_roles", ["county_official"], "必须启用双因素认证"),
    ("password_login_enabled", "", "未配置统一身份认证，不能关闭密码登录"),
])
def test_it_refuses_values_below_the_dengbao_floors_with_a_field_error(people, client_for, field, value, message):
    response = client_for(people["security_admin"]).post(URL, form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and message in errors[field][0]
    assert not SecuritySettings.objects.exists()
    assert not AuditEvent.objects.filter(action="accounts.security_settings_changed").exists()


def test_the_database_holds_the_floors_too(people):
    save(people["security_admin"], lockout_failure_limit=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        SecuritySettings.objects.update(lockout_failure_limit=20)
    with pytest.raises(IntegrityError), transaction.atomic():
        SecuritySettings.objects.create(id=2)


@pytest.mark.parametrize("name", ["admin", "audit_admin"])
def test_the_system_and_audit_administrators_may_only_read(people, client_for, name):
    client = client_for(people[name])
    assert client.get(URL).status_code == 200
    assert client.post(URL, form(session_idle_timeout_minutes=10)).status_code == 403
    assert not SecuritySettings.objects.exists()
    with pytest.raises(PermissionDenied):
        services.security_settings_update(actor=people[name], values={"session_idle_timeout_minutes": 10})


@pytest.mark.parametrize("name", ["county", "township", "auditor"])
def test_everyone_else_cannot_even_read(people, client_for, name):
    response = client_for(people[name]).get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    with pytest.raises(PermissionDenied):
        services.security_settings_update(actor=people[name], values={"session_idle_timeout_minutes": 10})


def test_the_saved_values_govern_passwords_lockout_mfa_and_pii(people, units, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = people["township"]
    user.password_changed_at = timezone.now() - timedelta(days=40)
    assert not password_expired(user)
    ComplexityValidator().validate("Abcdefg#1234")  # 12 characters: enough for the deployment's 10
    save(people["security_admin"], password_min_length=14, password_max_age_days=30, lockout_failure_limit=3,
         lockout_minutes=60, mfa_required_roles=[*ADMINS, "township_staff"], pii_reveal_roles=["auditor"])
    with pytest.raises(ValidationError, match="至少需要 14 个字符"):
        ComplexityValidator().validate("Abcdefg#1234")
    assert password_expired(user)
    assert selectors.lockout_failure_limit(None, {}) == 3 and selectors.lockout_cooloff() == timedelta(minutes=60)
    assert mfa_required(people["township"]) and not mfa_required(people["county"])
    township = units["140121100000"]
    assert access.may_reveal_personal_data(people["auditor"], township)
    assert not access.may_reveal_personal_data(people["county"], township)


def test_a_lockout_follows_the_saved_failure_limit(people, client, settings):
    settings.AXES_ENABLED = True
    save(people["security_admin"], lockout_failure_limit=3)
    for _ in range(3):
        client.post(reverse("accounts:login"), {"username": "county", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "county", "password": PASSWORD})
    assert response.status_code == 429 and "锁定" in response.content.decode()


def test_it_reads_once_per_request_and_again_after_a_save(people, django_assert_num_queries):
    with selectors.request_scope():
        with django_assert_num_queries(1):
            first = selectors.security_settings()
            assert selectors.security_settings() is first
        save(people["security_admin"], session_absolute_hours=8)
        assert selectors.security_settings().session_absolute_hours == 8
