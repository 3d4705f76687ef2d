"""Catalog administration: administrators only; the admin validates like the loader."""

import pytest
from django.core.exceptions import ValidationError

from apps.policies.admin import VersionForm
from apps.policies.models import Citation, Clause, Requirement

ADMIN_URLS = ["/admin/policies/requirementversion/", "/admin/policies/document/", "/admin/policies/requirement/",
              "/admin/policies/duty/"]


def test_it_lets_an_administrator_open_the_catalog_admin(people, catalog, client_for):
    client = client_for(people["admin"])
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["county", "township", "auditor"])
def test_it_refuses_the_catalog_admin_to_everyone_else_even_staff(role, people, catalog, client_for):
    user = people[role]
    # save() derives is_staff from the role; force it past the model to prove the role decides.
    type(user).objects.filter(pk=user.pk).update(is_staff=True)
    user.refresh_from_db()
    client = client_for(user)
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 403, url


def _form(**overrides):
    data = {"requirement": Requirement.objects.get(code="CN-POST-CARD").pk, "effective_from": "2030-01-01",
            "title": "制定重点岗位应急处置卡", "description": "", "kind": "standing_document",
            "params": '{"doc_types": ["post_card"]}', "levels": "village, township", "scope_province_code": "",
            "flags_any": "", "weight": "5", "change_reason": "测试"}
    return VersionForm(data={**data, **overrides})


def test_it_normalises_levels_and_flags_entered_in_the_admin(catalog):
    form = _form(flags_any="multi_hazard,high_risk")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["levels"] == ",township,village,"
    assert form.cleaned_data["flags_any"] == ",high_risk,multi_hazard,"


def test_it_rejects_unknown_levels_flags_and_params_by_field(catalog):
    form = _form(levels="hamlet", flags_any="volcano", params='{"doc_types": ["post_card"], "colour": 1}')
    assert not form.is_valid()
    assert "levels" in form.errors and "flags_any" in form.errors and "params" in form.errors
    assert "colour" in str(form.errors["params"])


def test_it_refuses_a_citation_that_does_not_quote_its_clause(catalog):
    clause = Clause.objects.get(document__code="TJ-2025", number="(七)")
    Citation(clause=clause, quote="队伍人数原则上不少于50人").clean()
    with pytest.raises(ValidationError) as exc:
        Citation(clause=clause, quote="队伍人数原则上不少于40人").clean()
    assert "quote" in exc.value.message_dict


def test_it_audits_an_administrators_edit_of_a_duty(people, catalog, client_for):
    from apps.core.models import AuditEvent
    from apps.policies.models import Duty

    duty = Duty.objects.get(code="DUTY-CN-PATROL")
    data = {"code": duty.code, "title": "巡查巡护（修订）", "levels": duty.levels, "scope_province_code": "",
            "clause": duty.clause_id, "quote": duty.quote}
    response = client_for(people["admin"]).post(f"/admin/policies/duty/{duty.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="policies.duty_changed")
    assert event.actor == people["admin"] and event.detail["fields"] == ["title"]


def test_it_turns_an_admin_edit_of_a_version_into_a_new_version(people, catalog, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.models import AuditEvent
    from apps.policies.models import RequirementVersion

    v1 = RequirementVersion.objects.get(requirement__code="SX-TEAM-TOWNSHIP")
    today = timezone.localdate()
    citations = list(v1.citations.all())
    data = {"requirement": v1.requirement_id, "effective_from": (today + timedelta(days=1)).isoformat(),
            "title": v1.title, "description": v1.description, "kind": v1.kind,
            "params": '{"min_members": 60, "team_types": ["comprehensive"]}', "levels": v1.levels,
            "scope_province_code": v1.scope_province_code, "flags_any": "", "weight": str(v1.weight),
            "change_reason": "测试：提高到60人",
            "citations-TOTAL_FORMS": str(len(citations)), "citations-INITIAL_FORMS": str(len(citations)),
            "citations-MIN_NUM_FORMS": "0", "citations-MAX_NUM_FORMS": "1000"}
    for i, c in enumerate(citations):
        data.update({f"citations-{i}-id": c.pk, f"citations-{i}-version": v1.pk})
    response = client_for(people["admin"]).post(f"/admin/policies/requirementversion/{v1.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]

    versions = list(RequirementVersion.objects.filter(requirement__code="SX-TEAM-TOWNSHIP").order_by("version"))
    assert [(v.version, v.params["min_members"]) for v in versions] == [(1, 30), (2, 60)]
    assert versions[0].effective_from == v1.effective_from and versions[1].created_by == people["admin"]
    assert versions[1].citations.count() == len(citations)
    assert AuditEvent.objects.filter(action="policies.requirement_revised").count() == 1


def _add_page_data(v1, effective_from, citations):
    data = {"requirement": v1.requirement_id, "effective_from": effective_from.isoformat(), "title": v1.title,
            "description": v1.description, "kind": v1.kind,
            "params": '{"min_members": 60, "team_types": ["comprehensive"]}', "levels": v1.levels,
            "scope_province_code": v1.scope_province_code, "flags_any": "", "weight": str(v1.weight),
            "change_reason": "测试：提高到60人",
            "citations-TOTAL_FORMS": str(len(citations)), "citations-INITIAL_FORMS": "0",
            "citations-MIN_NUM_FORMS": "0", "citations-MAX_NUM_FORMS": "1000"}
    for i, c in enumerate(citations):
        data.update({f"citations-{i}-order": "0", f"citations-{i}-clause": c.clause_id, f"citations-{i}-quote": c.quote})
    return data


def test_it_refuses_a_back_dated_version_on_the_add_page(people, catalog, client_for):
    from datetime import date

    from apps.policies.models import RequirementVersion

    v1 = RequirementVersion.objects.get(requirement__code="SX-TEAM-TOWNSHIP")
    data = _add_page_data(v1, date(2025, 1, 1), list(v1.citations.all()))
    response = client_for(people["admin"]).post("/admin/policies/requirementversion/add/", data)
    assert response.status_code == 200 and "不得早于今天" in response.content.decode()
    assert RequirementVersion.objects.filter(requirement__code="SX-TEAM-TOWNSHIP").count() == 1


def test_it_adds_a_version_on_the_add_page_through_requirement_revise(people, catalog, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core.models import AuditEvent
    from apps.policies.models import RequirementVersion

    v1 = RequirementVersion.objects.get(requirement__code="SX-TEAM-TOWNSHIP")
    citations = list(v1.citations.all())
    data = _add_page_data(v1, timezone.localdate() + timedelta(days=1), citations)
    response = client_for(people["admin"]).post("/admin/policies/requirementversion/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    versions = list(RequirementVersion.objects.filter(requirement__code="SX-TEAM-TOWNSHIP").order_by("version"))
    assert [(v.version, v.params["min_members"]) for v in versions] == [(1, 30), (2, 60)]
    assert versions[1].created_by == people["admin"] and versions[1].citations.count() == len(citations)
    event = AuditEvent.objects.get(action="policies.requirement_revised")
    assert event.detail["version"] == 2 and event.detail["reason"] == "测试：提高到60人"
