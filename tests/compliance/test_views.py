"""Pages: a unit's evaluation, the subtree's overdue report with downloads, and the administrators'
view of nightly runs, county reports and the editable beat schedule."""

import io
from datetime import date

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.compliance import tasks
from apps.compliance.models import CountyReport, EvaluationRun
from tests.compliance.helpers import DRILL_PARAMS, make_version

COUNTY, QINGYUAN, DONGJIE = "140121000000", "140121100000", "140121100201"


@pytest.fixture
def catalog(db):
    make_version("drill.annual", "periodic_event", DRILL_PARAMS, weight=20, title="每年至少组织1次综合演练")


def test_it_shows_a_units_evaluation_in_chinese(units, people, catalog, client_for):
    response = client_for(people["township"]).get(f"/compliance/units/{DONGJIE}/?as_of=2025-03-01")
    body = response.content.decode()
    assert response.status_code == 200
    assert "东街村 合规评估" in body and "每年至少组织1次综合演练" in body and "已逾期" in body
    assert "中办国办意见(十三)" in body


def test_it_shows_the_overdue_report_page_with_download_links(units, people, catalog, client_for):
    response = client_for(people["county"]).get(f"/compliance/units/{COUNTY}/overdue/?as_of=2025-03-01")
    body = response.content.decode()
    assert response.status_code == 200
    assert "清徐县 逾期任务报告" in body and "共 5 项" in body and "北关村" in body
    assert "format=xlsx" in body and "format=csv" in body


def test_it_downloads_the_report_from_the_page(units, people, catalog, client_for):
    client = client_for(people["county"])
    xlsx = client.get(f"/compliance/units/{COUNTY}/overdue/?as_of=2025-03-01&format=xlsx")
    assert xlsx.status_code == 200
    assert xlsx["Content-Disposition"] == f'attachment; filename="overdue-{COUNTY}-2025-03-01.xlsx"'
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet["A1"].value == "清徐县 逾期任务报告（评估日期 2025-03-01）"
    csv_response = client.get(f"/compliance/units/{COUNTY}/overdue/?as_of=2025-03-01&format=csv")
    assert csv_response.content.startswith("\ufeff单位代码".encode())


@pytest.mark.parametrize("path", [f"/compliance/units/{QINGYUAN}/", f"/compliance/units/{QINGYUAN}/overdue/",
                                  f"/compliance/units/{QINGYUAN}/overdue/?format=csv"])
def test_it_refuses_an_outsider_with_a_404(units, people, catalog, client_for, path):
    response = client_for(people["other_township"]).get(path)
    assert response.status_code == 404 and "清源镇" not in response.content.decode()


def test_it_sends_anonymous_visitors_to_the_login_page(units, catalog, client):
    response = client.get(f"/compliance/units/{QINGYUAN}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_explains_a_malformed_date_and_evaluates_today(units, people, catalog, client_for):
    response = client_for(people["county"]).get(f"/compliance/units/{QINGYUAN}/?as_of=2025-02-30")
    assert response.status_code == 200 and "日期格式应为 YYYY-MM-DD" in response.content.decode()
    assert response.context["as_of"] == timezone.localdate()


def test_it_shows_administrators_the_runs_and_reports(units, people, catalog, client_for, eager):
    tasks.nightly_evaluation.delay("2025-03-01", "test")
    run = EvaluationRun.objects.get()
    report = CountyReport.objects.get(county=units[COUNTY], as_of=date(2025, 3, 1))
    admin = client_for(people["admin"])
    runs_page = admin.get("/admin/compliance/evaluationrun/").content.decode()
    assert "2025" in runs_page and "成功" in runs_page
    assert admin.get(f"/admin/compliance/evaluationrun/{run.pk}/change/").status_code == 200
    assert admin.get(f"/admin/compliance/countyreport/{report.pk}/change/").status_code == 200
    assert client_for(people["county"]).get("/admin/compliance/evaluationrun/").status_code == 302


def test_it_lets_administrators_edit_the_nightly_schedule(db, people, client_for):
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task=tasks.NIGHTLY_TASK)
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("2", "30", "Asia/Shanghai")
    response = client_for(people["admin"]).get(f"/admin/django_celery_beat/periodictask/{task.pk}/change/")
    assert response.status_code == 200 and tasks.BEAT_NAME in response.content.decode()
    task.enabled = False  # an administrator's change survives the next load_demo / ensure_beat_schedule
    task.save()
    assert tasks.ensure_beat_schedule() is False
    assert PeriodicTask.objects.get(task=tasks.NIGHTLY_TASK).enabled is False
