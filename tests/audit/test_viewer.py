"""The audit administrator's viewer: filters by actor, unit (subtree), action and date; CSV
export, itself audited; nobody else may read the log."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.audit import record_event
from apps.core.models import AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.django_db
URL = reverse("audit:log")


@pytest.fixture
def auditadmin(db):
    return make_user("auditadmin", "audit_admin")


@pytest.fixture
def entries(people, time_machine):
    time_machine.move_to(timezone.make_aware(datetime(2026, 11, 20, 10)), tick=False)
    record_event(actor=people["county"], action="evidence.verify", unit_code="140121100201", record_id=7)
    time_machine.move_to(timezone.make_aware(datetime(2026, 11, 25, 10)), tick=False)
    record_event(actor=people["township"], action="evidence.create", unit_code="140121100000", record_id=8)
    record_event(actor=people["tianjin_county"], action="evidence.create", unit_code="120118100000",
                 record_id=9, note="=HYPERLINK(\"http://evil\")")
    time_machine.move_to(timezone.make_aware(datetime(2026, 11, 26, 10)), tick=False)


def _targets(response) -> list[str]:
    return [e.target for e in response.context["page"].object_list if e.target.startswith("record_id")]


@pytest.mark.parametrize("who", ["county", "township", "auditor", "admin", "security_admin"])
def test_it_refuses_everyone_but_the_audit_administrator(who, people, client_for):
    assert client_for(people[who]).get(URL).status_code == 403
    assert client_for(people[who]).get(URL, {"format": "csv"}).status_code == 403


def test_it_sends_anonymous_callers_to_the_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_it_takes_the_audit_administrator_from_the_home_page_to_the_log(auditadmin, client_for):
    client = client_for(auditadmin)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and response["Location"] == URL
    assert f'href="{URL}"' in client.get(URL).content.decode()


def test_it_lists_entries_newest_first(auditadmin, entries, client_for):
    response = client_for(auditadmin).get(URL)
    assert response.status_code == 200
    assert _targets(response) == ["record_id=9", "record_id=8", "record_id=7"]
    assert "evidence.create" in response.content.decode()


@pytest.mark.parametrize(("params", "expected"), [
    ({"actor": "township"}, ["record_id=8"]),
    ({"unit": "140121000000"}, ["record_id=8", "record_id=7"]),  # the county's whole subtree
    ({"action": "evidence.create"}, ["record_id=9", "record_id=8"]),
    ({"action": "evidence."}, ["record_id=9", "record_id=8", "record_id=7"]),
    ({"date_from": "2026-11-21"}, ["record_id=9", "record_id=8"]),
    ({"date_to": "2026-11-20"}, ["record_id=7"]),
])
def test_it_filters_by_actor_unit_action_and_date(params, expected, auditadmin, entries, client_for):
    assert _targets(client_for(auditadmin).get(URL, params)) == expected


def test_it_names_the_field_of_a_bad_filter(auditadmin, entries, client_for):
    response = client_for(auditadmin).get(URL, {"unit": "abc", "date_from": "2026-11-25", "date_to": "2026-11-20"})
    body = response.content.decode()
    assert response.status_code == 200 and "单位代码应为 12 位数字" in body and "截止日期不能早于起始日期" in body
    assert _targets(response) == []


def test_it_exports_the_filtered_entries_as_csv_and_audits_the_export(auditadmin, entries, client_for):
    response = client_for(auditadmin).get(URL, {"action": "evidence.create", "format": "csv"},
                                          REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:6] == ["序号", "时间", "操作人", "角色", "来源地址", "操作"]
    assert [r[7] for r in rows[1:]] == ["record_id=9", "record_id=8"]
    assert rows[1][9].startswith("{") and "'=HYPERLINK" not in rows[1][9]  # detail JSON is not a formula
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == auditadmin and export.source_ip == "10.0.0.8"
    assert export.detail == {"filters": {"action": "evidence.create"}, "rows": 2}


def test_it_escapes_formula_like_cells_in_the_export(auditadmin, people, client_for):
    record_event(actor=people["county"], action="test.formula", target="=1+2")
    text = b"".join(client_for(auditadmin).get(URL, {"action": "test.formula", "format": "csv"})
                    .streaming_content).decode()
    assert "'=1+2" in text


def test_it_shows_a_page_in_a_fixed_number_of_queries(auditadmin, people, client_for,
                                                       django_assert_max_num_queries):
    for i in range(60):
        record_event(actor=people["county"], action="test.many", n=i)
    client = client_for(auditadmin)
    with django_assert_max_num_queries(12):
        assert client.get(URL).status_code == 200
