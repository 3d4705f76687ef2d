"""Login in Chinese, lockout, role-scoped pages and API."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_serves_the_login_page_in_chinese(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录" in body and "用户名" in body and 'lang="zh-hans"' in body


def test_it_redirects_anonymous_users_to_login(client):
    response = client.get("/")
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_it_logs_in_with_the_right_password(client, people):
    response = client.post(reverse("accounts:login"), {"username": "county", "password": PASSWORD})
    assert response.status_code == 302


def test_it_locks_out_after_repeated_failures(client, people, settings):
    settings.AXES_ENABLED = True
    for _ in range(settings.LOCKOUT_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "county", "password": "wrong"})
    response = client.post(reverse("accounts:login"), {"username": "county", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_units_api_lists_only_the_callers_subtree(client_for, people):
    data = client_for(people["township"]).get("/api/v1/units/?limit=100").json()
    assert {u["code"] for u in data["results"]} == {"140121100000", "140121100201", "140121100202"}


@pytest.mark.parametrize("role", ["county", "township", "auditor", "tianjin_county"])
def test_units_api_refuses_a_unit_outside_the_subtree(client_for, people, role):
    outside = {"county": "120118100000", "township": "140121101000", "auditor": "110116100000",
               "tianjin_county": "140121100000"}[role]
    response = client_for(people[role]).get(f"/api/v1/units/{outside}/")
    assert response.status_code == 404
    assert outside not in response.content.decode()


def test_units_api_refuses_anonymous_callers(client, units):
    assert client.get("/api/v1/units/").status_code in (401, 403)


def test_only_administrators_may_import_the_hierarchy(client_for, people):
    assert client_for(people["county"]).get(reverse("jurisdictions:import")).status_code == 403
    assert client_for(people["admin"]).get(reverse("jurisdictions:import")).status_code == 200


def test_the_web_import_shows_row_errors_and_saves_nothing(client_for, people):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.jurisdictions.models import Unit

    before = Unit.objects.count()
    bad = "code,name,level,parent_code\n150000000000,内蒙古自治区,province,\n150100000000,呼和浩特市,city,159900000000\n"
    response = client_for(people["admin"]).post(
        reverse("jurisdictions:import"), {"file": SimpleUploadedFile("u.csv", bad.encode("gb18030"))}
    )
    body = response.content.decode()
    assert response.status_code == 200 and "未保存任何数据" in body and "<td>3</td>" in body
    assert Unit.objects.count() == before


def test_a_county_official_sees_the_townships_of_the_county(client_for, people):
    body = client_for(people["county"]).get("/", follow=True).content.decode()
    assert "清源镇" in body and "徐沟镇" in body
    assert "静海镇" not in body


def test_township_staff_see_only_their_own_township(client_for, people):
    body = client_for(people["township"]).get("/", follow=True).content.decode()
    assert "清源镇" in body
    assert "徐沟镇" not in body and "北关村" not in body
