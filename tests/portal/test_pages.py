from datetime import date

import pytest
from django.urls import reverse

from apps.core.models import AuditEvent
from apps.evidence.models import Drill, ReviewStatus
from apps.portal.models import Supervision
from apps.portal.services import supervision_create
from tests.portal.conftest import AS_OF

QINGXU, QINGYUAN, XUGOU, DONGJIE = "140121000000", "140121100000", "140121101000", "140121100201"
Q = f"?as_of={AS_OF.isoformat()}"


def test_it_sends_each_role_to_its_landing_page(people, client_for):
    assert client_for(people["county"]).get("/").url == reverse("portal:dashboard", args=[QINGXU])
    assert client_for(people["township"]).get("/").url == reverse("portal:workspace", args=[QINGYUAN])
    assert client_for(people["auditor"]).get("/").url == reverse("portal:search")


def test_it_asks_anonymous_users_to_log_in(client, units):
    response = client.get(reverse("portal:dashboard", args=[QINGXU]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_it_shows_the_dashboard_matrix_with_a_red_cell(people, catalog, client_for):
    response = client_for(people["county"]).get(reverse("portal:dashboard", args=[QINGXU]) + Q)
    assert response.status_code == 200
    html = response.content.decode()
    assert "清源镇" in html and "徐沟镇" in html and "应急演练" in html
    assert "cell-red" in html
    assert "2026年6月30日" in html


def test_it_filters_the_dashboard_by_flag(people, catalog, client_for):
    html = client_for(people["county"]).get(
        reverse("portal:dashboard", args=[QINGXU]) + Q + "&flag=high_natural_risk"
    ).content.decode()
    assert "清源镇" in html and "徐沟镇</a>" not in html


def test_it_lists_overdue_tasks_with_clause_and_days(people, catalog, client_for):
    html = client_for(people["county"]).get(reverse("portal:overdue", args=[QINGXU]) + Q).content.decode()
    assert "中办国办意见(十三)" in html
    assert "CN-DRILL-COMPREHENSIVE" in html


def test_it_records_a_supervision_visible_to_the_township(people, catalog, client_for):
    client = client_for(people["county"])
    response = client.post(
        reverse("portal:supervise", args=[QINGYUAN]),
        {"text": "请尽快开展综合演练", "requirement_code": "CN-DRILL-COMPREHENSIVE"},
        follow=True,
    )
    assert "已向清源镇发送督办" in response.content.decode()
    supervision = Supervision.objects.get()
    assert supervision.created_by == people["county"] and supervision.unit.code == QINGYUAN
    assert AuditEvent.objects.filter(action="portal.supervision_create", unit_code=QINGYUAN).exists()

    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN]) + Q).content.decode()
    assert "请尽快开展综合演练" in html
    other = client_for(people["other_township"]).get(reverse("portal:workspace", args=[XUGOU]) + Q)
    assert "请尽快开展综合演练" not in other.content.decode()


def test_it_lets_the_township_acknowledge_a_supervision(people, catalog, units, client_for):
    s = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请签收")
    response = client_for(people["township"]).post(reverse("portal:supervision_ack", args=[s.pk]), follow=True)
    assert "已签收督办" in response.content.decode()
    s.refresh_from_db()
    assert s.acknowledged_at is not None and s.acknowledged_by == people["township"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "http://testserver@evil.example/",
                                    "javascript:alert(1)", "/\\evil.example"])
def test_it_redirects_after_a_supervision_only_within_the_site(people, catalog, client_for, target):
    client = client_for(people["county"])
    data = {"text": "请尽快开展综合演练", "requirement_code": "CN-DRILL-COMPREHENSIVE"}
    response = client.post(reverse("portal:supervise", args=[QINGYUAN]), {**data, "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("portal:unit", args=[QINGYUAN])
    overdue = reverse("portal:overdue", args=["140121000000"]) + "?status=overdue"
    response = client.post(reverse("portal:supervise", args=[QINGYUAN]), {**data, "next": overdue})
    assert response["Location"] == overdue


def test_it_refuses_supervision_by_township_staff(people, units, client_for):
    response = client_for(people["township"]).post(reverse("portal:supervise", args=[QINGYUAN]), {"text": "x"})
    assert response.status_code == 404
    assert not Supervision.objects.exists()


def test_it_rejects_an_empty_supervision_with_a_message(people, units, client_for):
    response = client_for(people["county"]).post(reverse("portal:supervise", args=[QINGYUAN]), {"text": " "}, follow=True)
    assert "督办未发送" in response.content.decode()
    assert not Supervision.objects.exists()


def test_it_shows_the_township_what_is_missing_and_where_to_record_it(people, catalog, client_for):
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN]) + Q).content.decode()
    assert "每年至少1次综合演练" in html and "东街村" in html
    assert "未来 90 天到期" in html


def test_it_lists_records_returned_with_their_reason(people, catalog, units, client_for):
    Drill.objects.create(unit=units[QINGYUAN], held_on=date(2026, 3, 1), drill_type="comprehensive", subject="防汛",
                         review_status=ReviewStatus.RETURNED, review_note="缺少照片")
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN]) + Q).content.decode()
    assert "缺少照片" in html


def test_it_shows_the_unit_page_with_citations_and_parent_chain(people, catalog, client_for):
    html = client_for(people["auditor"]).get(reverse("portal:unit", args=[DONGJIE]) + Q).content.decode()
    assert "140121100201" in html and "清徐县" in html and "清源镇" in html
    assert "<details class=\"citation\">" in html and "中办国办意见(十三)" in html
    assert "发送督办" not in html  # auditors are read-only


def test_it_turns_the_drill_cell_green_once_recorded(people, catalog, units, client_for):
    Drill.objects.create(unit=units[QINGYUAN], held_on=date(2026, 3, 1), drill_type="comprehensive", subject="防汛")
    html = client_for(people["township"]).get(
        reverse("portal:unit", args=[QINGYUAN]) + Q + "&topic=drill").content.decode()
    assert "已达标" in html


@pytest.mark.parametrize("name,args", [
    ("portal:dashboard", [QINGXU]), ("portal:dashboard", ["140100000000"]), ("portal:dashboard", [QINGYUAN]),
    ("portal:overdue", [QINGXU]), ("portal:overdue", [QINGYUAN]), ("portal:workspace", [QINGYUAN]),
    ("portal:unit", [QINGYUAN]), ("portal:unit", [DONGJIE]), ("portal:unit", [QINGXU]),
    ("portal:supervisions", [QINGYUAN]),
])
def test_it_refuses_units_outside_the_jurisdiction(people, catalog, client_for, name, args):
    response = client_for(people["tianjin_county"]).get(reverse(name, args=args) + Q)
    assert response.status_code == 404
    body = response.content.decode()
    assert "清源镇" not in body and "清徐县" not in body


def test_it_refuses_writes_outside_the_jurisdiction(people, catalog, units, client_for):
    client = client_for(people["tianjin_county"])
    assert client.post(reverse("portal:supervise", args=[QINGYUAN]), {"text": "x"}).status_code == 404
    s = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请签收")
    assert client.post(reverse("portal:supervision_ack", args=[s.pk])).status_code == 404
    assert not Supervision.objects.exclude(pk=s.pk).exists()
    s.refresh_from_db()
    assert s.acknowledged_at is None
    html = client.get(reverse("portal:search") + "?q=1401").content.decode()
    assert "徐沟镇" not in html and "东街村" not in html and "没有找到" in html


def test_it_refuses_a_neighbouring_township(people, catalog, client_for):
    client = client_for(people["other_township"])
    assert client.get(reverse("portal:workspace", args=[QINGYUAN]) + Q).status_code == 404
    assert client.get(reverse("portal:unit", args=[DONGJIE]) + Q).status_code == 404
    assert client.post(reverse("portal:supervise", args=[QINGYUAN]), {"text": "x"}).status_code == 404


def test_it_refuses_acknowledging_another_townships_supervision(people, units, client_for):
    s = Supervision.objects.create(unit=units[QINGYUAN], text="x", created_by=people["county"])
    assert client_for(people["other_township"]).post(reverse("portal:supervision_ack", args=[s.pk])).status_code == 404


def test_it_lets_the_township_acknowledge_from_the_supervision_list(people, units, client_for):
    supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请签收")
    html = client_for(people["township"]).get(reverse("portal:supervisions", args=[QINGYUAN])).content.decode()
    assert "签收</button>" in html
    html = client_for(people["county"]).get(reverse("portal:supervisions", args=[QINGYUAN])).content.decode()
    assert "签收</button>" not in html and "未签收" in html


def test_it_searches_only_within_the_jurisdiction(people, units, client_for):
    html = client_for(people["auditor"]).get(reverse("portal:search") + "?q=镇").content.decode()
    assert "清源镇" in html and "静海镇" not in html and "怀柔镇" not in html
    html = client_for(people["township"]).get(reverse("portal:search") + "?q=140121").content.decode()
    assert "东街村" in html and "徐沟镇" not in html


def test_it_reports_a_bad_date_and_falls_back_to_today(people, catalog, client_for):
    response = client_for(people["county"]).get(reverse("portal:dashboard", args=[QINGXU]) + "?as_of=2026-13-45", follow=True)
    assert response.status_code == 200 and "日期格式" in response.content.decode()


def test_it_filters_the_dashboard_by_status(people, catalog, units, client_for):
    from apps.evidence.models import Person

    for code, name in (("140121101000", "王五"), ("140121101201", "赵六")):  # 徐沟镇 and its village
        Person.objects.create(unit=units[code], name=name, category="emergency_staff", appointed_on=date(2026, 1, 5))
    client = client_for(people["county"])
    url = reverse("portal:dashboard", args=[QINGXU]) + Q
    html = client.get(url + "&status=green").content.decode()
    assert "徐沟镇</a>" in html and "清源镇</a>" not in html
    html = client.get(url + "&status=red").content.decode()
    assert "清源镇</a>" in html


def test_it_shows_the_history_of_status_changes_on_the_unit_page(people, catalog, units, client_for):
    from apps.evidence.models import Person

    Person.objects.create(unit=units[QINGYUAN], name="王五", category="emergency_staff", appointed_on=date(2026, 3, 1))
    from apps.compliance.services import snapshots_refresh

    client = client_for(people["county"])
    for as_of in (date(2026, 2, 1), date(2026, 6, 30)):  # the nightly job stores each day's snapshot
        snapshots_refresh(root=units[QINGYUAN], as_of=as_of)
    html = client.get(reverse("portal:unit", args=[QINGYUAN]) + Q).content.decode()
    history = html[html.index('id="h-hist"'):]
    assert "2026年6月30日：明确应急管理专职人员 未达标 →" in history, history[:600]
    assert "已达标" in history


def test_it_draws_the_grade_bands_and_the_upcoming_window_from_the_settings(people, catalog, client_for, settings,
                                                                              monkeypatch):
    settings.COMPLIANCE_GRADE_PASS, settings.COMPLIANCE_GRADE_EXCELLENT = 50, 95
    monkeypatch.setattr("apps.portal.selectors.UPCOMING_DAYS", 45)
    county = client_for(people["county"]).get(reverse("portal:dashboard", args=["140121000000"]) + Q)
    assert county.context["trend"]["bands"] == [50, 95]
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN]) + Q).content.decode()
    assert "未来 45 天" in html and "未来 90 天" not in html
