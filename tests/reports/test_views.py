"""Scorecard pages: export within the jurisdiction only, logged; Excel twin; verification."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from apps.core.models import AuditEvent
from apps.reports import services
from apps.reports.models import Scorecard
from tests.reports.conftest import AS_OF

TOWNSHIP = "140121100000"


@pytest.fixture
def card(units, people, scorecard_catalog):
    card, _ = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    return card


def _pdf(card) -> bytes:
    with card.file.open("rb") as f:
        return f.read()


def test_it_shows_the_export_page_with_a_constant_number_of_queries(client_for, people, card,
                                                                     django_assert_max_num_queries):
    client = client_for(people["auditor"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reports:index"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "清源镇" in body and "封存评估" in body and card.display_code in body


def test_it_generates_a_township_scorecard_on_request(client_for, people, units, scorecard_catalog):
    client = client_for(people["township"])
    response = client.post(reverse("reports:generate"), {"unit": TOWNSHIP, "as_of": "2026-06-30"})
    card = Scorecard.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reports:detail", args=[card.pk])
    download = client.get(reverse("reports:pdf", args=[card.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == card.sha256
    assert AuditEvent.objects.filter(action="scorecard.download", actor=people["township"]).count() == 1


@pytest.mark.parametrize("name", ["other_township", "tianjin_county"])
def test_it_refuses_outsiders_with_404(client_for, people, card, name):
    client = client_for(people[name])
    assert client.post(reverse("reports:generate"), {"unit": TOWNSHIP, "as_of": "2026-06-30"}).status_code == 404
    for url in ("reports:detail", "reports:pdf", "reports:xlsx"):
        assert client.get(reverse(url, args=[card.pk])).status_code == 404
    assert client.post(reverse("reports:seal"), {"unit": TOWNSHIP, "as_of": "2026-06-30"}).status_code == 404
    assert not AuditEvent.objects.filter(actor=people[name]).exclude(action__startswith="auth.").exists()


def test_it_requires_login_for_exports(client, card):
    response = client.get(reverse("reports:pdf", args=[card.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_it_serves_the_excel_twin(client_for, people, card):
    response = client_for(people["county"]).get(reverse("reports:xlsx", args=[card.pk]))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["概况", "要求明细", "逾期任务", "下级单位"]
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(values_only=True)}
    assert summary["单位"] == "清源镇（140121100000）" and summary["核验码"] == card.display_code
    titles = [row[1] for row in wb["要求明细"].iter_rows(min_row=2, values_only=True)]
    assert "每年至少组织开展1次综合应急演练" in titles
    assert {row[1] for row in wb["下级单位"].iter_rows(min_row=2, values_only=True)} == {"东街村", "西街村"}
    assert AuditEvent.objects.filter(action="scorecard.export", actor=people["county"], detail__format="xlsx").exists()


def test_it_verifies_an_uploaded_file(client, card):
    url = reverse("reports:verify", args=[card.verification_code])
    page = client.get(url)  # public: no login
    assert page.status_code == 200
    body = page.content.decode()
    assert card.sha256 in body and "清源镇" in body and "2026年6月30日" in body  # prose dates, Chinese style
    data = _pdf(card)
    ok = client.post(url, {"file": SimpleUploadedFile("s.pdf", data, "application/pdf")}).content.decode()
    assert "文件一致" in ok and 'data-result="match"' in ok
    assert "matches" not in ok and "does not" not in ok  # Chinese only
    middle = len(data) // 2
    tampered = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]
    bad = client.post(url, {"file": SimpleUploadedFile("s.pdf", tampered, "application/pdf")}).content.decode()
    assert "文件不一致" in bad and 'data-result="mismatch"' in bad


def test_it_looks_up_codes_as_printed(client, card):
    response = client.get(reverse("reports:verify_lookup"), {"code": card.display_code.lower()})
    assert response["Location"] == reverse("reports:verify", args=[card.verification_code])
    assert client.get(reverse("reports:verify", args=["ZZZZ9999"])).status_code == 404


def test_it_verifies_through_the_api(client, card):
    url = f"/api/v1/scorecards/verify/{card.verification_code}/"
    meta = client.get(url).json()
    assert meta["sha256"] == card.sha256 and meta["unit"] == TOWNSHIP and meta["sealed"] is None
    result = client.post(url, {"file": SimpleUploadedFile("s.pdf", _pdf(card))}).json()
    assert result["matches"] is True
    assert client.post(url, {"file": SimpleUploadedFile("s.pdf", b"%PDF-1.7 no")}).json()["matches"] is False


def test_it_lists_scorecards_in_the_api_only_within_the_jurisdiction(client_for, people, card):
    assert [c["id"] for c in client_for(people["county"]).get("/api/v1/scorecards/").json()] == [card.pk]
    assert client_for(people["other_township"]).get("/api/v1/scorecards/").json() == []
