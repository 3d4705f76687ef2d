"""Stored hostile text: formula-like cells are escaped again on every spreadsheet export, and
HTML in names is shown escaped on every page and in the scorecard."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from apps.compliance import exports
from apps.evidence.importing import import_records
from apps.evidence.models import Person
from apps.reports import services as report_services
from apps.reports.render import Meta, render_html
from apps.reports.selectors import scorecard_payload
from tests.evidence.helpers import PERSON_ROW, QINGYUAN, csv_bytes
from tests.reports.conftest import AS_OF

FORMULAS = ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "=HYPERLINK(\"http://evil\")"]
XSS = "<script>alert(1)</script>"


def _report(value: str) -> dict:
    return {"unit": "140121000000", "unit_name": value, "as_of": "2026-06-30", "tasks": [{
        "unit": "140121100000", "unit_name": value, "requirement": "drill", "requirement_title": value,
        "status": "overdue", "due": "2026-01-01", "days_overdue": 3, "subject": value, "missing": value,
        "source": value}]}


@pytest.mark.parametrize("value", FORMULAS)
def test_it_escapes_formula_cells_in_the_overdue_csv(value):
    text = exports.overdue_csv(_report(value)).decode("utf-8-sig")
    row = list(csv.reader(io.StringIO(text)))[1]
    for cell in (row[1], row[3], row[7], row[8], row[9]):
        assert cell == "'" + value


@pytest.mark.parametrize("value", FORMULAS)
def test_it_escapes_formula_cells_in_the_overdue_xlsx(value):
    sheet = load_workbook(io.BytesIO(exports.overdue_xlsx(_report(value)))).active
    cells = [c for row in sheet.iter_rows(min_row=3) for c in row]
    assert all(c.data_type != "f" for c in cells)
    # In an .xlsx a string cell is never evaluated: the text is kept as it was (no apostrophe
    # added to the data), as a string cell with the quote-prefix style.
    assert sheet["B3"].value == value and sheet["B3"].data_type == "s" and sheet["B3"].quotePrefix


def test_it_escapes_formula_cells_in_the_scorecard_xlsx(units, people, scorecard_catalog):
    township = units[QINGYUAN]
    township.name = "=cmd|' /C calc'!A0"
    township.save()
    card, _ = report_services.scorecard_generate(unit=township, as_of=AS_OF, user=people["county"])
    book = load_workbook(io.BytesIO(report_services.scorecard_xlsx(card=card, user=people["county"])))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    formula_like = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)
    assert book["要求明细"]["A2"].value == "=cmd|' /C calc'!A0"


@pytest.fixture
def script_person(units, people, today):
    result = import_records(kind="personnel", data=csv_bytes("personnel", [[PERSON_ROW[0], XSS, *PERSON_ROW[2:]]]),
                            actor=people["township"])
    if not result.ok:  # the name validator may refuse "<": then plant it as a stored legacy value
        Person.objects.create(unit=units[QINGYUAN], name=XSS, category="cadre", appointed_on=today)
    return Person.objects.get(name=XSS)


def test_it_shows_a_script_person_name_escaped_in_lists_and_detail(script_person, people, client_for):
    client = client_for(people["township"])
    for url in (reverse("evidence:list", args=["personnel"]) + f"?unit={QINGYUAN}",
                reverse("evidence:detail", args=["personnel", script_person.pk])):
        body = client.get(url).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url
        assert XSS not in body, url


def test_it_shows_a_script_unit_name_escaped_on_portal_pages(units, people, client_for):
    township = units[QINGYUAN]
    township.name = XSS
    township.save()
    client = client_for(people["county"])
    for name in ("portal:dashboard", "portal:workspace", "portal:unit", "evidence:hub"):
        code = "140121000000" if name == "portal:dashboard" else QINGYUAN
        response = client.get(reverse(name, args=[code]))
        assert response.status_code == 200, name
        body = response.content.decode()
        assert XSS not in body, name
        assert "&lt;script&gt;" in body, name


def test_it_escapes_a_script_unit_name_in_the_scorecard_html_behind_the_pdf(units, people, scorecard_catalog):
    township = units[QINGYUAN]
    # Also used inside the page header's CSS string: it must not close the <style> element.
    township.name = "</style><img src=http://evil.example/x>" + XSS
    township.save()
    payload, _ = scorecard_payload(township, AS_OF)
    html = render_html(payload, Meta(generated_at="2026-06-30 08:00", verification_code="ABCD",
                                     verify_url="http://testserver/v/ABCD"))
    assert "<script" not in html and "<img src=http://evil" not in html
    assert html.count("</style>") == 1
    assert "&lt;script&gt;" in html
