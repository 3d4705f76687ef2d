"""Behind a reverse proxy: django-axes locks out the client named by a trusted proxy's
X-Forwarded-For, not the proxy (before, everyone behind it shared one lockout); a client that is
not a trusted proxy cannot choose its address with the header."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.core.proxies import client_ip
from tests.factories import PASSWORD

PROXY, ATTACKER, COLLEAGUE = "10.0.0.2", "203.0.113.7", "198.51.100.9"


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]


def _login(remote: str, forwarded: str | None, password: str):
    headers = {"REMOTE_ADDR": remote}
    if forwarded:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post(reverse("accounts:login"), {"username": "township", "password": password}, **headers)


def test_it_locks_out_the_client_behind_the_proxy_not_everyone_behind_it(people, lockout, settings):
    for _ in range(settings.LOCKOUT_FAILURE_LIMIT):
        _login(PROXY, ATTACKER, "wrong")
    assert _login(PROXY, ATTACKER, PASSWORD).status_code == 429  # the attacker is locked out
    assert _login(PROXY, COLLEAGUE, PASSWORD).status_code == 302  # a colleague behind the same proxy is not


def test_it_ignores_x_forwarded_for_from_a_client_that_is_not_a_trusted_proxy(people, lockout, settings):
    for n in range(settings.LOCKOUT_FAILURE_LIMIT):
        _login(ATTACKER, f"192.0.2.{n}", "wrong")  # a new made-up address each time
    assert _login(ATTACKER, "192.0.2.99", PASSWORD).status_code == 429


def _meta(remote, forwarded=""):
    return type("R", (), {"META": {"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded}})()


def test_it_reads_the_client_through_a_chain_of_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24", "172.18.0.5"]
    assert client_ip(_meta("10.0.0.2", f"192.0.2.1, {ATTACKER}, 172.18.0.5")) == ATTACKER  # spoofed hop ignored
    assert client_ip(_meta("10.0.0.2", "")) == "10.0.0.2"
    assert client_ip(_meta("10.0.0.2", "not-an-address")) == "10.0.0.2"
    settings.TRUSTED_PROXIES = []
    assert client_ip(_meta(PROXY, ATTACKER)) == PROXY
