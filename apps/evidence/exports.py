"""A kind's record list as CSV or XLSX bytes (the 「导出」 buttons of the record lists).

Masked by default, like every export (issue 17): ID and mobile numbers as 110***********1234 and
138****5678, and numbers typed into free text masked too. With ``clear`` (only for the roles of
安全设置 pii_reveal_roles (default PII_REVEAL_ROLES), asked for with a reason and audited by services.records_export) the
numbers are in full and the file says so: its first row, the sheet's header and the filename carry
「含完整个人信息，注意保密」.
"""

from __future__ import annotations

import io
from datetime import date
from itertools import chain

from openpyxl import Workbook
from openpyxl.styles import Font

from apps.core.spreadsheets import TEXT, append_row, csv_bytes
from apps.evidence.kinds import ID_NUMBER, MOBILE, UNIT, KindSpec
from apps.evidence.records import display_values

CLEAR_MARK = "含完整个人信息，注意保密"
MAX_ROWS = 50_000  # a bigger list is narrowed by unit or dates first


def has_personal_fields(kind: KindSpec) -> bool:
    return any(f.type in (ID_NUMBER, MOBILE) for f in kind.fields)


def _header(kind: KindSpec) -> list[str]:
    return ["单位名称", *(f.label for f in kind.fields), "审核状态"]


def _rows(kind: KindSpec, records, *, clear: bool):
    for record in records.iterator(chunk_size=2000):
        values = [v if v is not None else "" for _, _, v in display_values(kind, record, reveal=clear)]
        yield [record.unit.name, *values, record.get_review_status_display()]


def filename(kind: KindSpec, fmt: str, *, clear: bool, on: date) -> str:
    mark = f"（{CLEAR_MARK}）" if clear else ""
    return f"{kind.label}{mark}-{on.isoformat()}.{fmt}"


def records_csv(kind: KindSpec, records, *, clear: bool) -> bytes:
    """A clear export starts with the notice row."""
    head = [[CLEAR_MARK]] if clear else []
    return csv_bytes(chain(head, [_header(kind)], _rows(kind, records, clear=clear)))


def records_xlsx(kind: KindSpec, records, *, clear: bool) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = kind.label[:31]
    if clear:
        append_row(ws, [CLEAR_MARK])
        ws["A1"].font = Font(bold=True, color="C00000", size=13)
        # Printed on every page too.
        ws.oddHeader.center.text = CLEAR_MARK
        ws.evenHeader.center.text = CLEAR_MARK
    append_row(ws, _header(kind))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=ws.max_row + 1, column=1).coordinate
    # Codes and numbers stay text (a 12-digit code or an ID number as a number loses digits).
    formats = [TEXT, *(TEXT if f.type in (UNIT, ID_NUMBER, MOBILE) else None for f in kind.fields), None]
    for row in _rows(kind, records, clear=clear):
        append_row(ws, row, formats)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
