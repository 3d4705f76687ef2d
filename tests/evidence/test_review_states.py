"""Reviews are a state machine over a revision (issue 12, "Reviews need a state machine and a
version"): submitted → verified, submitted → returned, returned → submitted by an edit; a review
or an edit based on a stale revision answers 409 (API) or a Chinese message (page) and changes
nothing; an edit that changes nothing writes nothing."""

from datetime import date

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.evidence.models import Drill
from apps.evidence.services import record_create
from tests.evidence.helpers import QINGYUAN

DRILL_VALUES = {"held_on": date(2026, 3, 10), "drill_type": "comprehensive", "subject": "防汛演练",
                "participants": 30, "evaluation": ""}
JSON = "application/json"


@pytest.fixture
def drill(units, people, today):
    return record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"], values=DRILL_VALUES)


def _url(drill, review=False):
    return f"/api/v1/evidence/drills/{drill.pk}/" + ("review/" if review else "")


def _state(drill):
    drill.refresh_from_db()
    return drill.review_status, drill.revision, drill.history.count()


def test_it_refuses_a_verify_of_content_changed_after_the_reviewer_read_it(client_for, people, drill):
    county_saw = client_for(people["county"]).get(_url(drill))["ETag"]
    assert county_saw == '"1"'
    township = client_for(people["township"])
    assert township.patch(_url(drill), {"participants": 300}, content_type=JSON).status_code == 200
    before = _state(drill)
    county = client_for(people["county"])
    response = county.post(_url(drill, True), {"decision": "verify"}, content_type=JSON,
                           headers={"If-Match": county_saw})
    assert response.status_code == 409 and response.json()["code"] == "stale_revision"
    assert "已被他人修改或审核" in response.json()["detail"]
    assert _state(drill) == before and before[0] == "submitted"
    assert not AuditEvent.objects.filter(action="evidence.verify").exists()


def test_it_lets_only_the_first_of_two_reviewers_of_the_same_revision_decide(client_for, people, drill):
    county = client_for(people["county"])
    first = county.post(_url(drill, True), {"decision": "verify"}, content_type=JSON, headers={"If-Match": '"1"'})
    assert first.status_code == 200 and first["ETag"] == '"2"'
    second = county.post(_url(drill, True), {"decision": "return", "note": "缺签到表"}, content_type=JSON,
                         headers={"If-Match": '"1"'})
    assert second.status_code == 409
    drill.refresh_from_db()
    assert (drill.review_status, drill.review_note) == ("verified", "")


def test_it_verifies_a_returned_record_only_after_an_edit_resubmits_it(client_for, people, drill):
    county = client_for(people["county"])
    county.post(_url(drill, True), {"decision": "return", "note": "缺签到表", "revision": 1}, content_type=JSON)
    refused = county.post(_url(drill, True), {"decision": "verify", "revision": 2}, content_type=JSON)
    assert refused.status_code == 409 and refused.json()["code"] == "invalid_transition"
    assert _state(drill)[:2] == ("returned", 2)
    edited = client_for(people["township"]).patch(_url(drill), {"evaluation": "已补签到表"}, content_type=JSON,
                                                  headers={"If-Match": '"2"'})
    assert (edited.json()["review_status"], edited.json()["review_note"]) == ("submitted", "缺签到表")
    verified = client_for(people["county"]).post(_url(drill, True), {"decision": "verify", "revision": 3},
                                                  content_type=JSON)
    assert verified.status_code == 200 and verified.json()["review_status"] == "verified"


def test_it_changes_nothing_on_an_edit_that_changes_nothing(client_for, people, drill):
    client_for(people["county"]).post(_url(drill, True), {"decision": "verify", "revision": 1}, content_type=JSON)
    township = client_for(people["township"])
    before = _state(drill)
    events = AuditEvent.objects.count()
    response = township.patch(_url(drill), {"subject": "防汛演练", "participants": "30"}, content_type=JSON)
    assert response.status_code == 200 and response.json()["review_status"] == "verified"
    assert _state(drill) == before
    assert AuditEvent.objects.count() == events
    # The edit page too: saving the form untouched keeps the verified status and writes no history.
    page = township.post(reverse("evidence:update", args=["drills", drill.pk]),
                         {"held_on": "2026-03-10", "drill_type": "comprehensive", "subject": "防汛演练",
                          "participants": "30", "evaluation": "", "revision": before[1]}, follow=True)
    assert "内容没有变化" in page.content.decode()
    assert _state(drill) == before


def test_it_refuses_a_stale_edit_on_the_api_and_keeps_the_newer_content(client_for, people, drill):
    township = client_for(people["township"])
    assert township.patch(_url(drill), {"subject": "防汛演练（甲）"}, content_type=JSON,
                          headers={"If-Match": '"1"'}).status_code == 200
    stale = township.patch(_url(drill), {"subject": "防汛演练（乙）"}, content_type=JSON, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    drill.refresh_from_db()
    assert (drill.subject, drill.revision) == ("防汛演练（甲）", 2)
    assert township.delete(_url(drill) + "?reason=错", headers={"If-Match": '"1"'}).status_code == 409
    drill.refresh_from_db()
    assert drill.deleted_at is None


def test_it_requires_the_revision_for_a_review(client_for, people, drill):
    response = client_for(people["county"]).post(_url(drill, True), {"decision": "verify"}, content_type=JSON)
    assert response.status_code == 428
    assert _state(drill)[0] == "submitted"


def test_it_explains_a_stale_edit_form_in_chinese_and_saves_nothing(client_for, people, drill):
    township = client_for(people["township"])
    township.patch(_url(drill), {"subject": "防汛演练（甲）"}, content_type=JSON)
    page = township.post(reverse("evidence:update", args=["drills", drill.pk]),
                         {"held_on": "2026-03-10", "drill_type": "comprehensive", "subject": "防汛演练（乙）",
                          "participants": "30", "evaluation": "", "revision": 1})
    assert page.status_code == 409
    assert "已被他人修改或审核" in page.content.decode()
    drill.refresh_from_db()
    assert drill.subject == "防汛演练（甲）"


def test_it_explains_a_stale_review_on_the_page_and_saves_nothing(client_for, people, drill):
    client_for(people["township"]).patch(_url(drill), {"subject": "防汛演练（甲）"}, content_type=JSON)
    county = client_for(people["county"])
    page = county.post(reverse("evidence:review", args=["drills", drill.pk]),
                       {"decision": "verify", "revision": 1}, follow=True).content.decode()
    assert "已被他人修改或审核" in page
    assert _state(drill)[0] == "submitted"


def test_it_records_a_return_as_its_own_step_with_its_reason(client_for, people, drill):
    county = client_for(people["county"])
    county.post(reverse("evidence:review", args=["drills", drill.pk]),
                {"decision": "return", "note": "缺少签到表", "revision": 1})
    assert drill.history.first().history_change_reason == "退回：缺少签到表"
    page = county.get(reverse("evidence:detail", args=["drills", drill.pk])).content.decode()
    assert "退回（缺少签到表）" in page
    assert AuditEvent.objects.get(action="evidence.return").detail["note"] == "缺少签到表"
    assert Drill.objects.get().review_note == "缺少签到表"
