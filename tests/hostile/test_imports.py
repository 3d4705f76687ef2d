"""Hostile import files: zip bombs, fake .xlsx, binary CSVs, monstrous cells and headers,
formula-like cells. Each is refused with a specific message and saves nothing."""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile

import pytest
from django.urls import reverse

from apps.evidence import importing
from apps.evidence.importing import import_records
from apps.evidence.models import Person
from apps.jurisdictions.models import Unit
from apps.jurisdictions.services import import_jurisdictions
from tests.evidence.helpers import PERSON_ROW, csv_bytes, xlsx_bytes

SHEET = "xl/worksheets/sheet1.xml"


def _rewrite(data: bytes, name: str, change) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in src.infolist():
            body = src.read(info.filename)
            archive.writestr(info.filename, change(body) if info.filename == name else body)
    return out.getvalue()


def _errors(result) -> str:
    return " | ".join(str(e) for e in result.errors)


def test_it_refuses_an_xlsx_zip_bomb_quickly_and_in_bounded_memory(units, people, today, monkeypatch):
    # The real cap is 200 MB; a 20 MB cap and a 30 MB bomb test the same code in a tenth of the time.
    monkeypatch.setattr(importing, "MAX_XLSX_UNCOMPRESSED", 20 * 1024 * 1024)
    bomb = _rewrite(xlsx_bytes("personnel", [PERSON_ROW]), SHEET,
                    lambda b: b.replace(b"<sheetData>", b"<sheetData>" + b" " * (30 * 1024 * 1024)))
    assert len(bomb) < 200 * 1024  # small upload, huge inflation
    tracemalloc.start()
    started = time.process_time()
    result = import_records(kind="personnel", data=bomb, actor=people["township"])
    cpu = time.process_time() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert "解压后过大" in _errors(result)
    assert peak < 10 * 1024 * 1024 and cpu < 5  # bounds, not timings: the bomb was never inflated
    assert not Person.objects.exists()


def test_it_does_not_trust_a_huge_declared_sheet_dimension(units, people, today):
    data = _rewrite(xlsx_bytes("personnel", [PERSON_ROW]), SHEET,
                    lambda b: b.replace(b'<dimension ref="A1:F2" />', b'<dimension ref="A1:XFD1048576" />'))
    assert b"XFD1048576" in zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    result = import_records(kind="personnel", data=data, actor=people["township"])
    assert result.ok, _errors(result)
    assert result.rows == 1 and Person.objects.count() == 1


def test_it_refuses_a_sheet_of_endless_blank_rows(units, people, today, settings):
    settings.IMPORT_MAX_ROWS = 10
    far = f'<row r="{10 + importing._MAX_SCANNED_ROWS_EXTRA + 50}"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    data = _rewrite(xlsx_bytes("personnel", [PERSON_ROW]), SHEET,
                    lambda b: b.replace(b"</sheetData>", far.encode() + b"</sheetData>"))
    result = import_records(kind="personnel", data=data, actor=people["township"])
    assert "空行" in _errors(result)
    assert not Person.objects.exists()


@pytest.mark.parametrize("payload", [
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40,  # an image renamed .xlsx
    b"PK\x03\x04" + b"\x00" * 200,  # zip signature, broken archive
])
def test_it_refuses_a_file_renamed_xlsx_that_is_not_a_workbook(units, people, client_for, payload):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client_for(people["township"]).post(reverse("evidence:import"), {
        "kind": "personnel", "file": SimpleUploadedFile("名册.xlsx", payload)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "未保存任何数据" in text
    assert "无法读取 Excel 文件" in text or "空字符" in text or "无法识别文件编码" in text
    assert not Person.objects.exists()


def test_it_refuses_a_zip_that_is_not_a_workbook(units, people, today):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    result = import_records(kind="personnel", data=out.getvalue(), actor=people["township"])
    assert "无法读取 Excel 文件" in _errors(result)


def test_it_refuses_a_csv_with_nul_bytes_naming_the_line(units, people, today):
    data = csv_bytes("personnel", [PERSON_ROW, [*PERSON_ROW[:1], "李\x00四", *PERSON_ROW[2:]]])
    result = import_records(kind="personnel", data=data, actor=people["township"])
    assert "第 3 行含有空字符" in _errors(result)
    assert not Person.objects.exists()


def test_it_refuses_a_utf16_csv_clearly(units, people, today):
    data = csv_bytes("personnel", [PERSON_ROW]).decode().encode("utf-16-le")
    result = import_records(kind="personnel", data=data, actor=people["township"])
    assert not result.ok and "CSV" in _errors(result)
    assert not Person.objects.exists()


def test_it_refuses_a_csv_cell_longer_than_the_parser_allows(units, people, today):
    data = csv_bytes("personnel", [PERSON_ROW, [PERSON_ROW[0], "名" * 200_000, *PERSON_ROW[2:]]])
    result = import_records(kind="personnel", data=data, actor=people["township"])
    assert "第 3 行无法解析：单元格内容超过" in _errors(result)


def test_it_names_the_cell_of_a_long_but_parsable_value(units, people, today):
    data = csv_bytes("personnel", [[PERSON_ROW[0], "名" * 5000, *PERSON_ROW[2:]]])
    result = import_records(kind="personnel", data=data, actor=people["township"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "姓名")]
    assert "不能超过" in result.errors[0].message


def test_it_refuses_a_header_of_hundreds_of_thousands_of_columns(units, people, today):
    data = ",".join(f"c{i}" for i in range(300_000)).encode() + b"\r\n1\r\n"
    result = import_records(kind="personnel", data=data, actor=people["township"])
    assert len(result.errors) == 1 and "列上限" in _errors(result)


def test_it_stores_a_formula_like_name_as_plain_text(units, people, today):
    evil = "=cmd|' /C calc'!A0"
    result = import_records(kind="personnel", data=xlsx_bytes("personnel", [[PERSON_ROW[0], evil, *PERSON_ROW[2:]]]),
                            actor=people["township"])
    if result.ok:
        assert Person.objects.get().name == evil  # stored verbatim; escaping happens on export
    else:  # or refused by name validation: either way nothing runs
        assert not Person.objects.exists()


# -- the jurisdictions CSV import ---------------------------------------------------------------
HEADER = "code,name,level,parent_code\r\n"


def test_it_refuses_a_unit_name_longer_than_the_column(units):
    data = (HEADER + f"140121109000,{'镇' * 101},township,140121000000\r\n").encode()
    result = import_jurisdictions(data=data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "name")]
    assert not Unit.objects.filter(code="140121109000").exists()


def test_it_refuses_a_jurisdictions_csv_with_nul_bytes(units):
    data = (HEADER + "140121109000,坏\x00镇,township,140121000000\r\n").encode()
    result = import_jurisdictions(data=data)
    assert "空字符" in result.errors[0].message
    assert not Unit.objects.filter(code="140121109000").exists()
