"""等保 level-3 session controls and the forced password change (apps/accounts/controls.py)."""

import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.passwords import password_set
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Qingyuan#2027x"


def login(username, password=PASSWORD):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def test_it_is_on_by_default_without_debug(settings):
    # config/settings.py derives the defaults from ACCOUNT_CONTROLS = not DEBUG
    from config import settings as project

    assert project.ACCOUNT_CONTROLS is True and project.SESSION_IDLE_TIMEOUT_MINUTES == 30
    assert project.SESSION_ABSOLUTE_HOURS == 12 and project.SESSION_ONE_PER_ACCOUNT is True
    assert project.PASSWORD_MAX_AGE_DAYS == 90
    assert set(project.MFA_REQUIRED_ROLES) == {"system_admin", "security_admin", "audit_admin", "auditor",
                                               "county_official"}


def test_it_ends_the_older_session_and_tells_that_browser_why(people, settings):
    settings.SESSION_ONE_PER_ACCOUNT = True
    first = login("township")
    assert first.get("/", follow=True).status_code == 200
    second = login("township")
    response = first.get("/")
    assert response.status_code == 302 and "reason=replaced" in response["Location"]
    page = first.get(response["Location"]).content.decode()
    assert "您的账号已在其他位置登录" in page
    assert first.get("/").status_code == 302 and "/accounts/login/" in first.get("/")["Location"]
    assert second.get("/", follow=True).status_code == 200  # the new one goes on


def test_it_ends_an_idle_session_after_the_timeout(people, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        client = login("township")
        clock.shift(29 * 60)
        assert client.get("/").status_code == 302  # the workspace redirect: still logged in
        status = client.get(reverse("accounts:session_status")).json()
        assert status["idle_seconds_left"] == 30 * 60 and status["warning_seconds"] == 5 * 60
        clock.shift(31 * 60)
        response = client.get("/")
    assert "reason=idle" in response["Location"]
    assert "由于长时间未操作" in client.get(response["Location"]).content.decode()


def test_it_does_not_count_the_status_poll_as_activity(people, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    with time_machine.travel(time.time(), tick=False) as clock:
        client = login("township")
        clock.shift(20 * 60)
        assert client.get(reverse("accounts:session_status")).json()["idle_seconds_left"] == 10 * 60
        clock.shift(11 * 60)
        response = client.get(reverse("accounts:session_status"))
    assert response.status_code == 401 and "reason=idle" in response.json()["login_url"]


def test_it_ends_a_session_after_the_absolute_lifetime_despite_activity(people, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 30
    settings.SESSION_ABSOLUTE_HOURS = 12
    with time_machine.travel(time.time(), tick=False) as clock:
        client = login("township")
        for _ in range(24):
            clock.shift(29 * 60)
            assert "reason" not in client.get("/").get("Location", "")
        clock.shift(29 * 60)  # 12 h 29 min after login
        response = client.get("/")
    assert "reason=expired" in response["Location"]


def test_it_makes_a_user_whose_password_was_set_by_someone_else_change_it_first(people):
    user = people["township"]
    password_set(user=user, raw_password="Initial#Pass-1", by_self=False)
    client = login("township", "Initial#Pass-1")
    response = client.get("/evidence/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:password_change"))
    page = client.get(response["Location"]).content.decode()
    assert "首次登录须修改" in page
    response = client.post(reverse("accounts:password_change"), {
        "old_password": "Initial#Pass-1", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
        "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert client.get("/").status_code == 302 and "password" not in client.get("/")["Location"]


def test_it_forces_a_change_when_the_password_expired(people, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel("2026-01-01 08:00 +0800", tick=False) as clock:
        password_set(user=people["township"], raw_password="Initial#Pass-1", by_self=True)
        clock.move_to("2026-03-31 08:00 +0800")  # day 89
        assert "password" not in login("township", "Initial#Pass-1").get("/")["Location"]
        clock.move_to("2026-04-02 08:00 +0800")  # day 91
        client = login("township", "Initial#Pass-1")
        response = client.get("/")
        assert response["Location"].startswith(reverse("accounts:password_change"))
        assert "已超过有效期" in client.get(response["Location"]).content.decode()


def test_it_never_expires_an_account_without_a_local_password(people, settings):
    from apps.accounts.passwords import password_expired

    settings.PASSWORD_MAX_AGE_DAYS = 90
    user = people["township"]
    user.set_unusable_password()  # created by single sign-on
    with time_machine.travel("2030-01-01 08:00 +0800"):
        assert not password_expired(user)


def test_it_keeps_the_new_session_active_after_a_password_change(people, settings):
    settings.SESSION_ONE_PER_ACCOUNT = True
    client = login("township")
    client.post(reverse("accounts:password_change"), {
        "old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert "reason" not in client.get("/").get("Location", "")
    assert User.objects.get(username="township").current_session_key == client.session.session_key
