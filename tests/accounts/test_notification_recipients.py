"""Who is notified about a unit: holders of the role on the unit or an ancestor, found for many
units at once in a constant number of queries (the nightly reminders cover a whole county)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import access
from apps.accounts.models import Role
from tests.factories import make_user


def test_each_unit_gets_the_holders_of_the_role_on_it_or_an_ancestor(units, people):
    county_wide = make_user("county_staff", Role.TOWNSHIP_STAFF, units["140121000000"])
    townships = [units["140121100000"], units["140121101000"], units["120118100000"]]

    found = access.users_with_grant_over_each(townships, Role.TOWNSHIP_STAFF)

    assert {u.username for u in found["140121100000"]} == {"township", "county_staff"}
    assert {u.username for u in found["140121101000"]} == {"other_township", "county_staff"}
    assert found["120118100000"] == []
    for township in townships:  # the same answer as asking unit by unit
        assert {u.pk for u in found[township.code]} == {
            u.pk for u in access.users_with_grant_over(township, Role.TOWNSHIP_STAFF)}
    assert county_wide.pk in {u.pk for u in found["140121100000"]}


def test_inactive_users_and_other_roles_are_not_notified(units, people):
    people["township"].is_active = False
    people["township"].save()

    found = access.users_with_grant_over_each([units["140121100000"]], Role.TOWNSHIP_STAFF)

    assert found["140121100000"] == []


def test_the_number_of_queries_does_not_grow_with_the_units(units, people):
    def count(unit_list):
        with CaptureQueriesContext(connection) as ctx:
            access.users_with_grant_over_each(unit_list, Role.TOWNSHIP_STAFF)
        return len(ctx.captured_queries)

    one = count([units["140121100000"]])
    many = count([units[c] for c in ("140121100000", "140121101000", "140121100201", "120118100000")])
    assert one == many
