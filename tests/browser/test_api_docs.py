"""/api/docs/ in a real Chromium: Swagger UI renders the schema under the portal's strict
Content-Security-Policy, loading nothing from another origin (the `page` fixture of the browser
tests fails on any off-origin request or CSP violation)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_renders_offline_under_the_csp(page):
    page.goto("/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "应急合规" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock").count() > 30  # every operation is listed
    assert page.locator("button.authorize").count() == 1  # the token scheme: paste a token to try requests
