"""A small real catalog and real evidence for the scorecard tests: the PDFs show what the
compliance engine computes (statuses, roll-ups, grades), not a stand-in's idea of it.

On AS_OF the township 清源镇 has one requirement in each state the scorecard prints:

    drill_annual       overdue        no comprehensive drill in 2025
    facility_depot     compliant      one supply depot (``scorecard_catalog["depot"]``)
    meeting_quarterly  due soon       Q2 2026 ends on AS_OF; villages have it too
    publicity          non-compliant  advisory: no satellite phone

A test "changes the data" by recording evidence (``make_drill``), as a user would.
"""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from apps.evidence.models import Drill, Facility
from tests.compliance.helpers import make_version

AS_OF = date(2026, 6, 30)
TOWNSHIP = "140121100000"

REQUIREMENTS = [
    # code, title
    ("drill_annual", "每年至少组织开展1次综合应急演练"),
    ("facility_depot", "乡镇设置应急物资储备点不少于1处"),
    ("meeting_quarterly", "每季度至少召开1次应急工作会议"),
    ("publicity", "配备卫星电话（倡导性）"),
]
TITLES = dict(REQUIREMENTS)


def make_drill(unit, held_on: date = date(2025, 5, 1)) -> Drill:
    return Drill.objects.create(unit=unit, held_on=held_on, drill_type="comprehensive", subject="防汛综合演练",
                                fingerprint=f"{unit.code}{held_on}")


@pytest.fixture
def scorecard_catalog(units):
    township = ",township,"
    make_version("drill_annual", "periodic_event",
                 {"evidence": "drill", "period": "year", "min_count": 1, "match": {"drill_type": ["comprehensive"]}},
                 levels=township, weight=30, effective_from=date(2025, 1, 1), title=TITLES["drill_annual"])
    make_version("facility_depot", "facility_count", {"min_count": 1, "facility_types": ["supply_depot"]},
                 levels=township, weight=40, effective_from=date(2025, 1, 1), topic="facility",
                 title=TITLES["facility_depot"])
    make_version("meeting_quarterly", "periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1},
                 weight=30, effective_from=date(2026, 4, 1), topic="meeting", title=TITLES["meeting_quarterly"])
    make_version("publicity", "facility_count", {"min_count": 1, "facility_types": ["satellite_phone"]},
                 levels=township, binding=False, weight=0, effective_from=date(2025, 1, 1), topic="facility",
                 title=TITLES["publicity"])
    depot = Facility.objects.create(unit=units[TOWNSHIP], facility_type="supply_depot", name="清源镇应急物资储备点",
                                    quantity=1, in_service_from=date(2024, 6, 1))
    return {"depot": depot}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PORTAL_BASE_URL = "https://ecp.example.cn"
    # Six users per test: the production hasher would dominate the run time of this suite.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def weasyprint_warnings():
    """Everything WeasyPrint logs at WARNING or above while rendering (missing glyphs, fonts)."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.WARNING)
    loggers = [logging.getLogger(n) for n in ("weasyprint", "weasyprint.progress", "fontTools")]
    for lg in loggers:
        lg.addHandler(handler)
    yield records
    for lg in loggers:
        lg.removeHandler(handler)


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object().get("/BaseFont")))
    return names


# Glyph ids that mean "no glyph": 0 is .notdef; Pango's unknown-glyph marker is written by
# WeasyPrint as 0xFFFF (Noto Sans CJK has 65,535 glyphs, ids 0..65534, so it is never real).
MISSING_GLYPHS = {0x0000, 0xFFFF}


def pdf_glyphs(reader: PdfReader) -> dict[str, set[int]]:
    """Glyph ids drawn per font: every string shown by Tj/TJ (also inside form XObjects), read as
    2-byte codes (WeasyPrint writes Identity-H fonts whose CIDs are glyph ids)."""
    used: dict[str, set[int]] = {}

    def show(font: str, string) -> None:
        raw = string.original_bytes if hasattr(string, "original_bytes") else bytes(string)
        used.setdefault(font, set()).update(int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2))

    def walk(content, resources) -> None:
        fonts, font = (resources or {}).get("/Font", {}), None
        for operands, op in ContentStream(content, reader).operations:
            if op == b"Tf":
                font = str(fonts[operands[0]].get_object()["/BaseFont"])
            elif op in (b"Tj", b"'", b'"'):
                show(font, operands[-1])
            elif op == b"TJ":
                for item in operands[0]:
                    if isinstance(item, bytes | str):
                        show(font, item)
            elif op == b"Do":
                xobject = resources["/XObject"][operands[0]].get_object()
                if xobject.get("/Subtype") == "/Form":
                    walk(xobject, xobject.get("/Resources", resources))

    for page in reader.pages:
        walk(page.get_contents(), page["/Resources"])
    return used
