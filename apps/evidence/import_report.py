"""What a failed import tells its user: errors grouped by column and message (with counts and the
first rows of each group, offending value shown), and the user's own rows back as an Excel file
with an error column added, to correct in place and upload again.

The report file is held like a pending import (pending_imports.HeldFiles): a private directory under
MEDIA_ROOT, a random token only the uploader's session knows, removed after a day.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from apps.core.spreadsheets import append_row
from apps.evidence.pending_imports import HeldFiles

EXAMPLES = 5
ERROR_HEADER = "错误说明"
_RED = PatternFill("solid", fgColor="F8D7DA")


@dataclass
class ErrorGroup:
    column: str
    message: str
    rows: list[int] = field(default_factory=list)
    examples: list[tuple[int, Any]] = field(default_factory=list)  # (row, offending value)

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.examples))


def _table(data: bytes):
    from apps.evidence.importing import ImportRejected, read_table

    try:
        return read_table(data)
    except ImportRejected:
        return [], []


def _shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:16].replace("T", " ")
    return str(value)[:60]


def group_errors(errors, data: bytes) -> list[ErrorGroup]:
    """Errors by (column, message), biggest group first; each with its first rows and values."""
    header, rows = _table(data)
    index = {str(h).strip(): i for i, h in enumerate(header) if h is not None}
    values = dict(rows)
    groups: dict[tuple[str, str], ErrorGroup] = {}
    for e in errors:
        group = groups.setdefault((e.column, e.message), ErrorGroup(e.column, e.message))
        group.rows.append(e.row)
        if len(group.examples) < EXAMPLES:
            cells = values.get(e.row)
            col = index.get(e.column)
            value = cells[col] if cells is not None and col is not None and col < len(cells) else None
            group.examples.append((e.row, _shown(value) if cells is not None and col is not None else "—"))
    return sorted(groups.values(), key=lambda g: (-g.count, g.column, g.message))


def error_workbook(errors, data: bytes) -> bytes:
    """The user's rows as uploaded, plus a 错误说明 column; rows with errors filled red."""
    header, rows = _table(data)
    by_row: dict[int, list[str]] = {}
    for e in errors:
        by_row.setdefault(e.row, []).append(f"{e.column}：{e.message}" if e.column else e.message)
    wb = Workbook()
    ws = wb.active
    ws.title = "错误报告"
    width = len(header)
    append_row(ws, [*header, ERROR_HEADER])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    if by_row.get(1) or by_row.get(0):
        ws.cell(row=1, column=width + 1, value="；".join(by_row.get(0, []) + by_row.get(1, [])))
    for number, cells in rows:
        messages = by_row.get(number, [])
        append_row(ws, [*cells, *([""] * (width - len(cells))), "；".join(messages)])
        if messages:
            for cell in ws[ws.max_row]:
                cell.fill = _RED
    ws.column_dimensions[ws.cell(row=1, column=width + 1).column_letter].width = 60
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


_reports = HeldFiles("import-errors", ".xlsx")
store, load = _reports.store, _reports.load
