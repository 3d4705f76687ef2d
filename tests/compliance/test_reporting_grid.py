"""The 「报送情况」 grid: townships × the periods of a year, coloured by 报送率 and 及时率, with the
drill-down of one cell; the same figures as the completeness report, constant query count."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import reporting_selectors, rules, selectors
from apps.core.models import AuditEvent
from apps.portal.models import Supervision
from tests.compliance.helpers import drill
from tests.compliance.reporting_data import (
    COUNTY,
    DONGJIE,
    OTHER,
    QINGYUAN,
    meeting,
    reporting_catalog,
    reporting_evidence,
)
from tests.factories import make_unit

URL = f"/compliance/units/{COUNTY}/reporting/"
QUARTERLY = {"evidence": "meeting", "period": "quarter", "min_count": 1}


@pytest.fixture
def data(units, time_machine):
    reporting_catalog()
    return reporting_evidence(units, time_machine)


def test_rate_bands_follow_the_grade_cut_offs():
    assert [rules.rate_band(v) for v in (None, 0.0, 0.59, 0.6, 0.89, 0.9, 1.0)] == [
        "grey", "red", "red", "yellow", "yellow", "green", "green"]


def test_a_year_s_obligation_counts_for_the_year_and_for_no_quarter():
    fact = rules.PeriodFact("drill.annual", QINGYUAN, "", date(2026, 1, 1), date(2026, 12, 31), True, False)
    assert rules.tally([fact], (date(2026, 1, 1), date(2026, 3, 31))) == rules.Tally(0, 0, 0)
    assert rules.tally([fact], (date(2026, 1, 1), date(2026, 12, 31))) == rules.Tally(1, 1, 0)


def test_each_cell_equals_the_completeness_report_of_that_township_and_period(data):
    grid = reporting_selectors.reporting_overview(data[COUNTY], "2026", date(2026, 12, 1)).grid
    assert [p for p, _ in grid.columns] == ["2026Q1", "2026Q2", "2026Q3", "2026Q4", "2026"]
    assert [r.code for r in grid.rows] == [QINGYUAN, OTHER]
    for row in [*grid.rows, grid.total]:
        for cell in row.cells:
            totals = selectors.completeness_report(data[row.code], cell.period, date(2026, 12, 1))["totals"]
            assert (cell.tally.expected, cell.tally.reported, cell.tally.on_time) == (
                totals["expected"], totals["reported"], totals["on_time"]), (row.code, cell.period)
    q1 = grid.rows[0].cells[0]
    # 清源镇 and its two villages each owe Q1's meeting; all three held it, 西街村 entered it late.
    assert (q1.tally, q1.reporting_pct, q1.timely_pct, q1.colour, q1.timely_colour) == (
        rules.Tally(3, 3, 2), "100%", "67%", "green", "yellow")
    # Q4 has not ended on 1 December: nothing expected, grey.
    assert (grid.rows[0].cells[3].tally.expected, grid.rows[0].cells[3].colour) == (0, "grey")
    # The year: three ended quarters for three units (the annual drill of 2026 is not over yet).
    assert grid.rows[0].cells[4].tally == rules.Tally(9, 4, 3)


def test_the_page_shows_the_grid_with_numbers_words_and_a_legend(data, people, client_for):
    page = client_for(people["county"]).get(URL + "?period=2026").content.decode()
    assert "乡镇（街道） × 期间（2026年）" in page and 'id="grid-legend"' in page and "90% 及以上" in page
    assert 'class="cell cell-green timely-yellow" data-period="2026Q1"' in page
    assert "清源镇第1季度：报送率 100%（已报 3/应报 3），及时率 67%（及时 2）" in page
    assert f'href="?period=2026Q2&amp;focus={QINGYUAN}#missing"' in page
    assert "<caption" in page and "无应报" in page


def test_cells_and_legend_follow_the_configured_grade_cut_offs(data, people, client_for, settings):
    settings.COMPLIANCE_GRADE_PASS = 70
    page = client_for(people["county"]).get(URL + "?period=2026").content.decode()
    assert "低于 70%" in page and "70%–90%" in page
    # 清源镇 Q1: reported 3 of 3 (100 %) stays green; its on-time rate of 67 % is now below the pass mark.
    assert 'class="cell cell-green timely-red" data-period="2026Q1"' in page


def test_an_auditor_sees_the_grid(data, people, client_for):
    response = client_for(people["auditor"]).get(URL + "?period=2026")
    assert response.status_code == 200 and "乡镇（街道） × 期间" in response.content.decode()


def test_a_cell_drills_down_to_its_missing_units_and_requirements(data, people, client_for):
    page = client_for(people["county"]).get(URL + f"?period=2026Q2&focus={QINGYUAN}").content.decode()
    missing = page[page.index('id="missing"'):page.index("期间确认")]
    assert "尚未报送：清源镇 · 2026年第2季度" in missing
    # Q2: the villages lack their meeting; 清源镇 held its own; nothing of the other township.
    assert "东街村" in missing and "西街村" in missing and "每季度召开应急工作会议" in missing
    assert ">清源镇<" not in missing and "徐沟镇" not in missing and "北关村" not in missing


def test_a_focus_outside_the_page_s_subtree_or_reach_is_refused(data, people, client_for):
    county = client_for(people["county"])
    assert county.get(f"/compliance/units/{QINGYUAN}/reporting/?focus={OTHER}").status_code == 404
    assert client_for(people["township"]).get(URL).status_code == 404
    assert client_for(people["township"]).get(
        f"/compliance/units/{QINGYUAN}/reporting/?focus={COUNTY}").status_code == 404


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL + "?period=2026Q1&focus=" + QINGYUAN).status_code == 200
    return len(ctx.captured_queries)


def test_the_query_count_does_not_grow_with_the_county(data, people, client_for):
    client = client_for(people["county"])
    small = _page_queries(client)
    county = data[COUNTY]
    for t in range(2, 8):
        township = make_unit(f"1401211{t:02d}000", f"第{t}镇", "township", county)
        for v in range(1, 4):
            village = make_unit(f"1401211{t:02d}2{v:02d}", f"第{t}镇{v}村", "village", township)
            meeting(village, date(2026, 2, v))
        drill(township, date(2026, 5, 1))
    assert _page_queries(client) == small
    page = client.get(URL + "?period=2026").content.decode()
    assert len(re.findall(r'<tr><th scope="row"><a href="/compliance/units/1401211', page)) == 8


def test_a_county_official_sends_a_prefilled_supervision_from_a_missing_row(data, people, client_for):
    client = client_for(people["county"])
    here = URL + f"?period=2026Q2&focus={QINGYUAN}"
    page = client.get(here).content.decode()
    row = page[page.index(">东街村<"):]
    row = row[:row.index("</tr>")]
    assert f'action="/units/{DONGJIE}/supervise/"' in row
    assert 'name="requirement_code" value="meeting.quarterly"' in row
    text = "东街村2026年第2季度「每季度召开应急工作会议」应报 1 次，已报 0 次，尚缺 1 次。请尽快开展并录入记录。"
    assert text in row
    response = client.post(f"/units/{DONGJIE}/supervise/", {
        "requirement_code": "meeting.quarterly", "next": here, "due_on": "", "text": text})
    assert response.status_code == 302 and response["Location"] == here
    s = Supervision.objects.get()
    assert (s.unit.code, s.requirement_code, s.requirement_title, s.text, s.created_by) == (
        DONGJIE, "meeting.quarterly", "每季度召开应急工作会议", text, people["county"])
    assert s.due_on == date(2026, 12, 15)  # the service's default: two weeks
    event = AuditEvent.objects.get(action="portal.supervision_create")
    assert (event.unit_code, event.detail["supervision"], event.actor) == (DONGJIE, s.pk, people["county"])


@pytest.mark.parametrize("who", ["auditor", "township"])
def test_only_who_may_supervise_sees_the_supervision_form(data, people, client_for, who):
    url = URL if who == "auditor" else f"/compliance/units/{QINGYUAN}/reporting/"
    page = client_for(people[who]).get(url + "?period=2026Q2").content.decode()
    assert "发送督办" not in page and "/supervise/" not in page
