"""No role reaches a unit outside its subtree through any page or API route.

The routes are discovered from the URL configuration, so a route added later that takes a unit
code is covered without editing this file. Routes whose `code` is not a unit code are listed in
NOT_UNIT_CODES.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from apps.accounts.models import Role
from tests.factories import make_user

pytestmark = pytest.mark.django_db

# Route names whose `code` argument names something other than a unit.
NOT_UNIT_CODES = {
    "policies:document",  # a policy document code
    "policies:requirement",  # a requirement code
    "reports:verify",  # a scorecard verification code
    "api-scorecard-verify",
}

# role -> a unit outside that role's subtree (see tests/factories.py)
OUTSIDERS = {
    "county": "120118100000",  # 静海镇 (Tianjin) for the 清徐县 official
    "township": "140121101201",  # 北关村 of the neighbouring 徐沟镇
    "other_township": "140121100202",  # 西街村 of 清源镇
    "auditor": "120118100201",  # 纪庄子村 (Tianjin) for the Shanxi auditor
    "tianjin_county": "140121100000",  # 清源镇 (Shanxi) for the Tianjin official
    "no_role": "140121100000",  # 清源镇: an account with no role (Role.NONE) reaches no unit at all
}


@pytest.fixture
def everyone(people):
    """The fixed people plus an account with no role (as single sign-on creates one)."""
    return {**people, "no_role": make_user("no_role", Role.NONE)}


def _unit_code_routes():
    routes = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                converters = getattr(entry.pattern, "converters", {})
                takes_code = set(converters) == {"code"} or "(?P<code>" in str(entry.pattern)
                if takes_code and name not in NOT_UNIT_CODES:
                    routes.append(name)

    walk(get_resolver().url_patterns, "")
    return sorted(set(routes))


UNIT_ROUTES = _unit_code_routes()


def test_the_route_discovery_finds_the_unit_pages_and_apis():
    # If this fails, the discovery above no longer sees the routes it must protect.
    assert {"portal:dashboard", "portal:unit", "unit-detail"} <= set(UNIT_ROUTES)
    assert len(UNIT_ROUTES) >= 8


@pytest.mark.parametrize("role", sorted(OUTSIDERS))
@pytest.mark.parametrize("route", UNIT_ROUTES)
def test_every_unit_route_refuses_a_unit_outside_the_subtree(route, role, units, everyone, client_for):
    foreign = units[OUTSIDERS[role]]
    client = client_for(everyone[role])
    url = reverse(route, kwargs={"code": foreign.code})

    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (403, 404, 405), f"{method.upper()} {url} -> {response.status_code}"
        body = response.content.decode("utf-8", errors="replace")
        assert foreign.name not in body, f"{method.upper()} {url} leaks {foreign.name}"


@pytest.mark.parametrize("route", UNIT_ROUTES)
def test_every_unit_route_refuses_anonymous_callers(route, units, client):
    url = reverse(route, kwargs={"code": "140121100000"})
    response = client.get(url)
    assert response.status_code in (302, 401, 403), f"GET {url} -> {response.status_code}"
    assert "清源镇" not in response.content.decode("utf-8", errors="replace")


@pytest.mark.parametrize("route", UNIT_ROUTES)
def test_every_unit_route_tells_an_account_with_no_role_why_it_is_refused(route, units, client_for):
    client = client_for(make_user("no_role", Role.NONE))
    response = client.get(reverse(route, kwargs={"code": "140121000000"}))
    assert response.status_code == 403
    assert "您的账号尚未分配角色，请联系安全管理员" in response.content.decode()
