"""/api/v1/units/<code>/evaluation/, /snapshots/ and /overdue/: within the caller's jurisdiction only."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from apps.compliance import services
from tests.compliance.helpers import DRILL_PARAMS, drill, make_version

COUNTY, QINGYUAN, DONGJIE, XIGOU = "140121000000", "140121100000", "140121100201", "140121101000"
AS_OF = "2025-03-01"


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20)
    make_version("advice.publicity", "periodic_event", {**DRILL_PARAMS, "match": {}}, binding=False, weight=50)


def test_it_returns_the_evaluation_of_a_unit_in_the_jurisdiction(units, people, catalog, client_for):
    drill(units[DONGJIE], date(2024, 6, 1))
    response = client_for(people["township"]).get(f"/api/v1/units/{DONGJIE}/evaluation/?as_of={AS_OF}")
    assert response.status_code == 200
    data = response.json()
    assert (data["unit"], data["as_of"], data["score"], data["grade"]) == (DONGJIE, AS_OF, 100.0, "优秀")
    by_code = {r["requirement"]: r for r in data["results"]}
    assert by_code["drill.annual"]["status"] == "pending" and by_code["drill.annual"]["due"] == "2025-12-31"
    assert by_code["drill.annual"]["tasks"][0]["evidence"]
    assert by_code["advice.publicity"]["advisory"] is True
    assert by_code["drill.annual"]["sources"][0] == {"document": "中办国办意见", "clause": "(十三)",
                                                      "quote": "每年至少组织开展1次综合演练", "scope": ""}


def test_it_reproduces_the_evaluation_of_a_past_date(units, people, catalog, client_for):
    client = client_for(people["county"])
    first = client.get(f"/api/v1/units/{QINGYUAN}/evaluation/?as_of=2024-06-30").json()
    drill(units[QINGYUAN], date(2025, 2, 1))  # recorded later, dated after the past as-of date
    assert client.get(f"/api/v1/units/{QINGYUAN}/evaluation/?as_of=2024-06-30").json() == first


@pytest.mark.parametrize("endpoint", ["evaluation", "snapshots", "overdue"])
def test_it_refuses_an_outsider_with_a_404_and_no_data(units, people, catalog, client_for, endpoint):
    client = client_for(people["other_township"])
    response = client.get(f"/api/v1/units/{QINGYUAN}/{endpoint}/?as_of={AS_OF}")
    assert response.status_code == 404
    assert "清源镇" not in response.content.decode() and QINGYUAN not in response.content.decode()
    tianjin = client_for(people["tianjin_county"])
    assert tianjin.get(f"/api/v1/units/{COUNTY}/{endpoint}/").status_code == 404


@pytest.mark.parametrize("endpoint", ["evaluation", "snapshots", "overdue"])
def test_it_refuses_an_anonymous_caller(units, catalog, client, endpoint):
    assert client.get(f"/api/v1/units/{QINGYUAN}/{endpoint}/").status_code in (401, 403)


def test_it_rejects_a_malformed_date_naming_the_field(units, people, catalog, client_for):
    response = client_for(people["county"]).get(f"/api/v1/units/{QINGYUAN}/evaluation/?as_of=2025-13-01")
    assert response.status_code == 400
    assert "as_of" in response.json()


def test_it_lists_stored_snapshots_newest_first(units, people, catalog, client_for):
    for day in (date(2025, 1, 1), date(2025, 2, 1)):
        services.snapshots_refresh(root=units[QINGYUAN], as_of=day)
    data = client_for(people["auditor"]).get(f"/api/v1/units/{QINGYUAN}/snapshots/").json()
    assert data["unit"] == QINGYUAN
    assert [s["as_of"] for s in data["snapshots"]] == ["2025-02-01", "2025-01-01"]
    assert {"score", "grade", "counts", "computed_at"} <= set(data["snapshots"][0])


def test_it_returns_the_overdue_report_of_the_subtree(units, people, catalog, client_for):
    data = client_for(people["county"]).get(f"/api/v1/units/{COUNTY}/overdue/?as_of={AS_OF}").json()
    assert (data["unit"], data["as_of"]) == (COUNTY, AS_OF)
    assert {t["unit"] for t in data["tasks"]} == {QINGYUAN, DONGJIE, "140121100202", XIGOU, "140121101201"}
    assert all(t["requirement"] == "drill.annual" for t in data["tasks"])  # advisory never listed
    assert data["tasks"][0]["days_overdue"] == 60 and data["tasks"][0]["status"] == "overdue"


def test_it_shows_a_township_only_its_own_subtree_in_the_overdue_report(units, people, catalog, client_for):
    data = client_for(people["township"]).get(f"/api/v1/units/{QINGYUAN}/overdue/?as_of={AS_OF}").json()
    assert {t["unit"][:9] for t in data["tasks"]} == {QINGYUAN[:9]}
    assert client_for(people["township"]).get(f"/api/v1/units/{COUNTY}/overdue/").status_code == 404


def test_it_downloads_the_overdue_report_as_csv_and_xlsx(units, people, catalog, client_for):
    client = client_for(people["county"])
    csv_response = client.get(f"/api/v1/units/{COUNTY}/overdue/?as_of={AS_OF}&format=csv")
    assert csv_response.status_code == 200 and csv_response["Content-Type"].startswith("text/csv")
    assert f'filename="overdue-{COUNTY}-{AS_OF}.csv"' in csv_response["Content-Disposition"]
    text = csv_response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("单位代码,单位名称,要求编码") and "已逾期" in text
    xlsx = client.get(f"/api/v1/units/{COUNTY}/overdue/?as_of={AS_OF}&format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2 + 5  # title, header, one row per overdue unit


def test_it_evaluates_a_county_in_a_fixed_number_of_queries(units, people, catalog, client_for):
    client = client_for(people["county"])
    client.get(f"/api/v1/units/{COUNTY}/overdue/?as_of={AS_OF}")  # stores the snapshots
    with CaptureQueriesContext(connection) as small:
        client.get(f"/api/v1/units/{QINGYUAN}/overdue/?as_of={AS_OF}")
    with CaptureQueriesContext(connection) as large:
        client.get(f"/api/v1/units/{COUNTY}/overdue/?as_of={AS_OF}")
    assert len(large) == len(small) + 1  # a county first looks for its stored nightly report
