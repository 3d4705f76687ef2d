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
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = client_for(user)
    for url in ADMIN_URLS:
        assert client.get(url).status_code == 403, url


def _form(**overrides):
    data = {"requirement": Requirement.objects.get(code="CN-POST-CARD").pk, "effective_from": "2030-01-01",
            "title": "制定重点岗位应急处置卡", "description": "", "kind": "standing_document",
            "params": '{"doc_types": ["post_card"]}', "levels": "village, township", "scope_province_code": "",
            "flags_any": "", "weight": "5", "change_reason": ""}
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
