"""用户管理: a county official manages township and village staff accounts of the county only."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts import access
from apps.accounts.models import Role, User
from apps.core.models import AuditEvent
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def village_staff(units):
    return make_user("dongjie", Role.TOWNSHIP_STAFF, units["140121100201"], full_name="东街村填报员",
                     mobile="13812345678")


def test_it_lists_only_staff_accounts_inside_the_county(people, village_staff, client_for):
    body = client_for(people["county"]).get(reverse("accounts:users")).content.decode()
    assert "dongjie" in body and ">township<" in body and ">other_township<" in body
    assert "138****5678" in body and "13812345678" not in body
    for outsider in ("tianjin_county", "auditor", ">county<", ">admin<"):
        assert outsider not in body


def test_it_creates_a_township_account_that_must_change_its_password(people, units, client_for):
    client = client_for(people["county"])
    response = client.post(reverse("accounts:user_create"), {
        "username": "qingyuan2", "full_name": "清源镇新填报员", "unit": units["140121100000"].pk,
        "mobile": "13900001111", "email": ""})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]  # a one-time password
    body = response.content.decode()
    password = body.split('id="initial-password">')[1].split("<")[0]
    user = User.objects.get(username="qingyuan2")
    assert user.role == Role.TOWNSHIP_STAFF and user.must_change_password and user.check_password(password)
    assert [g.code for g in access.grants(user)] == ["140121100000"]
    event = AuditEvent.objects.get(action="accounts.user_created", target="user=qingyuan2")
    assert event.actor == people["county"]
    grant = AuditEvent.objects.get(action="accounts.grant_added", target="user=qingyuan2")
    assert grant.actor == people["county"] and grant.unit_code == "140121100000"
    assert not AuditEvent.objects.filter(detail__icontains=password).exists()


def test_it_offers_no_unit_outside_the_county_and_refuses_one(people, units, client_for):
    client = client_for(people["county"])
    page = client.get(reverse("accounts:user_create")).content.decode()
    assert "清源镇" in page and "静海镇" not in page and "清徐县（" not in page  # no county-level grant
    response = client.post(reverse("accounts:user_create"), {
        "username": "intruder", "full_name": "x", "unit": units["120118100000"].pk})
    assert response.status_code == 200 and not User.objects.filter(username="intruder").exists()


def test_it_edits_moves_deactivates_and_resets_with_an_audit_record_each(people, units, village_staff, client_for):
    client = client_for(people["county"])
    url = reverse("accounts:user_edit", args=[village_staff.pk])
    response = client.post(url, {"full_name": "东街村新名", "unit": units["140121100202"].pk, "mobile": "",
                                 "email": ""})
    assert response.status_code == 302
    village_staff.refresh_from_db()
    assert village_staff.full_name == "东街村新名" and [g.code for g in access.grants(village_staff)] == ["140121100202"]
    client.post(reverse("accounts:user_set_active", args=[village_staff.pk]), {"active": "0"})
    reset = client.post(reverse("accounts:user_reset_password", args=[village_staff.pk]))
    village_staff.refresh_from_db()
    assert not village_staff.is_active and village_staff.must_change_password
    assert "no-store" in reset["Cache-Control"]
    actions = set(AuditEvent.objects.filter(actor=people["county"]).values_list("action", flat=True))
    assert actions >= {"accounts.user_changed", "accounts.grant_added", "accounts.grant_removed",
                       "accounts.user_deactivated", "accounts.password_reset"}


@pytest.mark.parametrize("target", ["tianjin_county", "auditor", "admin", "county"])
def test_it_refuses_accounts_that_are_not_staff_of_the_county(people, client_for, target):
    client = client_for(people["county"])
    pk = people[target].pk
    assert client.get(reverse("accounts:user_edit", args=[pk])).status_code == 404
    assert client.post(reverse("accounts:user_reset_password", args=[pk])).status_code == 404
    assert client.post(reverse("accounts:user_set_active", args=[pk]), {"active": "0"}).status_code == 404
    assert User.objects.get(pk=pk).is_active


def test_it_refuses_a_staff_account_of_another_county(people, units, client_for):
    jinghai = make_user("jinghai", Role.TOWNSHIP_STAFF, units["120118100000"])
    assert client_for(people["county"]).get(reverse("accounts:user_edit", args=[jinghai.pk])).status_code == 404


@pytest.mark.parametrize("name", ["township", "auditor", "security_admin", "audit_admin"])
def test_it_refuses_the_page_to_everyone_but_county_officials(people, client_for, name):
    client = client_for(people[name])
    assert client.get(reverse("accounts:users")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.post(reverse("accounts:user_reset_password", args=[people["other_township"].pk])).status_code == 403


def test_it_refuses_anonymous_callers():
    response = Client().get(reverse("accounts:users"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_shows_the_menu_entry_only_to_county_officials(people, client_for):
    assert "用户管理" in client_for(people["county"]).get("/", follow=True).content.decode()
    assert "用户管理" not in client_for(people["township"]).get("/", follow=True).content.decode()
