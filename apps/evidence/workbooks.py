"""Downloadable .xlsx import templates: one sheet, the exact Chinese headers, drop-down lists
for enumerations and date-formatted date columns, so what Excel produces is what we accept."""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from apps.evidence.kinds import CHOICE, DATE, DATETIME, ID_NUMBER, KINDS

_HINTS = {
    DATE: "日期：Excel 日期，或 2026-03-10、2026/3/10、2026年3月10日；不能晚于今天",
    DATETIME: "时间（精确到分钟）：2026-03-10 08:05",
    ID_NUMBER: "18 位居民身份证号，校验位须正确；请将本列设为文本格式",
    "mobile": "11 位手机号",
    "unit": "12 位统计用区划代码（乡镇或村）",
    "int": "整数",
    "decimal": "数字，可含一位小数",
}


def template_workbook(kind: str) -> bytes:
    spec = KINDS[kind]
    wb = Workbook()
    ws = wb.active
    ws.title = spec.label[:31]
    rows = settings.IMPORT_MAX_ROWS + 1
    for col, f in enumerate(spec.template_fields, start=1):
        letter = get_column_letter(col)
        cell = ws.cell(row=1, column=col, value=f.label)
        cell.font = Font(bold=True, color="FFFFFF" if f.required else "000000")
        cell.fill = PatternFill("solid", fgColor="0B4F8A" if f.required else "DDE3EA")
        hint = "必填" if f.required else "选填"
        if f.type == CHOICE:
            hint += "。可选：" + "、".join(label for _, label in f.choices)
            dv = DataValidation(type="list", formula1='"' + ",".join(label for _, label in f.choices) + '"',
                                allow_blank=not f.required)
            dv.error, dv.errorTitle = "请从下拉列表中选择", "取值无效"
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{rows}")
        elif f.type in _HINTS:
            hint += "。" + _HINTS[f.type]
        cell.comment = Comment(hint, "应急合规")
        ws.column_dimensions[letter].width = max(12, len(f.label) * 3 + 4)
        if f.type in (ID_NUMBER, "mobile", "unit"):
            ws.column_dimensions[letter].number_format = "@"  # text: keep leading digits and the X
            ws.column_dimensions[letter].width = 22
        elif f.type == DATE:
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif f.type == DATETIME:
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd hh:mm"
            ws.column_dimensions[letter].width = 20
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- reading ------------------------------------------------------------------------------------
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
FORMULA_WITHOUT_RESULT = "单元格为公式且没有计算结果，请在 Excel 中打开并保存后再导入"


def formulas_without_result(archive: zipfile.ZipFile, sheet_path: str) -> list[str]:
    """Cell references (e.g. "C5") of formula cells that carry no stored result.

    A workbook written by a program and never opened in Excel has formulas but no cached values;
    read for values (openpyxl ``data_only``) such a cell is simply empty, and the import would
    say 「会议日期不能为空」 about a cell the user sees filled in. The sheet XML tells them apart:
    a ``<c>`` with an ``<f>`` and no (or an empty) ``<v>``. Streamed, so memory stays flat."""
    from defusedxml.ElementTree import iterparse

    refs = []
    with archive.open(sheet_path.lstrip("/")) as part:
        for _event, element in iterparse(part, events=("end",)):
            if element.tag == _SHEET_NS + "c":
                formula = element.find(_SHEET_NS + "f")
                value = element.find(_SHEET_NS + "v")
                if formula is not None and (value is None or not (value.text or "")):
                    refs.append(element.get("r", ""))
                element.clear()
            elif element.tag == _SHEET_NS + "row":
                element.clear()
    return refs
