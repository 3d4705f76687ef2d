"""Writing spreadsheet cells that Excel reads as what they are, and never runs as formulas.

One place for formula-injection escaping (CSV and XLSX differ) and for typed XLSX cells: numbers
as numbers with a number format, dates as date cells, codes as text. Every export uses these.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

# Excel (and LibreOffice) treat a typed entry starting with one of these as a formula; a tab or
# carriage return in front hides the sign from a naive check.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

TEXT = "@"
DATE = "yyyy-mm-dd"
DATETIME = "yyyy-mm-dd hh:mm"
INTEGER = "0"
POINTS = "0.0"  # scores, weights, deductions: one decimal
DECIMAL = "0.0##"  # other fractional numbers: at least one decimal, up to three


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_START


def csv_safe(value):
    """A CSV cell is re-parsed by Excel on opening: prefix formula-like text with ``'`` so it
    stays text (OWASP CSV injection). Other values pass unchanged."""
    return "'" + value if looks_like_formula(value) else value


def csv_bytes(rows) -> bytes:
    """CSV of ``rows`` (lists of cells), formula-like text escaped (csv_safe), as UTF-8 with a BOM
    so Excel on a Chinese Windows opens it with the right encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_safe(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def set_text(cell, value: str) -> None:
    """A string cell, whatever it starts with. openpyxl stores a string starting with "=" as a
    formula; in an .xlsx a string cell is never evaluated, so the data stays as it was (no visible
    apostrophe) and the quote-prefix style keeps it text if someone edits the cell in Excel."""
    cell.value = value
    cell.data_type = "s"
    if looks_like_formula(value):
        cell.quotePrefix = True


def set_cell(cell, value, number_format: str | None = None) -> None:
    """Write ``value`` typed: str -> text cell (codes stay text), int/float/Decimal -> number,
    date/datetime -> date cell; ``number_format`` overrides the default format of that type."""
    if value is None or value == "":
        cell.value = None
        if number_format == TEXT:
            cell.number_format = TEXT
        return
    if isinstance(value, str):
        set_text(cell, value)
        cell.number_format = TEXT if number_format in (None, TEXT) else number_format
        return
    if isinstance(value, bool):
        cell.value = "是" if value else "否"
        return
    if isinstance(value, Decimal):
        value = float(value)
    cell.value = value
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, datetime):
        cell.number_format = DATETIME
    elif isinstance(value, date):
        cell.number_format = DATE
    elif isinstance(value, int):
        cell.number_format = INTEGER
    elif isinstance(value, float):
        cell.number_format = INTEGER if value.is_integer() else DECIMAL


def append_row(ws, values, formats=None) -> int:
    """Append one row of typed cells; ``formats`` is a parallel list (None = by type)."""
    row = ws.max_row + 1 if ws.max_row > 1 or ws.cell(1, 1).value is not None else 1
    formats = formats or [None] * len(values)
    for col, (value, fmt) in enumerate(zip(values, formats, strict=False), start=1):
        set_cell(ws.cell(row=row, column=col), value, fmt)
    return row


def number_or_none(text):
    """Back from a display string ("82.4", "0", "—") to a number; None when it is not one."""
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        return float(text) if isinstance(text, Decimal) else text
    if not isinstance(text, str):
        return None
    try:
        number = float(text.strip())
    except ValueError:
        return None
    return int(number) if number.is_integer() and "." not in text else number


def date_or_none(text):
    """An ISO date string to a date; None when it is not one."""
    if isinstance(text, date):
        return text
    try:
        return date.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None
