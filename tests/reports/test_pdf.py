"""Township and county scorecards rendered to PDF: Chinese text, embedded CJK font, footer."""

import hashlib
import re

import pytest

from apps.core.models import AuditEvent
from apps.reports import fonts, services
from tests.reports.conftest import (
    AS_OF,
    MISSING_GLYPHS,
    REQUIREMENTS,
    make_drill,
    pdf_fonts,
    pdf_glyphs,
    pdf_text,
)

TOWNSHIP, COUNTY = "140121100000", "140121000000"
TITLES = [r[1] for r in REQUIREMENTS]


def _read(card) -> bytes:
    with card.file.open("rb") as f:
        return f.read()


def _assert_clean_cjk(data: bytes):
    reader, text = pdf_text(data)
    names = {re.sub(r"[^a-z]", "", n.lower()) for n in pdf_fonts(reader)}
    assert any("notosanscjk" in n for n in names), names
    # Subset fonts carry a six-letter prefix "ABCDEF+".
    assert all(re.match(r"^/[A-Z]{6}\+", n) for n in pdf_fonts(reader))
    # No missing glyphs: no .notdef / unknown glyph drawn, nothing extracts as U+FFFD or a box.
    glyphs = pdf_glyphs(reader)
    assert glyphs and all(ids and not ids & MISSING_GLYPHS for ids in glyphs.values()), glyphs.keys()
    assert "\ufffd" not in text and "\u25a1" not in text and "\u25af" not in text
    return reader, text


def test_it_detects_a_missing_glyph():
    """The glyph check above can fail: no installed font draws a plane-16 private-use character."""
    from weasyprint import HTML

    from apps.reports.fonts import CJK_FAMILY

    html = f'<p style="font-family: \'{CJK_FAMILY}\'">清源镇\U0010fffd</p>'
    glyphs = pdf_glyphs(pdf_text(HTML(string=html).write_pdf())[0])
    assert any(ids & MISSING_GLYPHS for ids in glyphs.values())


def test_it_fails_loudly_without_a_cjk_font():
    assert fonts.cjk_font_available(), "Install fonts-noto-cjk: scorecards would print boxes"


def test_it_warns_in_system_checks_when_the_font_is_missing(monkeypatch):
    monkeypatch.setattr(fonts, "cjk_font_available", lambda *a: False)
    assert [m.id for m in fonts.check_cjk_font()] == ["reports.W001"]
    with pytest.raises(fonts.CJKFontMissing):
        fonts.require_cjk_font()


def test_it_renders_a_township_scorecard_in_chinese(units, people, scorecard_catalog, weasyprint_warnings):
    card, created = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    data = _read(card)
    assert created and hashlib.sha256(data).hexdigest() == card.sha256 and card.size == len(data)
    reader, text = _assert_clean_cjk(data)
    assert "清源镇" in text and "140121100000" in text and "山西省 / 太原市 / 清徐县" in text
    for title in TITLES:
        assert title in text
    for label in ("已逾期", "已达标", "即将到期", "未达标"):
        assert label in text
    assert "东街村" in text and "西街村" in text  # the villages table
    assert "临时版本（未封存）" in text and card.display_code in text
    assert "审核人" in text and "单位盖章" in text
    pages = len(reader.pages)
    assert pages >= 1
    for n, page in enumerate(reader.pages, 1):
        assert f"第 {n} 页 / 共 {pages} 页" in page.extract_text()
        assert "清源镇（140121100000）" in page.extract_text()  # page header
    assert len(data) < 400_000  # subset font: a township card stays small
    assert not [r for r in weasyprint_warnings if "glyph" in r.getMessage().lower()]
    assert card.file.name.startswith("scorecards/") and "清源" not in card.file.name
    assert AuditEvent.objects.filter(action="scorecard.export", unit_code=TOWNSHIP, actor=people["township"]).exists()


def test_it_renders_a_county_scorecard_with_a_section_per_township(units, people, scorecard_catalog):
    card, _ = services.scorecard_generate(unit=units[COUNTY], as_of=AS_OF, user=people["county"])
    reader, text = _assert_clean_cjk(_read(card))
    assert "县级基层应急管理履职合规评分卡" in text and "清徐县" in text
    assert "下级单位得分汇总" in text
    for township in ("清源镇（140121100000）", "徐沟镇（140121101000）"):
        assert township in text
    assert "北关村" in text
    pages = len(reader.pages)
    assert pages >= 3  # summary, then each township starts a new page
    assert f"第 {pages} 页 / 共 {pages} 页" in reader.pages[-1].extract_text()


def test_it_returns_the_stored_file_while_the_data_is_unchanged(units, people, scorecard_catalog):
    first, created = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    again, created_again = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["county"])
    assert created and not created_again and again.pk == first.pk and again.sha256 == first.sha256
    make_drill(units[TOWNSHIP])  # a user records 2025's drill
    changed, created_changed = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["county"])
    assert created_changed and changed.pk != first.pk and changed.sha256 != first.sha256
    assert changed.verification_code != first.verification_code
    assert AuditEvent.objects.filter(action="scorecard.export", unit_code=TOWNSHIP).count() == 3


def test_it_refuses_a_scorecard_outside_the_jurisdiction(units, people, scorecard_catalog):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["other_township"])


def test_it_renders_again_under_the_same_code_when_the_stored_file_was_lost(units, people, scorecard_catalog):
    card, _ = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    card.file.storage.delete(card.file.name)
    again, created = services.scorecard_generate(unit=units[TOWNSHIP], as_of=AS_OF, user=people["township"])
    assert created and again.pk == card.pk and again.verification_code == card.verification_code
    data = _read(again)
    assert hashlib.sha256(data).hexdigest() == again.sha256 and again.size == len(data)
    assert card.display_code in pdf_text(data)[1]
    assert AuditEvent.objects.filter(action="scorecard.rerender", detail__lost_sha256=card.sha256).exists()
