"""The overdue report as CSV and XLSX bytes (command, API and portal downloads share these).

Rows carry unit, requirement, dates, status, source and the missing evidence in plain words;
never an ID number or a phone number.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from apps.compliance.results import Status, days_late, days_text
from apps.core.spreadsheets import DATE, INTEGER, TEXT, append_row, csv_bytes, date_or_none

COLUMNS = [
    ("unit", "单位代码"),
    ("unit_name", "单位名称"),
    ("requirement", "要求编码"),
    ("requirement_title", "要求"),
    ("status_label", "状态"),
    ("due", "截止日期"),
    ("days_overdue", "逾期天数"),
    ("subject", "对象"),
    ("missing", "缺失内容"),
    ("source", "依据"),
    ("due_text", "到期情况"),
]
_FILLS = {"red": "F8D7DA", "yellow": "FFF3CD", "green": "D1E7DD", "grey": "E2E3E5"}


def _values(row: dict) -> list:
    label = row.get("status_label") or Status.LABELS.get(row.get("status", ""), row.get("status", ""))
    # Days overdue are never negative: a task not yet due says 「N 天后到期」 in 到期情况 instead.
    row = dict(row, days_overdue=days_late(row.get("days_overdue")),
               due_text=days_text(row.get("days_overdue"), row.get("due")))
    return [label if key == "status_label" else ("" if row.get(key) is None else row.get(key)) for key, _ in COLUMNS]


def filename(report: dict, ext: str) -> str:
    return f"overdue-{report['unit']}-{report['as_of']}.{ext}"


def overdue_csv(report: dict) -> bytes:
    return csv_bytes([[title for _, title in COLUMNS], *(_values(row) for row in report["tasks"])])


# Typed cells: codes are text (a 12-digit code as a number shows as 1.40121E+11), the due date a
# date cell so filters and sorting by date work, days a number.
_FORMATS = {"unit": TEXT, "requirement": TEXT, "due": DATE, "days_overdue": INTEGER}


def _typed(row: dict) -> list:
    values = _values(row)
    due = COLUMNS.index(("due", "截止日期"))
    values[due] = date_or_none(values[due]) or values[due]
    return values


def overdue_xlsx(report: dict) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "逾期任务"
    append_row(ws, [f"{report.get('unit_name', report['unit'])} 逾期任务报告（评估日期 {report['as_of']}）"])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [title for _, title in COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    formats = [_FORMATS.get(key) for key, _ in COLUMNS]
    for row in report["tasks"]:
        append_row(ws, _typed(row), formats)
        colour = Status.COLOURS.get(row.get("status", ""), "grey")
        ws.cell(row=ws.max_row, column=5).fill = PatternFill("solid", fgColor=_FILLS[colour])
    for letter, width in zip("ABCDEFGHIJK", (14, 16, 22, 30, 10, 12, 10, 14, 50, 30, 14), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ---------------------------------------------------------------------------
# 报送情况 (issue 18): the grid and the rows of the completeness report
# ---------------------------------------------------------------------------
PERCENT = "0%"


def reporting_filename(root_code: str, period: str, focus_code: str = "") -> str:
    return f"reporting-{root_code}-{period}{'-' + focus_code if focus_code else ''}.xlsx"


def _bold_row(ws, row: int) -> None:
    for cell in ws[row]:
        cell.font = Font(bold=True)


def _grid_sheet(ws, grid) -> None:
    ws.title = "期间汇总"
    append_row(ws, [f"{grid.year}年各期间报送率与及时率（报送率着色：绿 ≥90%，黄 ≥60%，红 <60%，灰 无应报）"])
    ws["A1"].font = Font(bold=True, size=13)
    header = ["单位代码", "单位名称"]
    for _, label in grid.columns:
        header += [f"{label}应报", f"{label}已报", f"{label}及时", f"{label}报送率", f"{label}及时率"]
    append_row(ws, header)
    _bold_row(ws, 2)
    formats = [TEXT, TEXT] + [INTEGER, INTEGER, INTEGER, PERCENT, PERCENT] * len(grid.columns)
    for row in [*grid.rows, grid.total]:
        values: list = [row.code if row is not grid.total else "", row.name]
        for c in row.cells:
            values += [c.tally.expected, c.tally.reported, c.tally.on_time, c.tally.reporting_rate, c.tally.timely_rate]
        append_row(ws, values, formats)
        for i, c in enumerate(row.cells):
            ws.cell(row=ws.max_row, column=3 + 5 * i + 3).fill = PatternFill("solid", fgColor=_FILLS[c.colour])
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = 14, 18
    ws.freeze_panes = "C3"


_ROW_COLUMNS = ["单位代码", "单位名称", "要求编码", "要求", "应报", "已报", "及时", "缺报"]


def _rows_sheet(ws, rows: list[dict], titles: dict, heading: str) -> None:
    append_row(ws, [heading])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, _ROW_COLUMNS)
    _bold_row(ws, 2)
    formats = [TEXT, TEXT, TEXT, TEXT, INTEGER, INTEGER, INTEGER, INTEGER]
    for r in rows:
        missing = r["expected"] - r["reported"]
        append_row(ws, [r["unit"], r["unit_name"], r["requirement"], titles.get(r["requirement"], r["requirement"]),
                        r["expected"], r["reported"], r["on_time"], missing], formats)
        if missing:
            ws.cell(row=ws.max_row, column=8).fill = PatternFill("solid", fgColor=_FILLS["red"])
    for letter, width in zip("ABCDEFGH", (14, 16, 22, 36, 8, 8, 8, 8), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A3"


def reporting_xlsx(*, grid, rows: list[dict], titles: dict, heading: str) -> bytes:
    """The 报送情况 page as a workbook: 期间汇总 (the grid, when the unit has one) and 明细 (every
    row of the period's completeness report, the missing ones marked)."""
    wb = Workbook()
    if grid is not None:
        _grid_sheet(wb.active, grid)
        ws = wb.create_sheet("明细")
    else:
        ws = wb.active
        ws.title = "明细"
    _rows_sheet(ws, rows, titles, heading)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
