"""The county's 待审核 queue: every kind, oldest first, decided in place with 「下一条」; a returned
record shows its reason until resubmitted, and history names 退回 with the reason."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.evidence import selectors
from apps.evidence.models import Drill, Person
from apps.evidence.services import record_create, record_review, record_update
from tests.evidence.helpers import DONGJIE, QINGYUAN, XUGOU, make_id


def _drill(units, people, subject, unit=QINGYUAN):
    who = people["other_township"] if unit == XUGOU else people["township"]
    return record_create(kind="drills", unit=units[unit], actor=who,
                         values={"held_on": date(2026, 3, 10), "drill_type": "comprehensive", "subject": subject,
                                 "participants": 30, "evaluation": ""})


def _person(units, people):
    return record_create(kind="personnel", unit=units[DONGJIE], actor=people["township"],
                         values={"name": "张三", "id_number": make_id(1), "phone": "", "category": "township_cadre",
                                 "appointed_on": date(2024, 3, 1), "left_on": None})


def _age(record, days):
    type(record).objects.filter(pk=record.pk).update(updated_at=F("updated_at") - timedelta(days=days))


@pytest.fixture
def waiting(units, people, today):
    newest = _drill(units, people, "新演练")
    person = _person(units, people)
    oldest = _drill(units, people, "老演练", unit=XUGOU)
    verified = _drill(units, people, "已审核演练")
    record_review(record=verified, actor=people["county"], decision="verify", based_on=verified.revision)
    _age(person, 5)
    _age(oldest, 10)
    return {"oldest": oldest, "person": person, "newest": newest}


def test_it_lists_every_kind_oldest_first_with_its_count(client_for, people, waiting):
    client = client_for(people["county"])
    html = client.get(reverse("evidence:queue")).content.decode()
    assert html.index("老演练") < html.index("张三") < html.index("新演练")
    assert "已审核演练" not in html
    assert 'data-testid="queue-total">3<' in html
    assert "待审核（3）" in html  # the navigation
    dashboard = client.get(reverse("portal:dashboard", args=["140121000000"])).content.decode()
    assert 'data-testid="queue-kpi"' in dashboard and "待审核（3）" in dashboard


def test_it_counts_with_one_query_and_pages_without_n_plus_one(people, waiting):
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.review_queue_count(people["county"]) == 3
    assert len(ctx.captured_queries) <= 2  # the grants (cached afterwards) and one UNION
    with CaptureQueriesContext(connection) as ctx:
        items = selectors.ReviewQueue(people["county"])[0:50]
    assert [i.record.pk for i in items] == [waiting["oldest"].pk, waiting["person"].pk, waiting["newest"].pk]
    assert len(ctx.captured_queries) <= 3  # one page of the UNION + one per kind on the page


def test_the_badge_stops_counting_past_its_limit_in_one_query(client_for, people, waiting, monkeypatch):
    assert selectors.review_queue_badge(people["county"]) == "3"
    monkeypatch.setattr(selectors, "QUEUE_BADGE_LIMIT", 2)
    with CaptureQueriesContext(connection) as ctx:
        assert selectors.review_queue_badge(people["county"]) == "2+"
    assert len(ctx.captured_queries) == 1
    assert "LIMIT 3" in ctx.captured_queries[0]["sql"]
    client = client_for(people["county"])
    with CaptureQueriesContext(connection) as ctx:
        dashboard = client.get(reverse("portal:dashboard", args=["140121000000"])).content.decode()
    assert "待审核（2+）" in dashboard  # the navigation shows the dashboard's figure: counted once
    assert sum(" UNION ALL " in q["sql"] and "LIMIT 3" in q["sql"] for q in ctx.captured_queries) == 1
    assert selectors.review_queue_count(people["county"]) == 3  # the queue page counts them all


@pytest.mark.parametrize("name", ["township", "auditor"])
def test_it_refuses_the_queue_to_who_may_not_review(client_for, people, waiting, name):
    client = client_for(people[name])
    assert client.get(reverse("evidence:queue")).status_code == 404
    item = waiting["newest"]
    response = client.post(reverse("evidence:queue_item", args=["drills", item.pk]),
                           {"decision": "verify", "revision": item.revision})
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.review_status == "submitted"


def test_it_decides_in_place_and_offers_the_next_one(client_for, people, waiting):
    client = client_for(people["county"])
    start = client.get(reverse("evidence:queue_next"))
    assert start.url == reverse("evidence:queue_item", args=["drills", waiting["oldest"].pk])
    page = client.get(start.url).content.decode()
    assert 'value="verify"' in page and "selected" not in page  # no decision preselected
    done = client.post(start.url, {"decision": "verify", "revision": 1}, follow=True).content.decode()
    assert "已审核通过" in done and "下一条" in done and "还有 2 条" in done
    nxt = client.get(f"{reverse('evidence:queue_next')}?after=drills:{waiting['oldest'].pk}")
    assert nxt.url == reverse("evidence:queue_item", args=["personnel", waiting["person"].pk])
    refused = client.post(nxt.url, {"decision": "return", "note": "", "revision": 1}).content.decode()
    assert "退回时请填写原因" in refused
    client.post(nxt.url, {"decision": "return", "note": "缺少任职文件", "revision": 1})
    assert Person.objects.get().review_status == "returned"
    assert Drill.objects.get(pk=waiting["oldest"].pk).review_status == "verified"


def test_it_shows_the_return_reason_until_resubmitted_and_names_it_in_history(client_for, units, people, today):
    drill = _drill(units, people, "防汛演练")
    record_review(record=drill, actor=people["county"], decision="return", note="缺少签到表", based_on=drill.revision)
    township = client_for(people["township"])
    detail = reverse("evidence:detail", args=["drills", drill.pk])
    html = township.get(detail).content.decode()
    assert 'data-testid="returned-reason"' in html and "缺少签到表" in html
    assert "退回（缺少签到表）" in html  # history: 退回 with its reason, not 修改
    edit = township.get(reverse("evidence:update", args=["drills", drill.pk])).content.decode()
    assert "缺少签到表" in edit
    drill.refresh_from_db()
    record_update(record=drill, actor=people["township"],
                  values={"held_on": date(2026, 3, 10), "drill_type": "comprehensive", "subject": "防汛演练（补签到表）",
                          "participants": 30, "evaluation": ""})
    html = township.get(detail).content.decode()
    assert 'data-testid="returned-reason"' not in html
    assert "修改后重新提交" in html
    county = client_for(people["county"]).get(detail).content.decode()
    assert '<option value="" selected>请选择</option>' in county  # the review select starts empty


def test_it_keeps_other_kinds_in_the_union(units, people, today):
    record_create(kind="meetings", unit=units[QINGYUAN], actor=people["township"],
                  values={"held_on": date(2026, 4, 1), "meeting_type": "work_meeting", "chair": "",
                          "topic": "汛前部署会"})
    items = selectors.ReviewQueue(people["county"])[0:10]
    assert [i.kind.key for i in items] == ["meetings"]
