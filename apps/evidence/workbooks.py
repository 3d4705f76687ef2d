"""Downloadable .xlsx import templates: one sheet, the exact Chinese headers, drop-down lists
for enumerations and date-formatted date columns, so what Excel produces is what we accept."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

from django.conf import settings
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from apps.core.spreadsheets import TEXT, append_row, set_cell
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


# What the example sheet shows for free-text fields; other types get a value of their type.
_EXAMPLE_TEXT = {
    "name": "张三", "team_name": "清源镇综合应急救援队", "subject": "防汛抢险综合演练",
    "evaluation": "组织有序，达到预期效果", "course": "基层应急管理能力提升培训", "chair": "李四",
    "topic": "传达学习上级防汛工作部署", "warning_id": "晋气预警〔2026〕12号", "title": "清源镇防汛应急预案",
    "version": "2026 版",
}
_EXAMPLE_ID = "11010519491231002X"  # the GB 11643 specimen number: valid check digit, nobody's
EXAMPLE_SHEET = "填写示例"
UNITS_SHEET = "本单位代码"
MAX_LISTED_UNITS = 5000  # a province-wide grant would list tens of thousands: no list then


def _example_value(f, unit_code: str):
    if f.type == CHOICE:
        # An optional choice may depend on another column (宣传活动 only for 宣传活动记录): blank.
        return f.choices[0][1] if f.required else None
    return {
        DATE: date(2026, 3, 10), DATETIME: datetime(2026, 3, 10, 8, 5), ID_NUMBER: _EXAMPLE_ID,
        "mobile": "13800138000", "unit": unit_code, "int": 30, "decimal": 2.5,
    }.get(f.type, _EXAMPLE_TEXT.get(f.name, f"（{f.label}）"))


def _format_columns(ws, fields, rows: int) -> None:
    for col, f in enumerate(fields, start=1):
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = max(12, len(f.label) * 3 + 4)
        if f.type in (ID_NUMBER, "mobile", "unit"):
            ws.column_dimensions[letter].number_format = "@"  # text: keep leading digits and the X
            ws.column_dimensions[letter].width = 22
        elif f.type == DATE:
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif f.type == DATETIME:
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd hh:mm"
            ws.column_dimensions[letter].width = 20


def _header(ws, fields) -> None:
    for col, f in enumerate(fields, start=1):
        cell = ws.cell(row=1, column=col, value=f.label)
        cell.font = Font(bold=True, color="FFFFFF" if f.required else "000000")
        cell.fill = PatternFill("solid", fgColor="0B4F8A" if f.required else "DDE3EA")


def _list_validation(formula: str, *, required: bool, what: str) -> DataValidation:
    """A drop-down that stops other values (Excel's "Stop" style), with the defined message."""
    dv = DataValidation(type="list", formula1=formula, allow_blank=not required, showErrorMessage=True,
                        showInputMessage=True, errorStyle="stop")
    dv.errorTitle, dv.error = "取值无效", f"请从下拉列表中选择{what}"
    dv.promptTitle, dv.prompt = "请选择", f"从下拉列表中选择{what}"
    return dv


def template_workbook(kind: str, units: list[tuple[str, str]] | None = None) -> bytes:
    """The import template of ``kind``: the data sheet (header only, so nothing is imported by
    mistake; imports read the first sheet), a 填写示例 sheet with one example row, and, given
    the user's ``units`` as (code, name), a 本单位代码 sheet that the 单位代码 drop-down lists."""
    spec = KINDS[kind]
    fields = spec.template_fields
    units = list(units or [])[:MAX_LISTED_UNITS + 1]
    wb = Workbook()
    ws = wb.active
    ws.title = spec.label[:31]
    rows = settings.IMPORT_MAX_ROWS + 1
    _header(ws, fields)
    for col, f in enumerate(fields, start=1):
        letter = get_column_letter(col)
        hint = "必填" if f.required else "选填"
        if f.type == CHOICE:
            hint += "。可选：" + "、".join(label for _, label in f.choices)
            dv = _list_validation('"' + ",".join(label for _, label in f.choices) + '"', required=f.required,
                                  what=f.label)
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{rows}")
        elif f.type == "unit" and 0 < len(units) <= MAX_LISTED_UNITS:
            hint += f"。{_HINTS['unit']}，见“{UNITS_SHEET}”表"
            dv = _list_validation(f"'{UNITS_SHEET}'!$A$2:$A${len(units) + 1}", required=f.required,
                                  what="本单位或所辖村的代码")
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}{rows}")
        elif f.type in _HINTS:
            hint += "。" + _HINTS[f.type]
        ws.cell(row=1, column=col).comment = Comment(hint, "应急合规")
    _format_columns(ws, fields, rows)
    ws.freeze_panes = "A2"

    example = wb.create_sheet(EXAMPLE_SHEET)
    _header(example, fields)
    sample_unit = units[0][0] if units else "140121100000"
    for col, f in enumerate(fields, start=1):
        set_cell(example.cell(row=2, column=col), _example_value(f, sample_unit),
                 "@" if f.type in (ID_NUMBER, "mobile", "unit") else None)
    example.cell(row=4, column=1, value=f"以上为示例，请在“{ws.title}”表中填写；本表不会被导入。")
    _format_columns(example, fields, 2)

    if units:
        listing = wb.create_sheet(UNITS_SHEET)
        append_row(listing, ["单位代码", "单位名称"])
        for cell in listing[1]:
            cell.font = Font(bold=True)
        for code, name in units[:MAX_LISTED_UNITS]:
            append_row(listing, [code, name], [TEXT, None])
        listing.column_dimensions["A"].width, listing.column_dimensions["B"].width = 18, 30
        listing.freeze_panes = "A2"
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
