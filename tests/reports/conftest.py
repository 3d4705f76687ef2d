"""Hand-built evaluations for the scorecard tests, so the PDFs do not depend on the catalog.

``fake_compliance`` replaces the compliance selectors the reports app reads (same contract:
evaluate_subtree, rollup, overdue_rows) with a deterministic fake whose data a test can change.
"""

from __future__ import annotations

import io
import logging
import types
from datetime import date

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from apps.compliance.results import RequirementResult, Source, Status, Task, UnitEvaluation
from apps.jurisdictions.models import Unit

AS_OF = date(2026, 6, 30)

REQUIREMENTS = [
    # code, title, status for townships, status for villages, weight, advisory
    ("drill_annual", "每年至少组织开展1次综合应急演练", Status.OVERDUE, Status.COMPLIANT, 30, False),
    ("team_floor", "乡镇综合性应急救援队伍不少于30人", Status.COMPLIANT, Status.NO_DATA, 40, False),
    ("training_cadre", "乡镇干部每两年至少参加1次应急管理培训", Status.DUE_SOON, Status.PENDING, 30, False),
    ("publicity", "每季度开展应急科普宣传", Status.NON_COMPLIANT, Status.NON_COMPLIANT, 0, True),
]


def make_evaluation(unit: Unit, as_of: date = AS_OF, overrides: dict | None = None) -> UnitEvaluation:
    overrides = overrides or {}
    results = []
    for code, title, t_status, v_status, weight, advisory in REQUIREMENTS:
        status = overrides.get(code, t_status if unit.level == "township" else v_status)
        if unit.level == "county":
            status = Status.COMPLIANT
        deducted = 0 if advisory or status == Status.COMPLIANT else weight
        results.append(
            RequirementResult(
                requirement=code, version=1, title=title, kind="periodic_event", topic="drill", status=status,
                due=date(2026, 3, 31), actual=1 if status == Status.COMPLIANT else 0, target=1, advisory=advisory,
                weight=weight, deducted=deducted,
                sources=[Source(document="中办国办意见", clause="(十三)", quote="定期组织开展应急演练")],
                tasks=[Task(requirement=code, unit=unit.code, status=status, due=date(2026, 3, 31),
                            missing="" if status == Status.COMPLIANT else f"{title}：缺少记录",
                            evidence=["drill:1"] if status == Status.COMPLIANT else [])],
                missing="" if status == Status.COMPLIANT else f"{title}：缺少记录",
            )
        )
    binding = [r for r in results if not r.advisory]
    score = round(100 - sum(r.deducted for r in binding), 1)
    counts: dict[str, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    grade = "优秀" if score >= 90 else "合格" if score >= 60 else "不合格"
    return UnitEvaluation(unit=unit.code, unit_name=unit.name, level=unit.level, as_of=as_of, score=score,
                          grade=grade, results=results, counts=counts)


class FakeCompliance(types.SimpleNamespace):
    """The compliance selectors' contract over hand-built evaluations; ``overrides`` maps a unit
    code to {requirement: status}, so a test can "change the data"."""

    def __init__(self):
        super().__init__(overrides={}, calls=0)

    def evaluate_subtree(self, root, as_of):
        self.calls += 1
        return {u.code: make_evaluation(u, as_of, self.overrides.get(u.code))
                for u in Unit.objects.subtree(root).order_by("code")}

    def rollup(self, evaluations, units):
        out = {}
        for u in units:
            own = evaluations[u.code].score
            below = [evaluations[c].score for c in evaluations if c != u.code and c.startswith(u.code_prefix)]
            scores = [own, *below]
            out[u.code] = types.SimpleNamespace(
                unit=u, own_score=own, subtree_score=round(sum(scores) / len(scores), 1),
                grade=evaluations[u.code].grade, counts=dict(evaluations[u.code].counts),
            )
        return out

    def overdue_rows(self, evaluations, as_of):
        rows = []
        for e in evaluations.values():
            for r in e.results:
                if r.advisory or r.status not in (Status.OVERDUE, Status.NON_COMPLIANT, Status.DUE_SOON):
                    continue
                rows.append(types.SimpleNamespace(
                    unit=e.unit, unit_name=e.unit_name, requirement=r.requirement, requirement_title=r.title,
                    due=r.due, days_overdue=(as_of - r.due).days, status=r.status, source="中办国办意见(十三)",
                    missing=r.missing,
                ))
        return rows


@pytest.fixture
def fake_compliance(monkeypatch):
    fake = FakeCompliance()
    monkeypatch.setattr("apps.reports.selectors._compliance", lambda: fake)
    return fake


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
