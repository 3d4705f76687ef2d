"""The read-only catalog API under /api/v1/: documents, requirements, duties, per-unit applicability."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.policies.rules import quote_in


def test_it_lists_the_five_documents_with_scope_and_authority(people, catalog, client_for):
    body = client_for(people["township"]).get("/api/v1/policies/documents/").json()
    by_code = {d["code"]: d for d in body["results"]}
    assert set(by_code) == {"CN-2024", "SX-2025", "SX-2025-88", "TJ-2025", "BJ-2025"}
    assert by_code["SX-2025-88"]["binding"] is False and by_code["SX-2025-88"]["doc_number"] == "晋应急函〔2025〕88号"
    assert by_code["CN-2024"]["scope_province_code"] == "" and by_code["TJ-2025"]["scope_province_code"] == "120000000000"
    assert "text" not in by_code["CN-2024"]


def test_it_serves_a_document_with_its_clauses(people, catalog, client_for):
    body = client_for(people["auditor"]).get("/api/v1/policies/documents/TJ-2025/").json()
    clauses = {c["number"]: c["text"] for c in body["clauses"]}
    assert "每2年完成1次应急管理轮训" in clauses["(十四)"]
    assert quote_in(clauses["(十四)"], body["text"])


def test_it_serves_requirements_with_versions_and_citations(people, catalog, client_for):
    client = client_for(people["county"])
    body = client.get("/api/v1/policies/requirements/?limit=200").json()
    by_code = {r["code"]: r for r in body["results"]}
    assert body["count"] == len(by_code) >= 40
    drill = by_code["CN-DRILL-COMPREHENSIVE"]["versions"][0]
    assert drill["kind"] == "periodic_event" and drill["params"]["min_count"] == 1
    assert drill["levels"] == ["township", "village"] and drill["binding"] is True
    assert {(c["document"], c["clause"]) for c in drill["citations"]} == {
        ("CN-2024", "(十三)"), ("SX-2025", "十"), ("TJ-2025", "(十)"), ("BJ-2025", "（十）")}
    newest, first = client.get("/api/v1/policies/requirements/SX-SATCOM/").json()["versions"][:2]
    assert first["flags_any"] == ["high_natural_risk", "multi_hazard"]
    satcom = newest  # the 2026-12-01 correction: binding for 自然灾害综合风险高 only (措施十五)
    assert satcom["flags_any"] == ["high_natural_risk"] and satcom["scope_province_code"] == "140000000000"
    assert satcom["summary"] == "卫星通信终端/卫星电话合计不少于1处(台)"


def test_it_filters_requirements_by_topic_and_rejects_an_unknown_topic(people, catalog, client_for):
    client = client_for(people["county"])
    codes = {r["code"] for r in client.get("/api/v1/policies/requirements/?topic=team&limit=200").json()["results"]}
    assert {"SX-TEAM-TOWNSHIP", "TJ-TEAM-TOWNSHIP"} <= codes and "CN-DRILL-COMPREHENSIVE" not in codes
    response = client.get("/api/v1/policies/requirements/?topic=nonsense")
    assert response.status_code == 400 and "topic" in response.json()


def test_it_lists_duties_with_their_clause(people, catalog, client_for):
    body = client_for(people["township"]).get("/api/v1/policies/duties/?limit=200").json()
    patrol = next(d for d in body["results"] if d["code"] == "DUTY-CN-PATROL")
    assert (patrol["title"], patrol["document"], patrol["clause"]) == ("巡查巡护", "CN-2024", "(一)")


def test_it_answers_404_for_unknown_codes(people, catalog, client_for):
    client = client_for(people["county"])
    assert client.get("/api/v1/policies/documents/XX/").status_code == 404
    assert client.get("/api/v1/policies/requirements/XX/").status_code == 404


def test_it_explains_what_applies_to_a_unit_in_the_callers_jurisdiction(people, catalog, client_for):
    response = client_for(people["county"]).get("/api/v1/units/140121100202/requirements/?as_of=2026-06-30")
    assert response.status_code == 200
    body = response.json()
    assert body["unit"]["code"] == "140121100202" and body["unit"]["flags"] == ["high_natural_risk"]
    assert body["as_of"] == "2026-06-30"
    by_code = {r["code"]: r for r in body["requirements"]}
    assert "SX-SATCOM" in by_code and "CN-SATCOM" not in by_code and "TJ-TEAM-TOWNSHIP" not in by_code
    assert by_code["SX-TEAM-VILLAGE"]["version"]["deadline"] == "2027-12-31"
    assert any("自然灾害综合风险高" in reason for reason in by_code["SX-SATCOM"]["reasons"])
    assert by_code["SX-ADV-SHELTER-VILLAGE"]["version"]["binding"] is False
    assert "DUTY-CN-PATROL" in {d["code"] for d in body["duties"]}


def test_it_rejects_a_bad_as_of_date(people, catalog, client_for):
    response = client_for(people["county"]).get("/api/v1/units/140121100202/requirements/?as_of=2026-02-30")
    assert response.status_code == 400 and "as_of" in response.json()


@pytest.mark.parametrize("role,code", [("other_township", "140121100000"), ("tianjin_county", "140121100202"),
                                       ("township", "120118100000"), ("county", "999999999999")])
def test_it_refuses_an_outsider_the_applicability_of_a_unit(role, code, people, catalog, client_for):
    response = client_for(people[role]).get(f"/api/v1/units/{code}/requirements/")
    assert response.status_code == 404
    assert "requirements" not in response.json() and code not in response.content.decode()


def test_it_refuses_anonymous_callers(client, catalog, units):
    for url in ["/api/v1/policies/documents/", "/api/v1/policies/requirements/", "/api/v1/policies/duties/",
                "/api/v1/policies/requirements/CN-SATCOM/", "/api/v1/units/140121100000/requirements/"]:
        assert client.get(url).status_code in (401, 403), url


def test_it_serves_the_catalog_in_a_constant_number_of_queries(people, catalog, client_for):
    client = client_for(people["admin"])
    urls = ["/api/v1/policies/documents/", "/api/v1/policies/documents/CN-2024/", "/api/v1/policies/requirements/",
            "/api/v1/policies/requirements/CN-DRILL-COMPREHENSIVE/", "/api/v1/policies/duties/",
            "/api/v1/units/140121100202/requirements/?as_of=2026-06-30"]
    for url in urls:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200, url
        # Per request: session, user, account controls, the security settings (one read), then the
        # catalog's own few queries.
        assert len(ctx.captured_queries) <= 9, (url, len(ctx.captured_queries))
