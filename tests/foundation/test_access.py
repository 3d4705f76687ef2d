"""The one access policy: every role reaches its subtree and nothing else."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts import access
from apps.accounts.access import Action
from apps.jurisdictions.models import Unit

pytestmark = pytest.mark.django_db


def test_it_lets_a_county_official_see_the_whole_county_and_nothing_else(units, people):
    codes = set(access.units_for(people["county"]).values_list("code", flat=True))
    assert codes == {"140121000000", "140121100000", "140121100201", "140121100202", "140121101000", "140121101201"}


def test_it_lets_township_staff_see_only_their_township(units, people):
    codes = set(access.units_for(people["township"]).values_list("code", flat=True))
    assert codes == {"140121100000", "140121100201", "140121100202"}


def test_it_lets_a_province_auditor_see_the_province_read_only(units, people):
    auditor = people["auditor"]
    assert access.can(auditor, Action.VIEW, units["140121100201"])
    assert not access.can(auditor, Action.SUBMIT, units["140121100201"])
    assert not access.can(auditor, Action.VIEW, units["120118100000"])


def test_it_refuses_township_staff_on_a_neighbouring_township(units, people):
    for action in Action:
        assert not access.can(people["township"], action, units["140121101201"])


def test_it_gives_verify_to_county_officials_and_submit_to_township_staff(units, people):
    village = units["140121100201"]
    assert access.can(people["county"], Action.VERIFY, village)
    assert not access.can(people["county"], Action.SUBMIT, village)
    assert access.can(people["township"], Action.SUBMIT, village)
    assert not access.can(people["township"], Action.VERIFY, village)


def test_it_gives_nothing_to_an_anonymous_user(units):
    from django.contrib.auth.models import AnonymousUser

    assert not access.can(AnonymousUser(), Action.VIEW, units["140121100201"])
    assert not access.units_for(AnonymousUser()).exists()


def test_it_gives_nothing_to_a_user_without_grants(units):
    from tests.factories import make_user

    lonely = make_user("lonely", "county_official")
    assert not access.units_for(lonely).exists()


def test_it_filters_the_subtree_in_a_constant_number_of_queries(units, people):
    county = people["county"]

    def count_queries():
        county.__dict__.pop("_jurisdiction_grants", None)
        with CaptureQueriesContext(connection) as ctx:
            list(access.units_for(county).values_list("code", flat=True))
        return len(ctx.captured_queries)

    small = count_queries()
    township = units["140121101000"]
    Unit.objects.bulk_create(
        [
            Unit(code=f"140121101{i:03d}", name=f"村{i}", level="village", parent=township,
                 province_code="140000000000", county_code="140121000000", township_code="140121101000")
            for i in range(300, 500)
        ]
    )
    assert count_queries() == small == 2
