"""Issue 18 in Chromium: a township submits its year (「提交确认」), the county confirms it on the
「报送情况」 page (townships × periods grid), the township cannot add a drill of that year by the
form, the import or the API (each refusal names the confirmation), the county reopens the year
with a reason, the township adds the drill and submits again. The grid's screenshot is copied into
docs/img/ (see docs/portal.md)."""

import re
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.evidence.kinds import KINDS
from apps.evidence.models import Drill, Meeting
from apps.jurisdictions.models import PeriodConfirmation
from apps.policies.models import Clause
from tests.browser.conftest import SCREENSHOTS, login
from tests.factories import PASSWORD
from tests.portal.conftest import add_requirement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QINGXU, QINGYUAN, XUGOU = "140121000000", "140121100000", "140121101000"
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def _csv(rows) -> bytes:
    lines = [",".join(KINDS["drills"].headers)] + [",".join(r) for r in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _last_year_meetings(units, year):
    """Figures for the grid, from last year so that every quarter has ended whatever today is:
    清源镇 held its meetings of Q1 and Q2 (entered on time) and Q3 (entered late), 徐沟镇 none."""
    clause = Clause.objects.get(number="(十三)")
    version = add_requirement(clause, "TEST-MEETING-Q", "meeting", "每季度召开应急工作会议", "periodic_event",
                              {"evidence": "meeting", "period": "quarter", "min_count": 1}, levels=",township,")
    version.effective_from = date(year - 1, 1, 1)
    version.save(update_fields=["effective_from"])
    for held_on, entered in ((date(year - 1, 2, 10), date(year - 1, 4, 3)), (date(year - 1, 5, 8), date(year - 1, 7, 2)),
                             (date(year - 1, 8, 20), date(year - 1, 11, 20))):
        meeting = Meeting.objects.create(unit=units[QINGYUAN], held_on=held_on, meeting_type="work_meeting",
                                         topic="部署应急管理工作", fingerprint=f"journey{held_on}")
        # Test set-up only: when the record was entered decides 及时 (docs/semantics.md §13).
        Meeting.objects.filter(pk=meeting.pk).update(created_at=timezone.make_aware(
            datetime.combine(entered, time(9))))


def _state(page, unit_name):
    return page.locator("table", has_text="提交时尚缺").locator("tr", has_text=unit_name)


def _submit_drill(page, held_on: str) -> None:
    """The township's drill form for 清源镇, filled and submitted."""
    page.goto(f"/evidence/drills/new/{QINGYUAN}/")
    page.fill("#id_held_on", held_on)
    page.select_option("#id_drill_type", "comprehensive")
    page.fill("#id_subject", "冬季消防综合演练")
    if page.locator("#id_participants").count():
        page.fill("#id_participants", "40")
    page.locator("form.card button.primary").click()


def test_it_confirms_a_year_refuses_every_write_path_and_reopens(page, shot, people, units, journey_catalog):
    year = timezone.localdate().year
    held_on = max(timezone.localdate() - timedelta(days=5), date(year, 1, 1)).isoformat()
    _last_year_meetings(units, year)
    township_url = f"/compliance/units/{QINGYUAN}/reporting/?period={year}"
    county_url = f"/compliance/units/{QINGXU}/reporting/?period={year}"
    grid_url = f"/compliance/units/{QINGXU}/reporting/?period={year - 1}"

    # The township submits its year.
    login(page, "township", PASSWORD)
    page.goto(township_url)
    page.get_by_role("button", name="提交确认").click()
    expect(_state(page, "清源镇")).to_contain_text("已提交确认")

    # The county reads the grid, drills into a cell and confirms the submitted year.
    page.context.clear_cookies()
    login(page, "county", PASSWORD)
    page.goto(grid_url)
    grid = page.locator("table.reporting-grid")
    expect(grid.locator("tbody tr")).to_have_count(2)
    q1 = grid.locator("tbody tr", has_text="徐沟镇").locator("td[data-period$='Q1'] a")
    expect(q1).to_have_attribute("aria-label", re.compile(r"徐沟镇第1季度：报送率 0%.*缺报 1 期"))
    expect(grid.locator("tbody tr", has_text="清源镇").locator("td[data-period$='Q1']")).to_have_class(
        re.compile("cell-green timely-green"))
    expect(grid.locator("tbody tr", has_text="清源镇").locator(f"td[data-period='{year - 1}']")).to_contain_text(
        "报送 75%")
    shot(page, "reporting-1-grid", full_page=False)
    shutil.copyfile(SCREENSHOTS / "reporting-1-grid.png", DOCS_IMG / "reporting-grid.png")
    q1.click()
    expect(page.locator("#missing")).to_contain_text("尚未报送：徐沟镇")
    expect(page.locator("table.missing-rows")).to_contain_text("每季度召开应急工作会议")
    page.goto(county_url)
    _state(page, "清源镇").get_by_role("button", name="确认").click()
    expect(_state(page, "清源镇")).to_contain_text("已确认")
    confirmation = PeriodConfirmation.objects.get(unit__code=QINGYUAN, period=str(year))
    named = f"期间确认 #{confirmation.pk}"

    # The township cannot add a drill of the confirmed year: form, import and API all refuse.
    page.context.clear_cookies()
    login(page, "township", PASSWORD)
    _submit_drill(page, held_on)
    expect(page.locator("body")).to_contain_text(named)
    shot(page, "reporting-2-form-refused")

    page.goto("/evidence/import/?kind=drills")
    page.select_option("#id_kind", "drills")
    page.set_input_files("#id_file", files=[{"name": "演练.csv", "mimeType": "text/csv", "buffer": _csv(
        [[QINGYUAN, held_on, "综合演练", "冬季消防综合演练", "40", ""]])}])
    page.locator("form button.primary").click()
    expect(page.locator("#import-errors")).to_contain_text(named)

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    answer = page.request.post("/api/v1/evidence/drills/", headers={"X-CSRFToken": token}, data={
        "unit_code": QINGYUAN, "held_on": held_on, "drill_type": "综合演练", "subject": "冬季消防综合演练"})
    assert answer.status == 409 and answer.json()["code"] == "period_confirmed" and named in answer.json()["detail"]
    assert not Drill.objects.filter(subject="冬季消防综合演练").exists()

    # The county reopens the year with a reason.
    page.context.clear_cookies()
    login(page, "county", PASSWORD)
    page.goto(county_url)
    row = _state(page, "清源镇")
    row.get_by_role("button", name="重新开放").click()  # no reason: refused
    expect(page.locator(".error")).to_contain_text("请填写原因")
    page.goto(county_url)
    row = _state(page, "清源镇")
    row.get_by_label("重新开放原因").fill("补录冬季消防演练")
    row.get_by_role("button", name="重新开放").click()
    expect(_state(page, "清源镇")).to_contain_text("已重新开放")
    expect(_state(page, "清源镇")).to_contain_text("补录冬季消防演练")

    # The township adds the drill and submits the year again.
    page.context.clear_cookies()
    login(page, "township", PASSWORD)
    _submit_drill(page, held_on)
    expect(page.locator(".messages")).to_be_visible()
    assert Drill.objects.filter(subject="冬季消防综合演练", unit__code=QINGYUAN).count() == 1
    page.goto(township_url)
    page.get_by_role("button", name="提交确认").click()
    expect(_state(page, "清源镇")).to_contain_text("已提交确认")
    shot(page, "reporting-3-resubmitted")
