"""Screens that say what they mean: overdue filters by name and title, never negative days,
matrix cells that name the village making them red, the grade beside its own score."""

from datetime import date

import pytest
from django.urls import reverse

from apps.compliance.results import days_late, days_text
from apps.evidence.services import record_create
from tests.portal.conftest import AS_OF

QINGXU, QINGYUAN = "140121000000", "140121100000"
Q = {"as_of": AS_OF.isoformat()}


def test_it_words_days_without_negative_numbers():
    assert [days_text(d, date(2026, 1, 1)) for d in (5, 0, -3)] == ["逾期 5 天", "今天到期", "3 天后到期"]
    assert days_text(0, None) == "" and days_late(-3) == 0 and days_late(4) == 4


def test_it_filters_the_overdue_list_with_named_drop_downs(people, catalog, client_for):
    client = client_for(people["county"])
    html = client.get(reverse("portal:overdue", args=[QINGXU]), Q).content.decode()
    assert '<option value="140121100">清源镇</option>' in html  # the township's name, its code prefix as value
    assert '<option value="CN-STAFF">明确应急管理专职人员</option>' in html  # the title, not the code
    filtered = client.get(reverse("portal:overdue", args=[QINGXU]),
                          {**Q, "unit": "140121100", "requirement": "CN-STAFF"}).content.decode()
    body = filtered[filtered.index("<tbody>"):]
    assert "明确应急管理专职人员" in body and "每年至少1次综合演练" not in body and "徐沟镇" not in body


def test_it_says_due_soon_rows_are_due_in_n_days(people, catalog, client_for):
    html = client_for(people["county"]).get(reverse("portal:overdue", args=[QINGXU]),
                                            {"as_of": "2026-12-20", "status": "due_soon"}).content.decode()
    assert "11 天后到期" in html and "-11" not in html


def test_it_prints_due_soon_days_without_a_minus_in_the_overdue_excel(people, catalog, client_for):
    import io

    from openpyxl import load_workbook

    response = client_for(people["county"]).get(reverse("portal:overdue", args=[QINGXU]),
                                                {"as_of": "2026-12-20", "status": "due_soon", "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[2]]
    days, text = header.index("逾期天数"), header.index("到期情况")
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows and all(r[days] == 0 for r in rows) and all(r[text] == "11 天后到期" for r in rows)


@pytest.fixture
def township_done(units, people, catalog):
    """清源镇 itself has its drills and its staff; its villages have nothing."""
    for year in (2025, 2026):
        record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                      values={"held_on": date(year, 3, 10), "drill_type": "comprehensive", "subject": f"{year}演练",
                              "participants": 30, "evaluation": ""})
    record_create(kind="personnel", unit=units[QINGYUAN], actor=people["township"],
                  values={"name": "王五", "id_number": "", "phone": "", "category": "emergency_staff",
                          "appointed_on": date(2024, 1, 1), "left_on": None})


def test_it_names_the_villages_that_make_a_township_cell_red(people, township_done, client_for):
    html = client_for(people["county"]).get(reverse("portal:dashboard", args=[QINGXU]), Q).content.decode()
    row = html[html.index(">清源镇</a>"):]
    row = row[:row.index("</tr>")]
    assert "本级已达标" in row and "含所辖村：东街村、西街村 已逾期" in row
    assert "色块按乡镇本级及所辖村（社区）中最差的状态着色" in html  # the legend explains it


def test_it_puts_each_grade_beside_its_own_score(people, township_done, client_for):
    html = client_for(people["county"]).get(reverse("portal:dashboard", args=[QINGXU]), Q).content.decode()
    row = html[html.index(">清源镇</a>"):]
    row = row[:row.index("</tr>")]
    assert '本级 100.0 <span class="grade">优秀</span>' in row
    assert '含村 ' in row and '<span class="grade">优秀</span></div>\n          <div>含村' in row
