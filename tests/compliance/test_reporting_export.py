"""The 报送情况 Excel download: the grid and the rows, typed and formula-escaped, access-checked
and audited."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from apps.compliance import services
from apps.core.models import AuditEvent
from tests.compliance.reporting_data import COUNTY, DONGJIE, QINGYUAN, reporting_catalog, reporting_evidence

URL = f"/compliance/units/{COUNTY}/reporting/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def data(units, time_machine):
    reporting_catalog()
    return reporting_evidence(units, time_machine)


def _book(response):
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(io.BytesIO(response.content))


def test_it_exports_the_grid_and_the_rows_and_audits_it(data, people, client_for):
    response = client_for(people["county"]).get(URL + "?period=2026&format=xlsx")
    assert response["Content-Disposition"] == f'attachment; filename="reporting-{COUNTY}-2026.xlsx"'
    book = _book(response)
    assert book.sheetnames == ["期间汇总", "明细"]
    grid = book["期间汇总"]
    assert [c.value for c in grid[2]][:7] == ["单位代码", "单位名称", "第1季度应报", "第1季度已报", "第1季度及时",
                                              "第1季度报送率", "第1季度及时率"]
    qingyuan = list(grid[3])
    assert [c.value for c in qingyuan[:5]] == [QINGYUAN, "清源镇", 3, 3, 2]
    assert (qingyuan[5].value, qingyuan[5].number_format) == (1.0, "0%")
    assert qingyuan[6].value == 0.6667 and qingyuan[0].data_type == "s"
    assert qingyuan[5].fill.fgColor.rgb.endswith("D1E7DD")  # green: 100 %
    assert [c.value for c in grid[5]][:5] == [None, "合计", 5, 3, 2]  # and 徐沟镇 with 北关村: 2 missing
    rows = book["明细"]
    assert rows["A1"].value.startswith("清徐县 2026年报送明细")
    body = [[c.value for c in r] for r in rows.iter_rows(min_row=3)]
    assert [DONGJIE, "东街村", "meeting.quarterly", "每季度召开应急工作会议", 3, 1, 1, 2] in body
    event = AuditEvent.objects.get(action="compliance.reporting_export")
    assert (event.unit_code, event.actor, event.detail["period"], event.detail["rows"]) == (
        COUNTY, people["county"], "2026", len(body))


def test_a_drill_down_exports_only_its_unit(data, people, client_for):
    response = client_for(people["county"]).get(URL + f"?period=2026Q2&focus={QINGYUAN}&format=xlsx")
    assert response["Content-Disposition"].endswith(f'reporting-{COUNTY}-2026Q2-{QINGYUAN}.xlsx"')
    codes = {r[0].value for r in _book(response)["明细"].iter_rows(min_row=3)}
    assert codes == {QINGYUAN, DONGJIE, "140121100202"}


def test_it_escapes_formula_like_names(data, people, client_for):
    data[QINGYUAN].name = "=HYPERLINK(\"http://x\",\"y\")"
    data[QINGYUAN].save()
    book = _book(client_for(people["county"]).get(URL + "?period=2026&format=xlsx"))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    named = [c for c in cells if c.value == data[QINGYUAN].name]
    assert named and all(c.data_type == "s" and c.quotePrefix for c in named)


def test_it_refuses_outsiders_and_who_may_not_export(data, people, client_for):
    assert client_for(people["other_township"]).get(
        f"/compliance/units/{QINGYUAN}/reporting/?format=xlsx").status_code == 404
    assert client_for(people["tianjin_county"]).get(URL + "?format=xlsx").status_code == 404
    assert not AuditEvent.objects.filter(action="compliance.reporting_export").exists()


def test_the_service_refuses_without_export(data, people):
    with pytest.raises(PermissionDenied):
        services.reporting_export(actor=people["security_admin"], root=data[COUNTY], period="2026",
                                  period_text="2026年", as_of=date(2026, 12, 1))
