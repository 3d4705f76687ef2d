"""Web hardening: CSRF on every POST, lockout, open redirects, cookie flags, security headers,
and attachments that can never be served as a page."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.evidence.importing import import_records
from apps.evidence.models import Attachment, Person
from tests.evidence.helpers import PERSON_ROW, QINGYUAN, csv_bytes
from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARGS = {"code": QINGYUAN, "kind": "personnel", "pk": 1, "token": "x" * 20, "path": "x"}


def _routes(patterns=None, prefix=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def _path(route: str) -> str | None:
    import re

    if route.startswith("^") or "(?P" in route:
        return None  # admin regex routes: covered by Django's own CSRF tests
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ARGS.get(m.group(1), "x")), route)


def test_it_enforces_csrf_on_every_post_route(units, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["admin"], backend="django.contrib.auth.backends.ModelBackend")
    checked = []
    for route, _ in _routes():
        path = _path(route)
        if path is None:
            continue
        response = client.post(path, {"x": "1"})
        assert response.status_code in (403, 404, 405), (path, response.status_code)
        if response.status_code == 403:
            checked.append(path)
    assert len(checked) > 20  # the test really reached the views (not all 404)
    assert "/evidence/import/" in checked and "/accounts/login/" in checked


def test_it_locks_out_after_five_failures_even_with_the_right_password(people, settings):
    settings.AXES_ENABLED = True
    client = Client()
    for _ in range(settings.LOCKOUT_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "township", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "township", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "http:evil.example", " https://evil.example/"])
def test_it_refuses_an_open_redirect_after_login(people, target):
    response = Client().post(reverse("accounts:login") + "?next=" + target,
                             {"username": "township", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_it_sends_security_headers_on_pages(people, client_for):
    response = client_for(people["county"]).get(reverse("portal:home"), follow=True)
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_it_sets_secure_cookie_flags_in_production_settings():
    code = ("from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
            "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)")
    env = {"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false", "HTTPS": "true",
           "SECRET_KEY": "a-long-production-secret-5d1f9b0e2c7a4f6e8b3d0a9c1e7f2b4d6a8c0e2",
           "ALLOWED_HOSTS": "portal.example.gov.cn", "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "True", "True", "True", "False"]


# -- attachments --------------------------------------------------------------------------------
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def person(units, people, today):
    assert import_records(kind="personnel", data=csv_bytes("personnel", [PERSON_ROW]), actor=people["township"]).ok
    return Person.objects.get()


def _upload(client, person, name, data):
    return client.post(reverse("evidence:attachment_upload", args=["personnel", person.pk]),
                       {"file": SimpleUploadedFile(name, data, content_type="image/png")}, follow=True)


@pytest.mark.parametrize("name,data", [
    ("evil.html", b"<html><script>alert(1)</script></html>"),
    ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("photo.png", b"<html><script>alert(1)</script></html>"),  # lies about its type
])
def test_it_refuses_scriptable_attachments_whatever_their_name(person, people, client_for, name, data):
    response = _upload(client_for(people["township"]), person, name, data)
    assert "只接受 JPEG、PNG 图片或 PDF 文件" in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_refuses_an_oversize_attachment(person, people, client_for, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = _upload(client_for(people["township"]), person, "big.png", PNG + b"\x00" * 2048)
    assert "附件不能超过" in response.content.decode()
    assert not Attachment.objects.exists()


def test_it_stores_a_traversal_filename_under_a_random_name(person, people, client_for, settings):
    _upload(client_for(people["township"]), person, "../../../etc/passwd\\..\\x<script>.png", PNG)
    attachment = Attachment.objects.get()
    assert attachment.original_name == "xscript.png"
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert ".." not in attachment.file.name and "passwd" not in attachment.file.name


def test_it_serves_attachments_only_as_sandboxed_downloads(person, people, client_for):
    _upload(client_for(people["township"]), person, "a.png", PNG)
    attachment = Attachment.objects.get()
    assert attachment.content_type == ContentType.objects.get_for_model(Person)
    response = client_for(people["county"]).get(reverse("evidence:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_it_refuses_an_attachment_to_an_outsider(person, people, client_for):
    _upload(client_for(people["township"]), person, "a.png", PNG)
    attachment = Attachment.objects.get()
    response = client_for(people["other_township"]).get(reverse("evidence:attachment", args=[attachment.pk]))
    assert response.status_code == 404
    assert PNG not in response.content
