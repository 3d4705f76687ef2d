"""Confirmed periods (审核确认与锁定): submit, confirm, return, reopen — and a confirmed period's
records refused by every write path (services, import, API)."""

from datetime import date, datetime, time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from apps.compliance import confirmations as svc
from apps.core.models import AuditEvent
from apps.evidence import services as ev
from apps.evidence.importing import import_records
from apps.evidence.models import Drill
from apps.jurisdictions.models import PeriodConfirmation
from tests.compliance.helpers import make_version
from tests.evidence.helpers import csv_bytes

QINGYUAN, DONGJIE, XUGOU = "140121100000", "140121100201", "140121101000"
VALUES = {"drill_type": "comprehensive", "subject": "防汛演练", "participants": None, "evaluation": ""}


@pytest.fixture
def today(time_machine):
    time_machine.move_to(timezone.make_aware(datetime.combine(date(2026, 6, 30), time(10))), tick=True)
    return date(2026, 6, 30)


def _drill(units, people, day, unit=DONGJIE):
    return ev.record_create(kind="drills", unit=units[unit], actor=people["township"],
                            values={**VALUES, "held_on": day})


@pytest.fixture
def confirmed(units, people, today):
    c = svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026Q1")
    return svc.period_confirm(actor=people["county"], confirmation=c)


def test_it_submits_listing_what_is_missing_and_audits_every_step(units, people, today):
    make_version("meeting.monthly", "periodic_event", {"evidence": "meeting", "period": "month", "min_count": 1})
    c = svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026Q1")
    assert c.state == "submitted" and c.submitted_by == people["township"]
    assert {(m["unit"], m["requirement"], m["missing"]) for m in c.missing} == {
        (QINGYUAN, "meeting.monthly", 3), (DONGJIE, "meeting.monthly", 3), ("140121100202", "meeting.monthly", 3)}
    svc.period_return(actor=people["county"], confirmation=c, reason="会议记录未报")
    assert (c.state, c.reason) == ("returned", "会议记录未报")
    c = svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026Q1")
    svc.period_confirm(actor=people["county"], confirmation=c)
    svc.period_reopen(actor=people["county"], confirmation=c, reason="补录演练")
    assert c.state == "reopened"
    actions = list(AuditEvent.objects.filter(action__startswith="confirmation.").order_by("seq").values_list("action", flat=True))
    assert actions == ["confirmation.submit", "confirmation.return", "confirmation.submit",
                       "confirmation.confirm", "confirmation.reopen"]


def test_it_confirms_bottom_up_only(units, people, today):
    c = svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026")
    svc.period_return(actor=people["county"], confirmation=c, reason="不完整")
    with pytest.raises(svc.ConfirmationError, match="只能处理“已提交确认”"):
        svc.period_confirm(actor=people["county"], confirmation=c)  # returned, not submitted again
    with pytest.raises(PermissionDenied):  # a county does not submit: it confirms
        svc.period_submit(actor=people["county"], unit=units["140121000000"], period="2026")
    with pytest.raises(svc.ConfirmationError, match="只有乡镇"):
        svc.period_submit(actor=people["township"], unit=units[DONGJIE], period="2026")
    with pytest.raises(svc.ConfirmationError, match="年度"):
        svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026-07")
    with pytest.raises(svc.ConfirmationError, match="原因"):
        svc.period_reopen(actor=people["county"], confirmation=c, reason=" ")


def test_it_refuses_outsiders(units, people, today):
    with pytest.raises(PermissionDenied):
        svc.period_submit(actor=people["other_township"], unit=units[QINGYUAN], period="2026")
    c = svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026")
    for who in ("township", "auditor", "tianjin_county"):
        with pytest.raises(PermissionDenied):
            svc.period_confirm(actor=people[who], confirmation=c)
    c.refresh_from_db()
    assert c.state == "submitted"


def test_the_database_keeps_one_confirmation_per_unit_and_period(units, people, today):
    svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026")
    with pytest.raises(IntegrityError):
        PeriodConfirmation.objects.create(unit=units[QINGYUAN], period="2026", starts_on=date(2026, 1, 1),
                                          ends_on=date(2026, 12, 31), state="submitted")


def test_a_confirmed_period_refuses_create_edit_delete_and_review(units, people, today):
    old = _drill(units, people, date(2026, 3, 10))
    c = svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026Q1")
    svc.period_confirm(actor=people["county"], confirmation=c)
    with pytest.raises(ev.PeriodConfirmed, match=f"清源镇2026Q1期间.*期间确认 #{c.pk}"):
        _drill(units, people, date(2026, 2, 1))
    with pytest.raises(ev.PeriodConfirmed):
        ev.record_update(record=old, values={**VALUES, "held_on": date(2026, 3, 11)}, actor=people["township"])
    with pytest.raises(ev.PeriodConfirmed):  # moving it out of the period is changing it too
        ev.record_update(record=old, values={**VALUES, "held_on": date(2026, 4, 11)}, actor=people["township"])
    with pytest.raises(ev.PeriodConfirmed):
        ev.record_soft_delete(record=old, actor=people["township"], reason="错")
    with pytest.raises(ev.PeriodConfirmed):
        ev.record_review(record=old, actor=people["county"], decision="verify", based_on=old.revision)
    # Outside the period, or another township's subtree: open.
    assert _drill(units, people, date(2026, 4, 1)).pk
    ev.record_create(kind="drills", unit=units[XUGOU], actor=people["other_township"],
                     values={**VALUES, "held_on": date(2026, 2, 1)})
    old.refresh_from_db()
    assert (old.held_on, old.deleted_at, old.review_status) == (date(2026, 3, 10), None, "submitted")


def test_a_confirmed_period_refuses_an_import_row(units, people, confirmed):
    data = csv_bytes("drills", [[QINGYUAN, "2026-04-10", "综合演练", "演练", "", ""],
                                [DONGJIE, "2026-03-10", "综合演练", "防汛综合演练", "120", "良好"]])
    result = import_records(kind="drills", data=data, actor=people["township"])
    assert not result.ok and Drill.objects.count() == 0
    assert [(e.row, "审核确认" in e.message) for e in result.errors] == [(3, True)]


def test_the_api_answers_409_naming_the_confirmation(units, people, confirmed, client_for):
    body = {"unit_code": QINGYUAN, "held_on": "2026-03-10", "drill_type": "综合演练", "subject": "防汛演练"}
    response = client_for(people["township"]).post("/api/v1/evidence/drills/", body, content_type="application/json")
    assert response.status_code == 409
    assert response.json()["code"] == "period_confirmed"
    assert f"期间确认 #{confirmed.pk}" in response.json()["detail"]
    assert Drill.objects.count() == 0


def test_a_reopened_period_takes_records_again(units, people, confirmed):
    svc.period_reopen(actor=people["county"], confirmation=confirmed, reason="补录演练")
    assert _drill(units, people, date(2026, 3, 10)).pk
    again = svc.period_submit(actor=people["township"], unit=units[QINGYUAN], period="2026Q1")
    assert again.pk == confirmed.pk and again.state == "submitted"


def test_the_form_shows_the_confirmation_and_saves_nothing(units, people, confirmed, client_for):
    body = {"held_on": "2026-03-10", "drill_type": "comprehensive", "subject": "防汛综合演练", "participants": "40"}
    response = client_for(people["township"]).post(reverse("evidence:create", args=["drills", QINGYUAN]), body)
    assert response.status_code == 200 and "审核确认" in response.content.decode()
    assert not Drill.objects.exists()
