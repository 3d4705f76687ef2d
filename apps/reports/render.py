"""Render a scorecard payload: PDF (WeasyPrint, CJK font embedded and subset) and the Excel twin."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import datetime

from django.template.loader import render_to_string

from apps.compliance.results import days_late, days_text
from apps.core.spreadsheets import (
    DATE,
    DATETIME,
    INTEGER,
    POINTS,
    TEXT,
    append_row,
    date_or_none,
    number_or_none,
)
from apps.reports import content
from apps.reports.fonts import CJK_FAMILY, require_cjk_font


@dataclass(frozen=True)
class Meta:
    """What is printed on the file but is not part of the data: who/when, and how to verify."""

    verification_code: str  # as displayed, e.g. "K7QX-3M9P"
    verify_url: str
    generated_at: str  # local time, "YYYY-MM-DD HH:MM"
    generated_by: str = ""


def qr_data_uri(text: str) -> str:
    import qrcode

    image = qrcode.make(text, box_size=4, border=1)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _css_string(value: str) -> str:
    """Quote text for a CSS ``content:`` string (page header)."""
    # "<" and ">" as CSS escapes: a unit named "</style><img src=http://…>" must not end the
    # <style> element (WeasyPrint would fetch the URL).
    value = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return '"' + value.replace("<", "\\3c ").replace(">", "\\3e ") + '"'


def render_html(payload: dict, meta: Meta) -> str:
    unit = payload["unit"]
    return render_to_string(
        "reports/scorecard_pdf.html",
        {
            "p": payload,
            "meta": meta,
            "font_family": CJK_FAMILY,
            "header_text": _css_string(f"{unit['name']}（{unit['code']}）应急管理履职合规评分卡"),
            "header_right": _css_string(f"基准日 {payload['as_of']}  核验码 {meta.verification_code}"),
            "qr": qr_data_uri(meta.verify_url),
            "method": content.method_text(payload["thresholds"]),
            "overdue_rows": payload["overdue"][: content.OVERDUE_ROWS_IN_PDF],
            "overdue_cut": max(0, len(payload["overdue"]) - content.OVERDUE_ROWS_IN_PDF),
            "title": _title(payload),
        },
    )


def _title(payload: dict) -> str:
    kind = {"county": "县级", "township": "乡镇(街道)", "village": "村(社区)"}.get(payload["kind"], "")
    return f"{kind}基层应急管理履职合规评分卡"


PDF_VARIANT = "pdf/ua-1"


def render_pdf(payload: dict, meta: Meta) -> bytes:
    from weasyprint import HTML

    require_cjk_font()
    html = render_html(payload, meta)
    # Subsetting (WeasyPrint's default) keeps only the glyphs used: a township card stays small.
    # PDF/UA-1: tagged (structure tree, reading order, alt text) with XMP metadata, for screen
    # readers and archives; the document language comes from <html lang="zh-CN"> (/Lang).
    return HTML(string=html).write_pdf(pdf_variant=PDF_VARIANT)


# -- Excel twin ---------------------------------------------------------------------------------
FILLS = {"red": "FFCDD2", "yellow": "FFF59D", "green": "C8E6C9", "grey": "EEEEEE"}


# Column formats of the Excel twin: points with one decimal, counts whole, dates as date cells,
# codes as text. The payload holds display strings ("82.4", "—", "不计分"); the twin turns them
# back into numbers so SUM, AVERAGE and sorting work in Excel.
_REQ_FORMATS = [None, None, None, DATE, None, None, POINTS, POINTS, None, None]
_OVERDUE_FORMATS = [None, None, None, DATE, INTEGER, None, None, None]


def _points(text):
    """A score or point value: numeric, or the display text when it is not a number ("不计分")."""
    number = number_or_none(text)
    if number is not None:
        return float(number)
    return None if text in ("—", "", None) else text


def _amount(text):
    """实际 / 目标: counts or rates, numeric when they are numbers."""
    number = number_or_none(text)
    return number if number is not None else (None if text in ("—", "", None) else text)


def render_xlsx(payload: dict, meta: Meta) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    bold = Font(bold=True)

    def sheet(ws, header, rows, formats, status_col=None):
        append_row(ws, header)
        for cell in ws[ws.max_row]:
            cell.font = bold
        for row in rows:
            r = append_row(ws, row[0] if status_col is not None else row, formats)
            if status_col is not None:
                fill = FILLS.get(row[1])
                if fill:
                    ws.cell(r, status_col).fill = PatternFill("solid", fgColor=fill)
        for col in ws.columns:
            width = max(len(str(c.value or "")) for c in col)
            ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width * 2))

    unit = payload["unit"]
    ws = wb.active
    ws.title = "概况"
    summary = payload["summary"]
    for row, fmt in [
        (["标题", _title(payload)], None),
        (["单位", f"{unit['name']}（{unit['code']}）"], None),
        (["单位代码", unit["code"]], TEXT),
        (["上级", " / ".join(unit["chain"])], None),
        (["基准日", date_or_none(payload["as_of"])], DATE),
        (["生成时间", _datetime_or_text(meta.generated_at)], DATETIME),
        (["核验码", meta.verification_code], None),
        (["核验地址", meta.verify_url], None),
        (["封存", _seal_text(payload)], None),
        (["本级得分", _points(summary["own_score"])], POINTS),
        (["汇总得分", _points(summary["subtree_score"])], POINTS),
        (["汇总等级", summary["grade"]], None),
        *[([f"{c['label']}（项）", c["n"]], INTEGER) for c in summary["counts"]],
        (["评分方法", content.method_text(payload["thresholds"])], None),
    ]:
        append_row(ws, row, [None, fmt])
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 80

    req_header = ["单位", "要求", "状态", "完成期限", "实际", "目标", "分值", "扣分", "出处", "差距说明"]

    def req_rows(unit_name, rows):
        return [
            ([unit_name, r["title"], r["label"], date_or_none(r["due"]), _amount(r["actual"]),
              _amount(r["target"]), _points(r["weight"]), _points(r["deducted"]), r["source"], r["missing"]],
             r["colour"])
            for r in rows
        ]

    rows = req_rows(unit["name"], payload["requirements"])
    for section in payload["sections"]:
        rows += req_rows(section["unit"]["name"], section["requirements"])
    sheet(wb.create_sheet("要求明细"), req_header, rows, _REQ_FORMATS, status_col=3)
    sheet(
        wb.create_sheet("逾期任务"),
        ["单位", "要求", "状态", "期限", "逾期天数", "出处", "缺少", "到期情况"],
        [([r["unit_name"], r["title"], r["label"], date_or_none(r["due"]), _late(r), r["source"],
           r["missing"], _due_text(r)], r["colour"]) for r in payload["overdue"]],
        _OVERDUE_FORMATS,
        status_col=3,
    )
    children = list(payload["children"])
    for section in payload["sections"]:
        children += section["children"]
    counts = [c["label"] for c in payload["summary"]["counts"]]
    sheet(
        wb.create_sheet("下级单位"),
        ["代码", "单位", "本级得分", "汇总得分", "汇总等级", *counts],
        [[c["code"], c["name"], _points(c["own_score"]), _points(c["subtree_score"]), c["grade"],
          *[x["n"] for x in c["counts"]]] for c in children],
        [TEXT, None, POINTS, POINTS, None, *[INTEGER] * len(counts)],
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _datetime_or_text(text: str):
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return text


def _seal_text(payload: dict) -> str:
    seal = payload.get("seal")
    if not seal:
        return "临时版本（未封存）"
    return f"已封存：{seal['number']}，{seal['created_by']} 于 {seal['created_at']} 封存，证据 {seal['evidence_count']} 条"


def _late(row: dict):
    # Payloads stored before days_late existed carry only days_overdue (negative when not yet due).
    return row["days_late"] if "days_late" in row else days_late(row.get("days_overdue"))


def _due_text(row: dict) -> str:
    return row["due_text"] if "due_text" in row else days_text(row.get("days_overdue"), row.get("due"))
