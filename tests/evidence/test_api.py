"""The evidence API: the same validation, access policy and services as the pages, and an
OpenAPI description that matches what the endpoints return."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator

from apps.evidence.api import serialize
from apps.evidence.kinds import KINDS
from apps.evidence.models import Drill, Person
from apps.evidence.serializers import record_serializer
from apps.evidence.services import record_create
from tests.evidence.helpers import PERSON_ROW, QINGYUAN, XUGOU, csv_bytes, make_id
from tests.evidence.test_importing import MODELS, ROWS

DRILL = {"unit_code": QINGYUAN, "held_on": "2026/3/10", "drill_type": "综合演练", "subject": "防汛演练"}


@pytest.fixture
def person(units, people, today):
    return record_create(kind="personnel", unit=units[QINGYUAN], actor=people["township"],
                         values={"name": "张三", "id_number": make_id(1), "phone": "13812345678",
                                 "category": "township_cadre", "appointed_on": date(2024, 3, 1), "left_on": None})


def test_it_creates_with_the_shared_validation(client_for, people, today):
    client = client_for(people["township"])
    response = client.post("/api/v1/evidence/drills/", DRILL, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["held_on"], body["drill_type"], body["labels"]["drill_type"]) == ("2026-03-10", "comprehensive",
                                                                                   "综合演练")
    assert (body["review_status"], body["source"]) == ("submitted", "api")
    bad = client.post("/api/v1/evidence/drills/", {**DRILL, "held_on": "2026-07-01", "participants": "0"},
                      content_type="application/json")
    assert bad.status_code == 400
    assert bad.json() == {"held_on": ["演练日期：日期不能晚于今天（2026-06-30）"], "participants": ["参演人数：不能小于 1"]}
    assert Drill.objects.count() == 1


def test_it_records_which_campaign_a_publicity_record_belongs_to(client_for, people, today):
    client = client_for(people["township"])
    record = {"unit_code": QINGYUAN, "doc_type": "publicity", "title": "安全生产月宣传", "dated": "2026-06-10"}
    missing = client.post("/api/v1/evidence/documents/", record, content_type="application/json")
    assert (missing.status_code, list(missing.json())) == (400, ["campaign"])
    response = client.post("/api/v1/evidence/documents/", {**record, "campaign": "safety_month"},
                           content_type="application/json")
    assert response.status_code == 201, response.json()
    assert (response.json()["campaign"], response.json()["labels"]["campaign"]) == ("safety_month", "安全生产月")


def test_it_updates_and_soft_deletes(client_for, people, today):
    client = client_for(people["township"])
    pk = client.post("/api/v1/evidence/drills/", DRILL, content_type="application/json").json()["id"]
    patched = client.patch(f"/api/v1/evidence/drills/{pk}/", {"subject": "地震演练"}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["subject"] == "地震演练"
    assert client.delete(f"/api/v1/evidence/drills/{pk}/", content_type="application/json").status_code == 400
    assert client.delete(f"/api/v1/evidence/drills/{pk}/?reason=重复").status_code == 204
    drill = Drill.objects.get()
    assert (drill.delete_reason, drill.deleted_by) == ("重复", people["township"])
    assert client.get("/api/v1/evidence/drills/").json()["count"] == 0
    assert client.get("/api/v1/evidence/drills/?status=deleted").json()["results"][0]["deleted"] is True


def test_it_lets_the_county_verify_and_return(client_for, people, today):
    pk = client_for(people["township"]).post("/api/v1/evidence/drills/", DRILL,
                                             content_type="application/json").json()["id"]
    county = client_for(people["county"])
    url = f"/api/v1/evidence/drills/{pk}/review/"
    assert county.post(url, {"decision": "return", "revision": 1}, content_type="application/json").json() == {
        "note": ["退回时请填写原因"]}
    returned = county.post(url, {"decision": "return", "note": "缺照片"}, content_type="application/json",
                           headers={"If-Match": '"1"'})
    assert (returned.json()["review_status"], returned.json()["review_note"]) == ("returned", "缺照片")
    assert returned["ETag"] == '"2"'
    township = client_for(people["township"])
    township.patch(f"/api/v1/evidence/drills/{pk}/", {"subject": "防汛演练（补照片）"}, content_type="application/json",
                   headers={"If-Match": '"2"'})
    verified = client_for(people["county"]).post(url, {"decision": "verify", "revision": 3},
                                                  content_type="application/json").json()
    assert verified["review_status"] == "verified" and verified["review_note"] == ""
    assert county.post("/api/v1/evidence/drills/", DRILL, content_type="application/json").status_code == 404


def test_it_refuses_review_to_township_staff(client_for, people, today):
    client = client_for(people["township"])
    pk = client.post("/api/v1/evidence/drills/", DRILL, content_type="application/json").json()["id"]
    assert client.post(f"/api/v1/evidence/drills/{pk}/review/", {"decision": "verify", "revision": 1},
                       content_type="application/json").status_code == 403


def test_it_refuses_the_outsider(client_for, people, person):
    client = client_for(people["other_township"])
    url = f"/api/v1/evidence/personnel/{person.pk}/"
    for response in (client.get(url), client.patch(url, {"name": "改"}, content_type="application/json"),
                     client.delete(url + "?reason=x"),
                     client.post(url + "review/", {"decision": "verify"}, content_type="application/json")):
        assert response.status_code == 404
        assert "张三" not in response.content.decode()
    assert client.get("/api/v1/evidence/personnel/").json()["count"] == 0
    assert client.get(f"/api/v1/evidence/personnel/?unit={QINGYUAN}").status_code == 404
    created = client.post("/api/v1/evidence/drills/", DRILL, content_type="application/json")
    assert created.status_code == 404 and Drill.objects.count() == 0
    person.refresh_from_db()
    assert (person.name, person.deleted_at) == ("张三", None)


def test_it_refuses_anonymous_callers(client, person):
    assert client.get("/api/v1/evidence/personnel/").status_code in (401, 403)


def test_it_masks_personal_data_except_for_the_own_township(client_for, people, person):
    own = client_for(people["township"]).get(f"/api/v1/evidence/personnel/{person.pk}/").json()
    assert (own["id_number"], own["phone"]) == (make_id(1), "13812345678")
    county = client_for(people["county"]).get(f"/api/v1/evidence/personnel/{person.pk}/").json()
    assert county["id_number"] == make_id(1)[:3] + "*" * 11 + make_id(1)[-4:] and county["phone"] == "138****5678"


def test_it_lists_with_a_constant_number_of_queries(client_for, people, units, today, django_assert_max_num_queries):
    client = client_for(people["county"])
    values = {"drill_type": "comprehensive", "subject": "演练", "participants": None, "evaluation": ""}
    record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                  values={**values, "held_on": date(2026, 1, 1)})
    client.get("/api/v1/evidence/drills/")
    with django_assert_max_num_queries(10) as few:
        client.get("/api/v1/evidence/drills/")
    for day in range(2, 22):
        record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                      values={**values, "held_on": date(2026, 1, day)})
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/api/v1/evidence/drills/").json()["count"] == 21


def test_it_imports_a_posted_file_all_or_nothing(client_for, people, today):
    client = client_for(people["township"])
    ok = client.post("/api/v1/evidence/import/",
                     {"kind": "personnel", "file": SimpleUploadedFile("p.csv", csv_bytes("personnel", [PERSON_ROW]))})
    assert ok.status_code == 201 and ok.json()["created"] == 1
    bad = client.post("/api/v1/evidence/import/", {"kind": "drills", "file": SimpleUploadedFile(
        "d.csv", csv_bytes("drills", [ROWS["drills"][0], [XUGOU, "2026-03-10", "综合演练", "科目", "", ""]]))})
    assert bad.status_code == 400
    assert bad.json()["errors"] == [{"row": 3, "column": "单位代码", "message": f"单位代码 {XUGOU} 不存在或不在您的填报范围内"}]
    assert Drill.objects.count() == 0 and Person.objects.count() == 1
    auditor = client_for(people["auditor"])
    assert auditor.post("/api/v1/evidence/import/", {"kind": "personnel"}).status_code == 403


# -- the OpenAPI contract ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_it_returns_exactly_the_documented_fields(kind, people, units, today):
    from apps.evidence.importing import import_records

    if kind == "trainings":
        assert import_records(kind="personnel", data=csv_bytes("personnel", [PERSON_ROW]), actor=people["township"]).ok
    assert import_records(kind=kind, data=csv_bytes(kind, ROWS[kind]), actor=people["township"]).ok
    body = serialize(KINDS[kind], MODELS[kind].objects.first(), people["county"])
    documented = record_serializer(kind)()
    assert set(body) == set(documented.fields)
    assert set(body["labels"]) == set(getattr(documented.fields["labels"], "fields", {}))  # {} without enumerations


def test_it_describes_every_operation_with_a_unique_id():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [(path, method, op) for path, item in schema["paths"].items() if "/evidence/" in path
                  for method, op in item.items() if method != "parameters"]
    ids = [op["operationId"] for _, _, op in operations]
    assert len(ids) == len(set(ids)) == 1 + 7 * len(KINDS)
    assert "evidence_roster_create" in ids and "evidence_import" in ids
    drills = schema["paths"]["/api/v1/evidence/drills/"]["post"]
    assert drills["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/DrillsRecordCreate")
    created = drills["responses"]["201"]["content"]["application/json"]["schema"]["$ref"]
    assert created.endswith("/DrillsRecord")
    assert set(schema["components"]["schemas"]["DrillsRecordCreate"]["required"]) == {
        "unit_code", "held_on", "drill_type", "subject"}
