"""Hostile input the fuzzer (test_fuzz.py) rarely draws, pinned as regressions: NUL characters
(PostgreSQL cannot store them: psycopg2 raised and the API answered 500, while SQLite stored them)
and paths no route matches (Django's HTML 404 page instead of the API's JSON)."""

import json
from urllib.parse import urlencode

import pytest

from apps.evidence.models import Drill, Facility

DRILL = {"unit_code": "140121100000", "held_on": "2026-03-10", "drill_type": "综合演练", "subject": "防汛演练"}


@pytest.mark.parametrize("url", [
    "/api/v1/units/?under=1401%0021100000",
    "/api/v1/units/1401%0021100000/",
    "/api/v1/units/1%00/evaluation/",
    "/api/v1/units/1%00/overdue/",
    "/api/v1/evidence/drills/?unit=%00",
    "/api/v1/policies/documents/a%00/",
    "/api/v1/policies/requirements/a%00/",
])
def test_it_refuses_a_nul_character_in_a_path_or_query_without_a_server_error(url, people, api_client):
    response = api_client(people["township"]).get(url)
    assert response.status_code in (400, 404), f"{url} -> {response.status_code}"
    assert "detail" in response.json()


@pytest.mark.parametrize("body", [{**DRILL, "subject": "防汛\x00演练"}, {**DRILL, "unit_code": "1401\x0021100000"}])
@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded",
                                          "multipart/form-data"])
def test_it_refuses_a_nul_character_in_a_body_on_every_database_and_saves_nothing(body, content_type, people,
                                                                                 units, api_client):
    client = api_client(people["township"])
    if content_type == "multipart/form-data":
        response = client.post("/api/v1/evidence/drills/", body)
    elif content_type == "application/json":
        response = client.post("/api/v1/evidence/drills/", body, content_type=content_type)
    else:
        response = client.post("/api/v1/evidence/drills/", urlencode(body), content_type=content_type)
    assert response.status_code == 400, response.content
    assert "U+0000" in response.json()["detail"]
    assert not Drill.objects.exists()


def test_it_accepts_a_text_that_merely_shows_an_escaped_nul(people, units, api_client):
    body = json.dumps({**DRILL, "subject": "字面量 \\u0000 不是空字符"})
    response = api_client(people["township"]).post("/api/v1/evidence/drills/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Drill.objects.get().subject == "字面量 \\u0000 不是空字符"


@pytest.mark.parametrize("url", ["/api/v1/evidence/drills/-1/", "/api/v1/no-such-thing/", "/api/v1/units/x/y/z/"])
def test_it_answers_json_404_for_paths_no_route_matches(url, people, api_client):
    response = api_client(people["township"]).get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "未找到。"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_path_without_its_trailing_slash_gets_a_404_naming_the_right_path(method, people, api_client):
    # Not a redirect: a 301 would turn a POST into a GET and drop its body.
    response = getattr(api_client(people["township"]), method)("/api/v1/evidence/drills")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到。路径应以 / 结尾：/api/v1/evidence/drills/"}


@pytest.mark.parametrize("quantity, status", [(2**31 - 1, 201), (2**31, 400), (10**30, 400)])
def test_it_refuses_a_number_too_large_for_the_column_on_every_database(quantity, status, people, units,
                                                                         api_client):
    # Found by test_fuzz.py on PostgreSQL: "integer out of range" was a 500 (SQLite stored the value).
    body = {"unit_code": "140121100000", "facility_type": "卫星电话", "name": "北斗卫星电话", "quantity": quantity,
            "in_service_from": "2024-05-01"}
    response = api_client(people["township"]).post("/api/v1/evidence/facilities/", body,
                                                    content_type="application/json")
    assert response.status_code == status, response.content
    if status == 400:
        assert response.json() == {"quantity": ["数量：数值过大"]}
        assert not Facility.objects.exists()
