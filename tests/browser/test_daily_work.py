"""Issue 15 in Chromium: the review queue, 督办 as a workflow, the import error report, the printed
dashboard, projections for future dates, the township's phone and the Chinese error pages.
Screenshots of the new screens are copied into docs/img/ (see docs/portal.md)."""

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.evidence.kinds import KINDS
from apps.evidence.services import record_create
from apps.portal.services import supervision_create
from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QINGXU, QINGYUAN, DONGJIE = "140121000000", "140121100000", "140121100201"


def _drill(units, people, subject, unit=QINGYUAN):
    return record_create(kind="drills", unit=units[unit], actor=people["township"],
                         values={"held_on": timezone.localdate() - timedelta(days=3), "drill_type": "comprehensive",
                                 "subject": subject, "participants": 30, "evaluation": ""})


def test_it_lets_a_county_official_work_through_the_review_queue(page, shot, people, units, journey_catalog):
    first = _drill(units, people, "汛前综合演练", unit=DONGJIE)
    _drill(units, people, "消防疏散演练")
    login(page, "county", PASSWORD)
    nav = page.locator(".mainnav").get_by_role("link", name=re.compile("待审核"))
    expect(nav).to_have_text("待审核（2）")
    expect(page.locator('[data-testid="queue-kpi"] .kpi-value')).to_have_text("2")  # the dashboard says so too
    nav.click()
    expect(page.locator("table.queue tbody tr")).to_have_count(2)
    expect(page.locator("table.queue tbody tr").first).to_contain_text("汛前综合演练")  # oldest first
    shot(page, "review-1-queue")

    page.get_by_role("link", name="从最早的一条开始审核").click()
    expect(page.locator("h1")).to_contain_text("汛前综合演练")
    page.get_by_role("button", name="退回").click()  # no reason: refused, nothing changed
    expect(page.locator("#review .error")).to_contain_text("退回时请填写原因")
    page.fill("#id_note", "请补充演练签到表和现场照片")
    page.get_by_role("button", name="退回").click()
    expect(page.locator('[data-testid="decided"]')).to_contain_text("已退回")
    expect(page.locator("#next")).to_be_focused()
    shot(page, "review-2-decided")
    page.locator("#next").click()
    expect(page.locator("h1")).to_contain_text("消防疏散演练")
    page.get_by_role("button", name="审核通过").click()
    page.locator("#next").click()
    expect(page.locator(".messages")).to_contain_text("待审核队列已清空")
    expect(nav).to_have_text("待审核（0）")

    # The township sees the reason on the record until it resubmits; history names 退回.
    page.context.clear_cookies()
    login(page, "township", PASSWORD)
    page.goto(f"/evidence/drills/{first.pk}/")
    expect(page.locator('[data-testid="returned-reason"]')).to_contain_text("请补充演练签到表和现场照片")
    expect(page.locator("table").last).to_contain_text("退回（请补充演练签到表和现场照片）")


def test_it_runs_a_supervision_from_the_overdue_list_to_closing(page, shot, people, units, journey_catalog):
    login(page, "county", PASSWORD)
    page.goto(f"/overdue/{QINGXU}/")
    page.select_option("#id_requirement", label="明确应急管理专职人员")  # titles, not codes
    page.select_option("#id_unit", label="清源镇")
    page.get_by_role("button", name="筛选").click()
    row = page.locator("table tbody tr").first
    expect(row).to_contain_text("明确应急管理专职人员")
    row.get_by_role("link", name="督办").click()
    expect(page.locator("#id_requirement_code option:checked")).to_have_text("明确应急管理专职人员")
    due = timezone.localdate() + timedelta(days=7)
    page.fill("#id_due_on", due.isoformat())
    page.fill("#id_text", "请一周内明确应急管理专职人员并录入系统。")
    page.locator("#supervise button[type=submit]").click()
    expect(page.locator(".messages")).to_contain_text("已向清源镇发送督办")

    page.context.clear_cookies()
    login(page, "township", PASSWORD)
    item = page.locator("#supervisions li.supervision").first
    expect(item).to_contain_text("相关要求：明确应急管理专职人员")
    expect(item).to_contain_text("7 天后到期")
    item.get_by_role("link", name="办理与反馈").click()
    expect(page.get_by_role("link", name=re.compile("去填报"))).to_have_attribute(
        "href", re.compile(f"/evidence/personnel/new/{QINGYUAN}/"))
    page.fill("#id_reply", "已明确王五为专职人员，记录已录入。")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.locator('[data-testid="sup-state"]')).to_have_text("已反馈，待办结")

    page.context.clear_cookies()
    login(page, "county", PASSWORD)
    page.goto(page.url.replace("/accounts/login/", "/")) if "login" in page.url else None
    page.goto(f"/units/{QINGYUAN}/#supervise")
    page.locator("#supervise li.supervision").first.get_by_role("link", name="查看与办结").click()
    expect(page.locator('[data-testid="sup-reply"]')).to_contain_text("已明确王五为专职人员")
    page.fill("#id_close_note", "已核实")
    page.get_by_role("button", name="办结").click()
    expect(page.locator('[data-testid="sup-closed"]')).to_contain_text("办结")
    shot(page, "supervision-1-closed")


def test_it_shows_overdue_supervisions_on_the_dashboard(page, shot, people, units, journey_catalog):
    from apps.portal.models import Supervision

    s = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请尽快组织综合演练",
                           requirement_code="CN-DRILL-COMPREHENSIVE")
    Supervision.objects.filter(pk=s.pk).update(due_on=timezone.localdate() - timedelta(days=4))
    login(page, "county", PASSWORD)
    section = page.locator("#overdue-supervisions")
    expect(section).to_contain_text("每年至少1次综合演练")
    expect(section).to_contain_text("已逾期 4 天")
    shot(page, "supervision-2-overdue-on-dashboard")


def _bad_roster() -> bytes:
    headers = KINDS["personnel"].headers
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for i in range(4):
        row = {"单位代码": QINGYUAN, "姓名": f"李{i}", "手机号": "12345", "人员类别": "乡镇（街道）干部",
               "任职日期": "2024-03-01"}
        ws.append([row.get(h, "") for h in headers])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_groups_import_errors_and_hands_back_an_error_workbook(page, shot, people, units, journey_catalog):
    login(page, "township", PASSWORD)
    page.goto("/evidence/import/?kind=personnel")
    page.select_option("#id_kind", "personnel")
    page.set_input_files("#id_file", files=[{
        "name": "人员.xlsx", "buffer": _bad_roster(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.locator("form button.primary").first.click()
    group = page.locator("#import-errors table.errors tbody tr").first
    expect(group).to_contain_text("手机号")
    expect(group.locator("td.num")).to_have_text("4")
    expect(group).to_contain_text("第 2 行：12345")
    shot(page, "import-1-error-report")
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile("下载错误报告")).click()
    sheet = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "错误说明" and "手机号" in rows[1][-1] and rows[1][1] == "李0"


def test_it_prints_the_dashboard_without_navigation_and_marks_projections(page, shot, people, journey_catalog):
    login(page, "county", PASSWORD)
    page.emulate_media(media="print")
    expect(page.locator(".topbar")).to_be_hidden()
    expect(page.locator("form.filters")).to_be_hidden()
    expect(page.locator("table.matrix thead")).to_have_css("display", "table-header-group")
    red = page.locator("table.matrix td.cell-red").first
    expect(red).to_have_css("print-color-adjust", "exact")
    shot(page, "county-print-dashboard")
    page.emulate_media(media="screen")

    future = date(timezone.localdate().year + 1, 6, 30).isoformat()
    page.goto(f"/dashboard/{QINGXU}/?as_of={future}")
    expect(page.locator('[data-testid="forecast"]')).to_contain_text("预测")
    page.goto("/reports/")
    expect(page.locator("#id_as_of")).to_have_attribute("max", timezone.localdate().isoformat())
    page.fill("#id_as_of", future)
    assert page.evaluate("document.querySelector('#id_as_of').checkValidity()") is False  # the picker refuses it
    # ... and should a request get through anyway, the server says why (tests/reports/test_future.py).


def test_it_shows_a_township_what_is_due_first_and_keeps_rows_on_one_line(page, shot, people, journey_catalog):
    login(page, "township", PASSWORD)
    cells = page.locator("table.worklist tbody tr").first.locator("td.nowrap")
    for i in range(cells.count()):
        box = cells.nth(i).bounding_box()
        assert box["height"] < 60, "a date, name or button wrapped at 1280 px"
    link = page.locator("table.worklist tr", has_text="每年至少1次综合演练").get_by_role("link", name=re.compile("填报"))
    expect(link).to_have_attribute("href", re.compile("drill_type=comprehensive"))
    link.click()
    expect(page.locator("#id_drill_type")).to_have_value("comprehensive")
    expect(page.locator("#id_photos")).to_be_visible()  # photos attach while creating
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/workspace/{QINGYUAN}/")
    assert page.locator("#due").bounding_box()["y"] < 844, "what is due is on the phone's first screen"


def test_it_answers_errors_in_chinese(page, people, journey_catalog):
    login(page, "county", PASSWORD)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_have_text("页面不存在（404）")
