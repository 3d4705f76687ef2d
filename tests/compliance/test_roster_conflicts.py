"""「重复在册」 (issue 17): one person active in several teams or units of a county is listed for the
county (masked), counted for one team only, and the roster import warns without refusing."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.compliance import conflict_selectors, selectors
from apps.evidence.importing import import_records
from apps.evidence.models import TeamMember
from tests.compliance.helpers import make_version
from tests.evidence.helpers import QINGYUAN, XUGOU, csv_bytes, make_id

COUNTY = "140121000000"
URL = f"/compliance/units/{COUNTY}/roster-conflicts/?as_of=2026-06-01"
SHARED = make_id(500)


def _roster(user, unit, team, members, joined="2025-01-01"):
    rows = [[unit, team, "综合", name, id_number, "", "兼职", joined, ""] for name, id_number in members]
    result = import_records(kind="roster", data=csv_bytes("roster", rows), actor=user, today=date(2026, 6, 1))
    assert result.ok, result.errors[:3]
    return result


def _two_teams(people, *, count=1):
    """清源镇 甲队 (joined 2025-01-01) and 徐沟镇 乙队 (joined 2025-03-01) share ``count`` people."""
    shared = [(f"共{i}", make_id(500 + i)) for i in range(count)]
    _roster(people["township"], QINGYUAN, "甲队", [*shared, ("李四", make_id(1))])
    return _roster(people["other_township"], XUGOU, "乙队", [*shared, ("王五", make_id(2))], joined="2025-03-01")


def test_it_lists_the_person_masked_with_both_teams_and_the_one_that_counts(people, client_for):
    _two_teams(people)
    page = client_for(people["county"]).get(URL).content.decode()
    assert page.count('data-testid="roster-conflict"') == 1
    assert "甲队" in page and "乙队" in page and "2025-01-01" in page and "2025-03-01" in page
    assert SHARED not in page and f"{SHARED[:3]}***********{SHARED[-4:]}" in page
    assert page.index("<strong>计入</strong>") < page.index("不计入")  # 甲队 joined first and counts
    auditor = client_for(people["auditor"]).get(URL)  # auditors read it too (province grant)
    assert auditor.status_code == 200 and "甲队" in auditor.content.decode()


def test_it_counts_the_shared_person_for_the_first_team_only(people, units):
    make_version("team.floor", "team_floor", {"min_members": 2, "team_types": ["comprehensive"]})
    _two_teams(people)
    as_of = date(2026, 6, 1)
    county = selectors.evaluate_subtree(units[COUNTY], as_of)
    assert (county[QINGYUAN].results[0].actual, county[XUGOU].results[0].actual) == (2, 1)  # 乙队's floor not met
    # A township evaluated alone counts the same: the check is county-wide.
    assert selectors.evaluate_unit(units[XUGOU], as_of).results[0].actual == 1
    assert selectors.evaluate_unit(units[QINGYUAN], as_of).results[0].actual == 2


def test_it_lists_a_person_on_two_units_personnel_rosters(people, client_for):
    for user, unit in ((people["township"], QINGYUAN), (people["other_township"], XUGOU)):
        rows = [[unit, "张三", SHARED, "", "乡镇（街道）干部", "2024-03-01"]]
        assert import_records(kind="personnel", data=csv_bytes("personnel", rows), actor=user).ok
    page = client_for(people["county"]).get(URL).content.decode()
    assert page.count('data-testid="roster-conflict"') == 1 and "人员名册" in page and SHARED not in page


def test_it_reads_the_list_in_a_constant_number_of_queries(people):
    county = selectors.Unit.objects.get(code=COUNTY)
    _two_teams(people, count=1)
    with CaptureQueriesContext(connection) as small:
        assert len(conflict_selectors.roster_conflicts(county, date(2026, 6, 1))) == 1
    _two_teams(people, count=6)
    with CaptureQueriesContext(connection) as large:
        assert len(conflict_selectors.roster_conflicts(county, date(2026, 6, 1))) == 6
    assert len(small.captured_queries) == len(large.captured_queries) <= 4


def test_it_shows_the_count_on_the_county_dashboard(people, client_for):
    _two_teams(people, count=2)
    page = client_for(people["county"]).get(f"/dashboard/{COUNTY}/?as_of=2026-06-01").content.decode()
    assert 'data-testid="conflicts-kpi"' in page and "roster-conflicts" in page
    kpi = page[page.index('data-testid="conflicts-kpi"'):]
    assert '<div class="kpi-value">2</div>' in kpi[:400]


def test_it_refuses_township_staff_and_outsiders(people, client_for):
    _two_teams(people)
    assert client_for(people["township"]).get(URL).status_code == 404  # the county is not theirs
    own = f"/compliance/units/{QINGYUAN}/roster-conflicts/"
    assert client_for(people["township"]).get(own).status_code == 403  # nor is the county-wide list
    assert client_for(people["tianjin_county"]).get(URL).status_code == 404
    assert client_for(people["security_admin"]).get(URL).status_code in (403, 404)
    page = client_for(people["tianjin_county"]).get("/dashboard/120118000000/").content.decode()
    assert 'data-testid="conflicts-kpi"' in page  # their own county: nothing of Qingxu's
    assert '<div class="kpi-value">0</div>' in page[page.index('data-testid="conflicts-kpi"'):][:400]


def test_the_roster_import_warns_with_row_numbers_and_saves_the_file(people):
    _roster(people["township"], QINGYUAN, "甲队", [("张三", SHARED), ("李四", make_id(1))])
    rows = [[XUGOU, "乙队", "综合", "王五", make_id(2), "", "兼职", "2025-03-01", ""],
            [XUGOU, "乙队", "综合", "张三", SHARED, "", "兼职", "2025-03-01", ""]]
    result = import_records(kind="roster", data=csv_bytes("roster", rows), actor=people["other_township"])
    assert result.ok and result.created == 2
    assert result.warnings == ["第 3 行：身份证号与 清源镇“甲队” 的在册人员重复（将只计入一支队伍）"]
    assert "1 行需核实" in result.summary() and SHARED not in result.summary()
    again = import_records(kind="roster", data=csv_bytes("roster", rows), actor=people["other_township"])
    assert (again.ok, again.skipped, again.warnings) == (True, 2, result.warnings)  # re-import: same warning


def test_the_import_page_shows_the_warning(people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _roster(people["township"], QINGYUAN, "甲队", [("张三", SHARED)])
    _roster(people["other_township"], XUGOU, "乙队", [("王五", make_id(2))])  # the team exists
    upload = SimpleUploadedFile("roster.csv", csv_bytes("roster", [[XUGOU, "乙队", "综合", "张三", SHARED, "", "兼职",
                                                                  "2025-03-01", ""]]))
    response = client_for(people["other_township"]).post("/evidence/import/", {"kind": "roster", "file": upload},
                                                         follow=True)
    page = response.content.decode()
    assert "第 2 行：身份证号与 清源镇“甲队” 的在册人员重复（将只计入一支队伍）" in page
    assert TeamMember.objects.filter(name="张三").count() == 2


def test_the_import_api_returns_the_warnings(people, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _roster(people["township"], QINGYUAN, "甲队", [("张三", SHARED)])
    upload = SimpleUploadedFile("roster.csv", csv_bytes("roster", [[XUGOU, "乙队", "综合", "张三", SHARED, "", "兼职",
                                                                  "2025-03-01", ""]]))
    body = client_for(people["other_township"]).post("/api/v1/evidence/import/", {"kind": "roster", "file": upload}).json()
    assert body["created"] == 1 and body["warnings"] == ["第 2 行：身份证号与 清源镇“甲队” 的在册人员重复（将只计入一支队伍）"]


def test_the_personnel_import_warns_of_a_person_on_another_units_roster(people):
    first = [[QINGYUAN, "张三", SHARED, "", "乡镇（街道）干部", "2024-03-01"]]
    assert import_records(kind="personnel", data=csv_bytes("personnel", first), actor=people["township"]).warnings == []
    rows = [[XUGOU, "李四", make_id(1), "", "乡镇（街道）干部", "2024-03-01"],
            [XUGOU, "张三", SHARED, "", "乡镇（街道）干部", "2024-03-01"]]
    result = import_records(kind="personnel", data=csv_bytes("personnel", rows), actor=people["other_township"])
    assert result.ok and result.created == 2
    assert result.warnings == ["第 3 行：身份证号与 清源镇 的在册人员重复（同一人同时在多个单位在册，请核实）"]


def test_the_dashboard_count_is_kept_until_the_county_changes(people, client_for):
    _two_teams(people, count=2)
    county = selectors.Unit.objects.get(code=COUNTY)
    on = date(2026, 6, 1)
    assert conflict_selectors.county_conflict_count(county, on) == 2
    with CaptureQueriesContext(connection) as kept:
        assert conflict_selectors.county_conflict_count(county, on) == 2
    assert kept.captured_queries == []
    _roster(people["other_township"], XUGOU, "丙队", [("共0", make_id(500))], joined="2025-04-01")
    county.refresh_from_db()  # the import moved the county's data_version
    assert conflict_selectors.conflict_count(county, on) == 2  # the same two people, one in three teams
    _roster(people["other_township"], XUGOU, "丙队", [("李四", make_id(1))], joined="2025-04-01")
    county.refresh_from_db()
    assert conflict_selectors.county_conflict_count(county, on) == 3

