"""Catalog, requirement, per-unit and comparison pages: Chinese, every role, access policy."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_unit

ROLES = ["county", "township", "other_township", "auditor", "tianjin_county", "admin"]


@pytest.mark.parametrize("role", ROLES)
def test_it_renders_the_catalog_and_comparison_in_chinese_for_every_role(role, people, catalog, client_for):
    client = client_for(people[role])
    page = client.get("/policies/").content.decode()
    assert "政策规则库" in page and "CN-DRILL-COMPREHENSIVE" in page and "每年至少1次综合演练" in page
    compare = client.get("/policies/compare/?as_of=2026-06-30").content.decode()
    assert "中央与各省要求对比" in compare and "山西省" in compare and "天津市" in compare and "北京市" in compare
    assert "乡镇组建不少于30人的综合应急救援队伍" in compare


@pytest.mark.parametrize("role", ROLES)
def test_it_renders_document_and_requirement_pages_for_every_role(role, people, catalog, client_for):
    client = client_for(people[role])
    doc = client.get("/policies/documents/TJ-2025/").content.decode()
    assert "(十四)" in doc and "TJ-TRAIN-TOWNSHIP-CADRE" in doc
    req = client.get("/policies/requirements/SX-TEAM-TOWNSHIP/").content.decode()
    assert "第1版" in req and "2027-12-31" in req and "山西若干措施八" in req


@pytest.mark.parametrize("role,code", [("county", "140121100202"), ("township", "140121100000"),
                                       ("auditor", "140121101201"), ("tianjin_county", "120118100000"),
                                       ("admin", "110116100000")])
def test_it_shows_a_unit_its_requirements_and_why(role, code, people, catalog, client_for):
    response = client_for(people[role]).get(f"/policies/unit/{code}/?as_of=2026-06-30")
    assert response.status_code == 200
    page = response.content.decode()
    assert "适用的要求" in page and "适用范围：全国" in page and "CN-DRILL-COMPREHENSIVE" in page


def test_it_hides_another_units_applicability_from_an_outsider(people, catalog, client_for):
    client = client_for(people["other_township"])
    assert client.get("/policies/unit/140121100000/").status_code == 404
    assert client.get("/policies/unit/120118100000/").status_code == 404
    assert client.get("/policies/unit/999999999999/").status_code == 404
    assert client_for(people["tianjin_county"]).get("/policies/unit/140121100202/").status_code == 404


def test_it_sends_anonymous_visitors_to_login(client, catalog):
    for url in ["/policies/", "/policies/compare/", "/policies/unit/140121100000/", "/policies/requirements/CN-SATCOM/"]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_it_answers_404_for_unknown_documents_and_requirements(people, catalog, client_for):
    client = client_for(people["county"])
    assert client.get("/policies/documents/XX/").status_code == 404
    assert client.get("/policies/requirements/XX/").status_code == 404


def test_it_reports_a_bad_date_and_uses_today(people, catalog, client_for):
    page = client_for(people["county"]).get("/policies/?as_of=2026-13-45").content.decode()
    assert "日期格式应为 YYYY-MM-DD" in page and "已按今天" in page


def test_it_renders_pages_in_a_constant_number_of_queries(people, catalog, client_for, units):
    client = client_for(people["admin"])
    urls = ["/policies/", "/policies/compare/", "/policies/unit/140121100202/", "/policies/documents/CN-2024/",
            "/policies/requirements/CN-DRILL-COMPREHENSIVE/"]
    counts = {}
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    for i in range(5):
        make_unit(f"140121100{400 + i}", f"测试村{i}", "village", units["140121100000"], "high_natural_risk")
    for url in urls:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        assert len(ctx.captured_queries) == counts[url], url
        assert counts[url] <= 12, (url, counts[url])
