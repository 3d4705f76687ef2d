"""Every response carries a strict Content-Security-Policy unless a view sets a stricter one."""

import pytest

pytestmark = pytest.mark.django_db


def _directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def test_the_login_page_forbids_inline_and_foreign_scripts(client):
    directives = _directives(client.get("/accounts/login/"))
    assert directives["script-src"] == "script-src 'self'"
    assert directives["default-src"] == "default-src 'self'"
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["object-src"] == "object-src 'none'"


def test_portal_pages_and_the_api_carry_the_policy(client_for, people):
    client = client_for(people["county"])
    for url in ("/dashboard/140121000000/", "/api/v1/units/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url


def test_a_view_that_sets_its_own_policy_keeps_it(rf, settings):
    from django.http import HttpResponse

    from apps.core.middleware import ContentSecurityPolicyMiddleware

    def view(request):
        response = HttpResponse("x")
        response["Content-Security-Policy"] = "sandbox"
        return response

    assert ContentSecurityPolicyMiddleware(view)(rf.get("/"))["Content-Security-Policy"] == "sandbox"
