"""The scorecard's Excel twin read back with openpyxl: numbers are numeric cells with a number
format (one decimal for points), dates are date cells, codes stay text, so SUM, AVERAGE and
sorting work in Excel and nothing is flagged "number stored as text"."""

from __future__ import annotations

import io
from datetime import date, datetime

from openpyxl import load_workbook

from apps.reports import services
from tests.reports.conftest import AS_OF, TITLES

TOWNSHIP = "140121100000"
COUNTY = "140121000000"


def _book(units, people, code=TOWNSHIP):
    card, _ = services.scorecard_generate(unit=units[code], as_of=AS_OF, user=people["county"])
    return load_workbook(io.BytesIO(services.scorecard_xlsx(card=card, user=people["county"])))


def _by_label(ws):
    return {row[0].value: row[1] for row in ws.iter_rows(max_col=2)}


def test_it_writes_the_summary_scores_as_numbers_and_the_date_as_a_date(units, people, scorecard_catalog):
    summary = _by_label(_book(units, people)["概况"])
    own, subtree = summary["本级得分"], summary["汇总得分"]
    assert own.data_type == "n" and own.value == 70  # stored as a number ("70"), shown as 70.0
    assert own.number_format == subtree.number_format == "0.0"
    assert subtree.data_type == "n" and isinstance(subtree.value, int | float)
    as_of = summary["基准日"]
    assert as_of.is_date and as_of.value == datetime(2026, 6, 30) and as_of.number_format == "yyyy-mm-dd"
    assert summary["生成时间"].is_date and summary["生成时间"].number_format == "yyyy-mm-dd hh:mm"
    counts = [cell for label, cell in summary.items() if str(label).endswith("（项）")]
    assert counts and all(c.data_type == "n" and isinstance(c.value, int) and c.number_format == "0" for c in counts)
    code = summary["单位代码"]
    assert code.data_type == "s" and code.value == TOWNSHIP and code.number_format == "@"


def test_it_writes_requirement_points_with_one_decimal_and_due_dates_as_dates(units, people, scorecard_catalog):
    ws = _book(units, people)["要求明细"]
    header = [c.value for c in ws[1]]
    col = {name: header.index(name) for name in header}
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == 4
    due = {row[col["要求"]].value: row[col["完成期限"]] for row in rows}[TITLES["drill_annual"]]
    assert due.is_date and due.value.date() == date(2025, 12, 31) and due.number_format == "yyyy-mm-dd"
    for row in rows:
        due = row[col["完成期限"]]
        assert due.value is None or (due.is_date and due.number_format == "yyyy-mm-dd")
        for name in ("实际", "目标", "分值"):
            assert row[col[name]].data_type == "n" and row[col[name]].number_format != "General", name
        assert row[col["分值"]].number_format == "0.0"
        deducted = row[col["扣分"]]
        if deducted.value == "不计分":  # advisory requirements are listed, not scored
            assert deducted.data_type == "s"
        else:
            assert deducted.data_type == "n" and deducted.number_format == "0.0"
    points = [r[col["扣分"]].value for r in rows if r[col["扣分"]].data_type == "n"]
    assert sum(points) == 30.0  # SUM works: the overdue drill (a due-soon meeting deducts nothing yet)


def test_it_writes_overdue_days_as_numbers_and_subordinate_codes_as_text(units, people, scorecard_catalog):
    book = _book(units, people, COUNTY)
    overdue = list(book["逾期任务"].iter_rows(min_row=2))
    assert overdue
    for row in overdue:
        assert row[3].is_date and row[3].number_format == "yyyy-mm-dd"
        assert row[4].data_type == "n" and isinstance(row[4].value, int) and row[4].number_format == "0"
    children = list(book["下级单位"].iter_rows(min_row=2))
    assert children
    for row in children:
        assert row[0].data_type == "s" and len(row[0].value) == 12 and row[0].number_format == "@"
        assert row[2].data_type == row[3].data_type == "n" and row[2].number_format == row[3].number_format == "0.0"
        assert all(c.data_type == "n" and c.number_format == "0" for c in row[5:])
