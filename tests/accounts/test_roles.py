"""三员分立: six roles; the three administrators have separate powers in /admin/; the superuser
flag grants nothing."""

import pytest
from django.db import IntegrityError, transaction

from apps.accounts import access
from apps.accounts.models import Role, User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_it_has_exactly_the_six_roles_of_the_issue_and_no_role():
    assert [r.value for r in Role] == ["county_official", "township_staff", "auditor", "system_admin",
                                       "security_admin", "audit_admin", "none"]
    assert Role.NONE.label == "未分配角色"


def test_it_gives_a_new_account_no_role_by_default():
    user = User.objects.create_user("fresh")
    assert user.role == Role.NONE and not user.has_role and not user.is_staff


def test_it_refuses_a_grant_to_an_account_with_no_role(units):
    user = make_user("fresh", Role.NONE)
    with pytest.raises(ValueError, match="未分配角色不分配辖区"):
        access.grant(user, units["140121100000"])
    assert not access.units_for(user).exists() and not access.can(user, access.Action.VIEW, units["140121100000"])


def test_it_refuses_an_unknown_role_in_the_database(people):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=people["county"].pk).update(role="admin")


def test_it_lets_only_the_three_administrators_open_the_admin(people):
    staff = {name for name, user in people.items() if user.is_staff}
    assert staff == {"admin", "security_admin", "audit_admin"}


@pytest.mark.parametrize(("name", "url", "allowed"), [
    ("admin", "/admin/accounts/user/add/", True),
    ("admin", "/admin/jurisdictions/unit/", True),
    ("admin", "/admin/policies/document/", True),
    ("admin", "/admin/accounts/apitoken/", False),
    ("admin", "/admin/axes/accessattempt/", False),
    ("security_admin", "/admin/accounts/apitoken/", True),
    ("security_admin", "/admin/axes/accessattempt/", True),
    ("security_admin", "/admin/accounts/user/add/", False),
    ("security_admin", "/admin/policies/document/", False),
    ("audit_admin", "/admin/accounts/user/", False),
    ("audit_admin", "/admin/jurisdictions/unit/", False),
    ("audit_admin", "/admin/policies/document/", False),
])
def test_it_separates_the_powers_of_the_three_administrators(people, client_for, name, url, allowed):
    status = client_for(people[name]).get(url).status_code
    assert (status == 200) is allowed, status


def test_it_gives_a_superuser_flag_no_power(units, client_for):
    user = make_user("flagged", Role.TOWNSHIP_STAFF, units["140121100000"], is_superuser=True)
    assert not user.is_staff and not user.has_perm("accounts.change_user")
    response = client_for(user).get("/admin/accounts/user/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not access.can(user, access.Action.VIEW, units["140121101000"])  # outside its grant
    assert access.units_for(user).count() == 3


def test_it_gives_the_security_and_audit_administrators_no_unit(people, units):
    for name in ("security_admin", "audit_admin"):
        assert not access.can(people[name], access.Action.VIEW, units["140121000000"])
        assert not access.units_for(people[name]).exists()
        with pytest.raises(ValueError):
            access.grant(people[name], units["140121000000"])


def test_it_sends_the_security_administrator_to_the_admin_and_the_audit_administrator_to_the_log(
        people, client_for):
    response = client_for(people["security_admin"]).get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    response = client_for(people["audit_admin"]).get("/")
    assert response.status_code == 302 and response["Location"] == "/audit/"
