"""The overdue report as CSV and XLSX: Excel-safe, Chinese headers, no personal data."""

import csv
import io
from datetime import datetime

from openpyxl import load_workbook

from apps.compliance import exports

REPORT = {
    "unit": "140121000000", "unit_name": "清徐县", "as_of": "2025-03-01",
    "tasks": [{
        "unit": "140121100201", "unit_name": "=HYPERLINK(\"http://x\")", "requirement": "drill.annual",
        "requirement_title": "每年至少组织1次综合演练", "due": "2024-12-31", "days_overdue": 60,
        "status": "overdue", "status_label": "已逾期", "source": "中办国办意见(十三)",
        "missing": "-2024年度综合演练未开展", "subject": "2024年度",
    }],
}


def test_it_writes_a_csv_excel_opens_in_the_right_encoding():
    body = exports.overdue_csv(REPORT)
    assert body.startswith(b"\xef\xbb\xbf")
    header, row = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert header == [title for _, title in exports.COLUMNS]
    assert row[:3] == ["140121100201", "'=HYPERLINK(\"http://x\")", "drill.annual"]
    assert row[4] == "已逾期" and row[8] == "'-2024年度综合演练未开展"


def test_it_writes_an_xlsx_with_a_title_header_and_no_formulas():
    sheet = load_workbook(io.BytesIO(exports.overdue_xlsx(REPORT))).active
    assert sheet.title == "逾期任务"
    assert sheet["A1"].value == "清徐县 逾期任务报告（评估日期 2025-03-01）"
    assert [c.value for c in sheet[2]] == [title for _, title in exports.COLUMNS]
    assert sheet["B3"].value == "=HYPERLINK(\"http://x\")" and sheet["B3"].data_type == "s"
    assert sheet["G3"].value == 60


def test_it_types_the_xlsx_cells_codes_as_text_dates_as_dates_days_as_numbers():
    sheet = load_workbook(io.BytesIO(exports.overdue_xlsx(REPORT))).active
    code, due, days = sheet["A3"], sheet["F3"], sheet["G3"]
    assert code.data_type == "s" and code.value == "140121100201" and code.number_format == "@"
    assert sheet["C3"].data_type == "s" and sheet["C3"].number_format == "@"
    assert due.is_date and due.value == datetime(2024, 12, 31) and due.number_format == "yyyy-mm-dd"
    assert days.data_type == "n" and days.number_format == "0"
    assert sheet["I3"].value == "-2024年度综合演练未开展" and sheet["I3"].data_type == "s"


def test_it_names_the_file_after_the_unit_and_date():
    assert exports.filename(REPORT, "xlsx") == "overdue-140121000000-2025-03-01.xlsx"
