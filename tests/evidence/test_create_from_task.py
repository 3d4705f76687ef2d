"""去填报 from a due task: the form opens with kind, type and unit chosen; photos go with the record."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.evidence.models import Attachment, Drill
from tests.evidence.helpers import QINGYUAN
from tests.portal.conftest import catalog  # noqa: F401 - the two-requirement catalog fixture

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
DRILL = {"held_on": "2026-03-10", "drill_type": "comprehensive", "subject": "防汛综合演练", "participants": "40"}


def test_it_links_a_due_drill_to_the_drill_form_with_its_type(client_for, people, catalog, today):  # noqa: F811
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN])).content.decode()
    url = reverse("evidence:create", args=["drills", QINGYUAN]) + "?drill_type=comprehensive"
    assert url in html
    form = client_for(people["township"]).get(url).content.decode()
    assert '<option value="comprehensive" selected>' in form


def test_it_saves_photos_chosen_while_creating(client_for, people, today):
    client = client_for(people["township"])
    photos = [SimpleUploadedFile("现场1.png", PNG), SimpleUploadedFile("现场2.png", PNG)]
    response = client.post(reverse("evidence:create", args=["drills", QINGYUAN]), {**DRILL, "file": photos})
    assert response.status_code == 302
    drill = Drill.objects.get()
    assert sorted(a.original_name for a in Attachment.objects.filter(object_id=drill.pk)) == ["现场1.png", "现场2.png"]


def test_it_saves_nothing_when_a_photo_is_refused(client_for, people, today):
    client = client_for(people["township"])
    response = client.post(reverse("evidence:create", args=["drills", QINGYUAN]),
                           {**DRILL, "file": [SimpleUploadedFile("x.png", b"<html>")]})
    assert response.status_code == 200 and "只接受 JPEG、PNG 图片或 PDF 文件" in response.content.decode()
    assert not Drill.objects.exists() and not Attachment.objects.exists()


@pytest.mark.parametrize("kind", ["drills"])
def test_it_refuses_the_form_to_another_township(client_for, people, kind):
    assert client_for(people["other_township"]).get(
        reverse("evidence:create", args=[kind, QINGYUAN]) + "?drill_type=comprehensive").status_code == 404
