"""督办 as a workflow: requirement title and a link to its record form, a 办理时限, the unit's
反馈 with linked records, 办结 by the county, and overdue 督办 on the dashboard."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.core.models import AuditEvent
from apps.evidence.services import record_create
from apps.portal.models import Supervision
from apps.portal.services import supervision_close, supervision_create, supervision_reply

QINGXU, QINGYUAN, XUGOU = "140121000000", "140121100000", "140121101000"


@pytest.fixture
def drill(units, people):
    return record_create(kind="drills", unit=units[QINGYUAN], actor=people["township"],
                         values={"held_on": timezone.localdate(), "drill_type": "comprehensive",
                                 "subject": "防汛综合演练", "participants": 40, "evaluation": ""})


def test_it_sends_a_supervision_with_title_deadline_and_form_link(people, catalog, units, client_for):
    due = timezone.localdate() + timedelta(days=10)
    client_for(people["county"]).post(reverse("portal:supervise", args=[QINGYUAN]), {
        "text": "请尽快开展综合演练", "requirement_code": "CN-DRILL-COMPREHENSIVE", "due_on": due.isoformat()})
    s = Supervision.objects.get()
    assert (s.requirement_title, s.evidence_kind, s.due_on) == ("每年至少1次综合演练", "drills", due)
    html = client_for(people["township"]).get(reverse("portal:workspace", args=[QINGYUAN])).content.decode()
    assert "相关要求：每年至少1次综合演练" in html and "10 天后到期" in html
    page = client_for(people["township"]).get(reverse("portal:supervision", args=[s.pk])).content.decode()
    assert reverse("evidence:create", args=["drills", QINGYUAN]) in page and "去填报" in page


def test_it_refuses_a_deadline_in_the_past(people, units, catalog):
    with pytest.raises(ValidationError, match="办理时限不能早于今天"):
        supervision_create(actor=people["county"], unit=units[QINGYUAN], text="x",
                           due_on=timezone.localdate() - timedelta(days=1))


def test_it_runs_reply_with_records_then_close(people, catalog, units, client_for, drill):
    s = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请开展综合演练",
                           requirement_code="CN-DRILL-COMPREHENSIVE")
    township = client_for(people["township"])
    page = township.get(reverse("portal:supervision", args=[s.pk])).content.decode()
    assert f'value="drills:{drill.pk}"' in page  # the unit's drills are offered for linking
    township.post(reverse("portal:supervision_reply", args=[s.pk]),
                  {"text": "已于本月开展防汛综合演练", "records": [f"drills:{drill.pk}"]})
    s.refresh_from_db()
    assert s.state == "replied" and s.acknowledged_at is not None
    assert s.reply_records == [{"kind": "drills", "pk": drill.pk, "label": "演练：" + str(drill)}]
    county = client_for(people["county"])
    page = county.get(reverse("portal:supervision", args=[s.pk])).content.decode()
    assert "已于本月开展防汛综合演练" in page and reverse("evidence:detail", args=["drills", drill.pk]) in page
    county.post(reverse("portal:supervision_close", args=[s.pk]), {"note": "已核实"})
    s.refresh_from_db()
    assert s.state == "closed" and s.closed_by == people["county"]
    assert {e.action for e in AuditEvent.objects.filter(detail__supervision=s.pk)} >= {
        "portal.supervision_create", "portal.supervision_reply", "portal.supervision_close"}
    with pytest.raises(ValidationError, match="已办结"):
        supervision_reply(actor=people["township"], supervision=s, text="再补充")


def test_it_refuses_linking_another_townships_record(people, catalog, units):
    other = record_create(kind="drills", unit=units[XUGOU], actor=people["other_township"],
                          values={"held_on": date(2026, 1, 5), "drill_type": "comprehensive", "subject": "徐沟演练",
                                  "participants": 10, "evaluation": ""})
    s = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="x")
    with pytest.raises(ValidationError, match="不存在或不属于该单位"):
        supervision_reply(actor=people["township"], supervision=s, text="见附", records=[("drills", other.pk)])


@pytest.mark.parametrize(("name", "route"), [
    ("township", "portal:supervision_close"), ("other_township", "portal:supervision_reply"),
    ("auditor", "portal:supervision_reply"), ("county", "portal:supervision_reply"),
])
def test_it_refuses_the_wrong_role(people, units, catalog, client_for, name, route):
    s = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="x")
    response = client_for(people[name]).post(reverse(route, args=[s.pk]), {"text": "y"})
    assert response.status_code == 404
    s.refresh_from_db()
    assert s.state == "sent"


def test_it_lists_overdue_supervisions_on_the_dashboard(people, catalog, units, client_for):
    s = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="请补录专职人员",
                           requirement_code="CN-STAFF")
    Supervision.objects.filter(pk=s.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    done = supervision_create(actor=people["county"], unit=units[QINGYUAN], text="已办结的")
    Supervision.objects.filter(pk=done.pk).update(due_on=timezone.localdate() - timedelta(days=9))
    supervision_close(actor=people["county"], supervision=done)
    html = client_for(people["county"]).get(reverse("portal:dashboard", args=[QINGXU])).content.decode()
    section = html[html.index('id="overdue-supervisions"'):]
    assert "明确应急管理专职人员" in section and "已逾期 3 天" in section and "已办结的" not in section


def test_it_presets_the_overdue_rows_requirement_on_the_supervise_form(people, catalog, client_for):
    county = client_for(people["county"])
    html = county.get(reverse("portal:overdue", args=[QINGXU]), {"requirement": "CN-STAFF"}).content.decode()
    assert "requirement=CN-STAFF#supervise" in html
    unit = county.get(reverse("portal:unit", args=[QINGYUAN]), {"requirement": "CN-STAFF"}).content.decode()
    assert '<option value="CN-STAFF" selected>' in unit
    assert '<option value="CN-DRILL-COMPREHENSIVE" selected>' not in unit
