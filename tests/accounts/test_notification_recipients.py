"""Who is notified about a county's night: its officials (the report's email) and each township's
staff (the reminders), holders of the role on the unit or an ancestor, found for the whole county
in one query."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import access
from apps.accounts.models import Role
from tests.factories import make_user

COUNTY = "140121000000"


def _names(users) -> set[str]:
    return {u.username for u in users}


def test_the_officials_of_the_county_or_above_and_the_staff_of_each_township_are_notified(units, people):
    make_user("province_official", Role.COUNTY_OFFICIAL, units["140000000000"])
    make_user("official_on_a_township", Role.COUNTY_OFFICIAL, units["140121100000"])  # not the county's officials

    found = access.county_recipients(units[COUNTY])

    assert _names(found.officials) == {"county", "province_official"}
    assert {code: _names(users) for code, users in found.staff.items()} == {
        "140121100000": {"township"}, "140121101000": {"other_township"}}


def test_township_staff_granted_on_the_county_are_reminded_for_every_township(units, people):
    make_user("county_staff", Role.TOWNSHIP_STAFF, units[COUNTY])

    found = access.county_recipients(units[COUNTY])

    assert {code: _names(users) for code, users in found.staff.items()} == {
        "140121100000": {"township", "county_staff"}, "140121101000": {"other_township", "county_staff"}}
    assert "county_staff" not in _names(found.officials)


def test_inactive_users_other_roles_and_other_counties_are_not_notified(units, people):
    people["township"].is_active = False
    people["township"].save()
    people["auditor"].role = Role.TOWNSHIP_STAFF  # holds an audit grant, not a reporting one
    people["auditor"].save()

    found = access.county_recipients(units[COUNTY])

    assert {code: _names(users) for code, users in found.staff.items()} == {"140121101000": {"other_township"}}
    assert "tianjin_county" not in _names(found.officials)
    assert access.county_recipients(units["120118000000"]).staff == {}


def test_the_recipients_of_a_county_are_read_in_one_query_whatever_its_townships(units, people):
    with CaptureQueriesContext(connection) as ctx:
        access.county_recipients(units[COUNTY])
    assert len(ctx.captured_queries) == 1


def test_the_recipients_of_several_counties_are_those_of_each_read_in_one_query(units, people):
    make_user("county_staff", Role.TOWNSHIP_STAFF, units[COUNTY])  # covers every township of 清徐县 only
    counties = [units[COUNTY], units["120118000000"], units["110116000000"]]

    with CaptureQueriesContext(connection) as ctx:
        found = access.counties_recipients(counties)

    assert len(ctx.captured_queries) == 2  # the grants, and the townships of the county with a county-wide grant
    for county in counties:
        alone = access.county_recipients(county)
        assert _names(found[county.pk].officials) == _names(alone.officials), county.code
        assert ({code: _names(users) for code, users in found[county.pk].staff.items()}
                == {code: _names(users) for code, users in alone.staff.items()}), county.code
    assert "county_staff" in _names(found[units[COUNTY].pk].staff["140121100000"])
    assert not any("county_staff" in _names(users) for users in found[units["120118000000"].pk].staff.values())
