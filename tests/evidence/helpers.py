"""Builders for evidence tests: valid ID numbers, CSV and xlsx files."""

from __future__ import annotations

import io
from datetime import date, timedelta

from openpyxl import Workbook

from apps.core.pii import id_check_digit
from apps.evidence.kinds import KINDS

TODAY = date(2026, 6, 30)
QINGYUAN = "140121100000"  # township of people["township"]
DONGJIE = "140121100201"  # village under 清源镇
XUGOU = "140121101000"  # township of people["other_township"]


def make_id(seq: int, region: str = "140121") -> str:
    """A valid 18-digit ID number (GB 11643 check digit) unique per seq."""
    birth = date(1970, 1, 1) + timedelta(days=seq // 900)
    first17 = f"{region}{birth:%Y%m%d}{seq % 900 + 100:03d}"
    return first17 + id_check_digit(first17)


def csv_bytes(kind: str, rows: list[list], encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    header = header or KINDS[kind].headers
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(kind: str, rows: list[list], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header or KINDS[kind].headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


PERSON_ROW = [QINGYUAN, "张三", make_id(1), "13812345678", "乡镇（街道）干部", "2024-03-01"]
