"""Forms, pages, attachments and the review workflow through the web, and who may do what.

Fixed people (tests/factories.py): "township" reports for 清源镇, "other_township" for the
neighbouring 徐沟镇 and must never see or change 清源镇's records; "county" verifies and
returns; "auditor" only reads."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.evidence.attachments import attachment_add
from apps.evidence.models import Attachment, Drill, Person, ReviewStatus
from apps.evidence.services import record_create
from tests.evidence.helpers import DONGJIE, QINGYUAN, make_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4\n%fake but typed by its first bytes\n"
DRILL_FORM = {"held_on": "2026-03-10", "drill_type": "comprehensive", "subject": "防汛综合演练", "participants": "40"}


@pytest.fixture
def drill(units, people, today):
    return record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                         values={"held_on": date(2026, 3, 10), "drill_type": "comprehensive", "subject": "防汛演练",
                                 "participants": 30, "evaluation": ""})


@pytest.fixture
def person(units, people, today):
    return record_create(kind="personnel", unit=units[QINGYUAN], actor=people["township"],
                         values={"name": "张三", "id_number": make_id(1), "phone": "13812345678",
                                 "category": "township_cadre", "appointed_on": date(2024, 3, 1), "left_on": None})


# -- township staff: their own unit ----------------------------------------------------------


def test_it_takes_township_staff_to_the_form_in_two_clicks(client_for, people):
    client = client_for(people["township"])
    hub = client.get(reverse("evidence:hub", args=[QINGYUAN])).content.decode()
    create_url = reverse("evidence:create", args=["drills", QINGYUAN])
    assert f'href="{create_url}"' in hub
    assert client.get(create_url).status_code == 200


def test_it_creates_a_record_through_the_form_as_submitted(client_for, people, today):
    response = client_for(people["township"]).post(reverse("evidence:create", args=["drills", QINGYUAN]), DRILL_FORM)
    drill = Drill.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("evidence:detail", args=["drills", drill.pk])
    assert (drill.review_status, drill.source, drill.created_by) == ("submitted", "form", people["township"])
    assert AuditEvent.objects.filter(action="evidence.create", detail__record_id=drill.pk).exists()


def test_it_shows_the_form_errors_of_the_shared_validation(client_for, people, today):
    response = client_for(people["township"]).post(reverse("evidence:create", args=["drills", QINGYUAN]),
                                                   {**DRILL_FORM, "held_on": "2026-07-01", "participants": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"held_on": ["日期不能晚于今天（2026-06-30）"],
                                               "participants": ["不能小于 1"]}
    assert Drill.objects.count() == 0


def test_it_records_a_village_record_from_the_township_account(client_for, people, today):
    client_for(people["township"]).post(reverse("evidence:create", args=["drills", DONGJIE]), DRILL_FORM)
    assert Drill.objects.get().unit.code == DONGJIE


def test_it_edits_a_record_back_to_submitted_and_keeps_the_history(client_for, people, drill):
    drill.review_status = ReviewStatus.VERIFIED
    drill.save()
    client = client_for(people["township"])
    response = client.post(reverse("evidence:update", args=["drills", drill.pk]), {**DRILL_FORM, "subject": "地震演练"})
    assert response.status_code == 302
    drill.refresh_from_db()
    assert (drill.subject, drill.review_status) == ("地震演练", "submitted")
    page = client_for(people["auditor"]).get(reverse("evidence:detail", args=["drills", drill.pk])).content.decode()
    assert "演练科目：防汛演练 → 地震演练" in page


def test_it_lists_records_with_a_constant_number_of_queries(client_for, people, units, today,
                                                             django_assert_max_num_queries):
    client = client_for(people["county"])
    url = reverse("evidence:list", args=["drills"]) + f"?unit={QINGYUAN}"
    for i in range(3):
        record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                      values={**DRILL_FORM, "held_on": date(2026, 1, i + 1), "participants": None, "evaluation": ""})
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for i in range(20):
        record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                      values={**DRILL_FORM, "held_on": date(2026, 2, i + 1), "participants": None, "evaluation": ""})
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.context["page"].paginator.count == 23


# -- another township: nothing, through forms, uploads or attachments -------------------------


def test_it_refuses_the_outsider_the_create_form(client_for, people):
    client = client_for(people["other_township"])
    url = reverse("evidence:create", args=["drills", QINGYUAN])
    assert client.get(url).status_code == 404
    assert client.post(url, DRILL_FORM).status_code == 404
    assert Drill.objects.count() == 0


def test_it_hides_the_record_from_the_outsider(client_for, people, person):
    client = client_for(people["other_township"])
    for name in ("detail", "update", "delete"):
        response = client.get(reverse(f"evidence:{name}", args=["personnel", person.pk]))
        assert response.status_code == 404
        assert "张三" not in response.content.decode()
    listing = client.get(reverse("evidence:list", args=["personnel"])).content.decode()
    assert "张三" not in listing
    assert client.get(reverse("evidence:list", args=["personnel"]) + f"?unit={QINGYUAN}").status_code == 404
    assert client.get(reverse("evidence:hub", args=[QINGYUAN])).status_code == 404


def test_it_refuses_the_outsider_changes(client_for, people, person):
    client = client_for(people["other_township"])
    client.post(reverse("evidence:update", args=["personnel", person.pk]),
                {"name": "改名", "category": "township_cadre", "appointed_on": "2024-03-01"})
    client.post(reverse("evidence:delete", args=["personnel", person.pk]), {"reason": "恶意删除"})
    person.refresh_from_db()
    assert (person.name, person.deleted_at) == ("张三", None)


def test_it_refuses_the_outsider_attachments(client_for, people, drill):
    mine = attachment_add(record=drill, data=PNG, filename="签到表.png", actor=people["township"])
    client = client_for(people["other_township"])
    upload = client.post(reverse("evidence:attachment_upload", args=["drills", drill.pk]),
                         {"file": SimpleUploadedFile("x.png", PNG)})
    assert upload.status_code == 404
    assert Attachment.objects.count() == 1
    assert client.get(reverse("evidence:attachment", args=[mine.pk])).status_code == 404


def test_it_masks_personal_data_except_for_the_own_township(client_for, people, person):
    url = reverse("evidence:detail", args=["personnel", person.pk])
    own = client_for(people["township"]).get(url).content.decode()
    assert make_id(1) in own and "13812345678" in own
    county = client_for(people["county"]).get(url).content.decode()
    assert make_id(1) not in county and "13812345678" not in county
    assert f"{make_id(1)[:3]}***********{make_id(1)[-4:]}" in county and "138****5678" in county


# -- attachments -------------------------------------------------------------------------------


def test_it_stores_an_attachment_by_its_content_under_a_random_name(client_for, people, drill):
    client = client_for(people["township"])
    client.post(reverse("evidence:attachment_upload", args=["drills", drill.pk]),
                {"file": SimpleUploadedFile("演练照片.exe", PDF)})
    attachment = Attachment.objects.get()
    assert attachment.mime_type == "application/pdf" and attachment.file.name.endswith(".pdf")
    assert "演练照片" not in attachment.file.name and not attachment.file.name.startswith("media")
    response = client_for(people["county"]).get(reverse("evidence:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_refuses_files_that_are_not_photos_or_pdfs_whatever_their_name(client_for, people, drill, settings):
    client = client_for(people["township"])
    url = reverse("evidence:attachment_upload", args=["drills", drill.pk])
    page = client.post(url, {"file": SimpleUploadedFile("photo.jpg", b"<html><script>x</script>")}, follow=True)
    assert "只接受 JPEG、PNG 图片或 PDF 文件" in page.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 32
    page = client.post(url, {"file": SimpleUploadedFile("big.png", PNG)}, follow=True)
    assert "附件不能超过" in page.content.decode()
    assert Attachment.objects.count() == 0


# -- review and soft delete ------------------------------------------------------------------


def test_it_lets_the_county_verify(client_for, people, drill):
    client_for(people["county"]).post(reverse("evidence:review", args=["drills", drill.pk]),
                                      {"decision": "verify", "revision": 1})
    drill.refresh_from_db()
    assert (drill.review_status, drill.reviewed_by) == ("verified", people["county"])
    assert AuditEvent.objects.filter(action="evidence.verify", detail__record_id=drill.pk).exists()
    assert Drill.objects.counted().count() == 1


def test_it_lets_the_county_return_only_with_a_reason(client_for, people, drill):
    client = client_for(people["county"])
    url = reverse("evidence:review", args=["drills", drill.pk])
    page = client.post(url, {"decision": "return", "note": "", "revision": 1}, follow=True).content.decode()
    assert "退回时请填写原因" in page
    drill.refresh_from_db()
    assert drill.review_status == "submitted"
    client.post(url, {"decision": "return", "note": "缺少签到表", "revision": 1})
    drill.refresh_from_db()
    assert (drill.review_status, drill.review_note) == ("returned", "缺少签到表")
    assert Drill.objects.counted().count() == 0  # a returned record is not counted
    own = client_for(people["township"]).get(reverse("evidence:detail", args=["drills", drill.pk])).content.decode()
    assert "已退回" in own and "缺少签到表" in own


def test_it_does_not_let_township_staff_or_auditors_review(client_for, people, drill):
    for who in ("township", "auditor"):
        response = client_for(people[who]).post(reverse("evidence:review", args=["drills", drill.pk]),
                                                {"decision": "verify"})
        assert response.status_code == 404
    drill.refresh_from_db()
    assert drill.review_status == "submitted"


def test_it_soft_deletes_with_a_reason_and_leaves_an_audited_trace(client_for, people, drill):
    client = client_for(people["township"])
    url = reverse("evidence:delete", args=["drills", drill.pk])
    assert client.post(url, {"reason": ""}).status_code == 200  # the reason is required
    assert client.post(url, {"reason": "重复录入"}).status_code == 302
    drill.refresh_from_db()
    assert drill.deleted_at is not None and (drill.deleted_by, drill.delete_reason) == (people["township"], "重复录入")
    assert Drill.objects.count() == 1 and Drill.objects.alive().count() == 0 and Drill.objects.counted().count() == 0
    event = AuditEvent.objects.get(action="evidence.delete")
    assert (event.actor, event.detail["record_id"], event.detail["reason"]) == (people["township"], drill.pk, "重复录入")
    assert drill.history.first().history_change_reason == "删除：重复录入"
    auditor = client_for(people["auditor"])
    assert "删除：重复录入" not in auditor.get(reverse("evidence:list", args=["drills"])).content.decode()
    deleted = auditor.get(reverse("evidence:list", args=["drills"]) + "?status=deleted").content.decode()
    assert "防汛演练" in deleted
    page = auditor.get(reverse("evidence:detail", args=["drills", drill.pk])).content.decode()
    assert "重复录入" in page and "删除原因：— → 重复录入" in page


def test_it_keeps_a_person_with_trainings(client_for, people, person, units):
    record_create(kind="trainings", unit=units[QINGYUAN], actor=people["township"],
                  values={"person": person, "held_on": date(2026, 4, 1), "course": "培训", "hours": None})
    page = client_for(people["township"]).post(reverse("evidence:delete", args=["personnel", person.pk]),
                                               {"reason": "离职"}, follow=True).content.decode()
    assert "仍有培训记录" in page
    assert Person.objects.alive().count() == 1
