"""The three journeys of issue 6, end to end in Chromium, with screenshots."""

import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.evidence.kinds import KINDS
from apps.portal.services import supervision_create
from tests.browser.conftest import login
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QINGXU, QINGYUAN = "140121000000", "140121100000"


def test_it_lets_a_county_official_read_the_dashboard_and_send_a_reminder(page, shot, people, units, journey_catalog):
    # Pages read stored evaluations; the nightly run stores them (here: last month-end and today).
    from apps.compliance.services import county_report_build

    today = timezone.localdate()
    for day in (today.replace(day=1) - timedelta(days=1), today):
        county_report_build(county=units[QINGXU], as_of=day)
    login(page, "county", PASSWORD)
    expect(page).to_have_url(re.compile(f"/dashboard/{QINGXU}/"))
    expect(page.locator("h1")).to_contain_text("清徐县")
    expect(page.locator("table.matrix")).to_contain_text("清源镇")
    expect(page.locator("#trend-chart svg")).to_be_visible()  # ECharts, served by the portal itself
    expect(page.locator("#trend-chart svg")).to_contain_text(f"{today.year}年")  # dates with their year
    shot(page, "county-1-dashboard")

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content; the red
    # cell is reachable by keyboard and opens with Enter.
    page.keyboard.press("Tab")
    expect(page.locator(".skip-link")).to_be_focused()
    red = page.locator("table.matrix tr", has_text="清源镇").locator("td.cell-red a").first
    red.focus()
    expect(red).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(f"/units/{QINGYUAN}/"))
    expect(page.locator("#supervise")).to_be_visible()
    page.select_option("#id_requirement_code", "CN-STAFF")
    page.fill("#id_text", "请本月底前明确应急管理专职人员并录入系统。")
    page.click("#supervise button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("已向清源镇发送督办")
    expect(page.locator("#supervise")).to_contain_text("请本月底前明确应急管理专职人员")
    shot(page, "county-2-reminder-sent")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/dashboard/{QINGXU}/")
    expect(page.locator(".navtoggle")).not_to_have_attribute("open", "")  # menu folded on a phone
    shot(page, "county-3-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400  # the matrix scrolls inside its card


def roster_workbook(joined: date) -> bytes:
    headers = KINDS["roster"].headers
    values = {"单位代码": QINGYUAN, "队伍名称": "清源镇综合应急救援队", "队伍类型": "综合", "专兼职": "兼职",
              "入队日期": joined.isoformat()}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(headers)
    for i, name in enumerate(["张伟", "李娜", "王强"]):
        row = dict(values, 姓名=name)
        ws.append([row.get(h, "") for h in headers])
        assert i < 3
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_it_lets_township_staff_see_the_reminder_and_record_evidence(page, shot, people, units, journey_catalog):
    supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请尽快开展年度综合演练。",
                       requirement_code="CN-DRILL-COMPREHENSIVE")
    today = timezone.localdate()  # the portal's "today" (Asia/Shanghai), not the machine's
    login(page, "township", PASSWORD)
    expect(page).to_have_url(re.compile(f"/workspace/{QINGYUAN}/"))
    expect(page.locator("#supervisions")).to_contain_text("请尽快开展年度综合演练")
    row = page.locator("table.worklist tr", has_text="每年至少1次综合演练")
    expect(row).to_contain_text(f"{today.year}年12月31日")  # due date of this year's drill
    shot(page, "township-1-workspace")

    row.get_by_role("link", name=re.compile("填报")).click()
    page.fill("#id_held_on", today.isoformat())
    page.select_option("#id_drill_type", "comprehensive")
    page.fill("#id_subject", "防汛综合应急演练")
    if page.locator("#id_participants").count():
        page.fill("#id_participants", "45")
    page.locator("form.card button.primary").click()
    expect(page.locator(".messages")).to_be_visible()
    shot(page, "township-2-drill-saved")

    page.goto("/evidence/import/?kind=roster")
    page.select_option("#id_kind", "roster")
    page.set_input_files("#id_file", files=[{
        "name": "花名册.xlsx", "buffer": roster_workbook(today - timedelta(days=30)),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }])
    page.locator("form button.primary").click()
    # The roster names a team that does not exist yet: the page says so and waits for a confirmation.
    expect(page.locator(".messages")).to_contain_text("将新建队伍：")
    expect(page.locator(".confirm-teams")).to_be_visible()
    shot(page, "township-3a-new-team-confirm")
    page.get_by_role("button", name="确认新建并导入").click()
    expect(page.locator(".messages")).to_contain_text("导入完成")
    expect(page.locator(".messages")).to_contain_text("新建队伍 1 支")
    shot(page, "township-3-roster-imported")

    page.goto(f"/units/{QINGYUAN}/")
    for title in ("每年至少1次综合演练", "综合性救援队伍不少于3人"):
        expect(page.locator("li.requirement", has_text=title).locator(".status").first).to_have_text("已达标")
    expect(page.locator("li.requirement", has_text="每年至少1次综合演练").locator(".req-head .status-green")).to_be_visible()
    shot(page, "township-4-green")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/workspace/{QINGYUAN}/")
    shot(page, "township-5-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 400


def test_it_lets_an_auditor_find_a_township_read_only(page, shot, people, journey_catalog):
    login(page, "auditor", PASSWORD)
    expect(page).to_have_url(re.compile("/search/"))
    page.fill("#q", "清源")
    page.keyboard.press("Enter")
    expect(page.locator("table")).to_contain_text("清源镇")
    shot(page, "auditor-1-search")
    page.get_by_role("link", name="清源镇").first.click()
    expect(page).to_have_url(re.compile(f"/units/{QINGYUAN}/"))
    expect(page.locator("h1")).to_have_text("清源镇")
    assert page.locator("#id_text").count() == 0  # no 督办 form
    assert page.get_by_role("link", name="录入记录").count() == 0
    shot(page, "auditor-2-unit")
    page.goto(f"/workspace/{QINGYUAN}/")
    expect(page.locator("h1")).to_contain_text("工作台")
    assert page.get_by_role("link", name=re.compile("^填报")).count() == 0
    page.goto(f"/dashboard/{QINGXU}/")
    expect(page.locator("table.matrix")).to_be_visible()
    shot(page, "auditor-3-dashboard")
    response = page.goto("/dashboard/120118000000/")
    assert response.status == 404
