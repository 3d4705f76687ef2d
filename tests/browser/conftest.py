"""Browser tests: Playwright (Python) driving Debian's Chromium against pytest-django's live
server. Run with ``pytest -m browser``; they are part of the normal suite too."""

import os
from datetime import date
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a thread
# with a running loop unless told this is fine (the calls are synchronous test set-up).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (make system-deps-test)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context on the live server. Every request the pages make is recorded: a
    request to any other origin (a CDN font, a remote script) fails the test, and so does anything
    the Content-Security-Policy blocks."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900},
                                  accept_downloads=True)
    context.set_default_timeout(15_000)
    elsewhere = []
    context.on("request", lambda r: None if r.url.startswith((live_server.url, "data:", "blob:"))
               else elsewhere.append(r.url))
    page = context.new_page()
    # The Content-Security-Policy forbids inline scripts: a page relying on one would break silently.
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    yield page
    context.close()
    assert not elsewhere, f"pages loaded resources from other origins: {elsewhere}"
    assert not blocked, f"the Content-Security-Policy blocked something on a page: {blocked}"


@pytest.fixture
def shot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str, full_page: bool = True):
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)

    return _shot


@pytest.fixture
def journey_catalog(transactional_db):
    """Requirements effective from January 1st of the current year, for townships: a yearly
    comprehensive drill (due 31 December), a 3-member comprehensive team and an emergency staff
    member (missing: red)."""
    from apps.policies.models import Clause, Document
    from tests.portal.conftest import add_requirement

    doc = Document.objects.create(
        code="CN-TEST", short_name="中办国办意见", title="关于进一步提升基层应急管理能力的意见",
        issuer="中共中央办公厅 国务院办公厅", issued_on=date(2024, 10, 8), text="每年至少组织开展1次综合演练。",
    )
    clause = Clause.objects.create(document=doc, number="(十三)", text="每年至少组织开展1次综合演练。")
    from django.utils import timezone

    start = {"effective_from": date(timezone.localdate().year, 1, 1)}
    versions = {
        "drill": add_requirement(
            clause, "CN-DRILL-COMPREHENSIVE", "drill", "每年至少1次综合演练", "periodic_event",
            {"evidence": "drill", "period": "year", "min_count": 1, "match": {"drill_type": ["comprehensive"]}},
            levels=",township,",
        ),
        "team": add_requirement(
            clause, "TEST-TEAM", "team", "综合性救援队伍不少于3人", "team_floor",
            {"min_members": 3, "team_types": ["comprehensive"]}, levels=",township,",
        ),
        "staff": add_requirement(
            clause, "CN-STAFF", "staffing", "明确应急管理专职人员", "staffing",
            {"categories": ["emergency_staff"], "min_count": 1}, levels=",township,",
        ),
    }
    for v in versions.values():
        v.effective_from = start["effective_from"]
        v.save(update_fields=["effective_from"])
    return versions


def login(page, username: str, password: str):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
