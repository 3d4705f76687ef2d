"""One landing page per level (apps/portal/links.py ``landing_url``): the home redirect, the
navigation, the search results, the unit page and the county picker all link a unit's landing page
through it, and no template or view builds one by hand."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from apps.jurisdictions.codes import Level
from apps.portal.links import LANDING_LABELS, landing_url

pytestmark = pytest.mark.django_db
LANDING_ROUTES = ("portal:dashboard", "portal:workspace")


def _links(html: str) -> dict[str, str]:
    """{link text: href} of a page."""
    return {text.strip(): href.replace("&amp;", "&") for href, text in re.findall(r'<a[^>]* href="([^"]+)"[^>]*>([^<]+)</a>', html)}


def test_no_template_or_view_builds_a_landing_link_by_hand():
    hand_built = []
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        hand_built += [f"{path.name}: {route}" for route in LANDING_ROUTES if route in text]
    for path in (Path(settings.BASE_DIR) / "apps").rglob("*.py"):
        if path.name != "links.py":
            text = path.read_text(encoding="utf-8")
            hand_built += [f"{path.name}: {route}" for route in LANDING_ROUTES if route in text]
    assert hand_built == []


def test_the_search_results_link_each_level_to_its_landing_page(units, people, client_for):
    client = client_for(people["admin"])  # global: every level is found
    for level in Level:
        html = client.get(reverse("portal:search"), {"level": level}).content.decode()
        codes = [code for code, unit in units.items() if unit.level == level]
        rows = re.findall(r'<td>(\d{12})</td>.*?<a href="([^"]+)">' + re.escape(LANDING_LABELS[level]) + "</a>",
                          html, re.S)
        assert sorted(rows) == sorted((code, landing_url(code, level)) for code in codes), level


def test_the_jurisdiction_list_links_each_root_to_its_landing_page(units, people, client_for):
    for name, code in (("county", "140121000000"), ("township", "140121100000"), ("auditor", "140000000000")):
        html = client_for(people[name]).get(reverse("portal:search")).content.decode()
        unit = units[code]
        assert _links(html)[LANDING_LABELS[unit.level]] == landing_url(code, unit.level), name


def test_the_navigation_links_the_landing_pages_of_the_grants(units, people, client_for):
    county = _links(client_for(people["county"]).get(reverse("portal:search")).content.decode())
    assert county["县级总览"] == landing_url("140121000000", Level.COUNTY)
    township = _links(client_for(people["township"]).get(reverse("portal:search")).content.decode())
    assert township["乡镇工作台"] == landing_url("140121100000", Level.TOWNSHIP)


def test_the_unit_page_links_its_own_and_its_countys_landing_page(units, people, client_for, catalog):
    client = client_for(people["county"])
    township = _links(client.get(reverse("portal:unit", args=["140121100000"])).content.decode())
    assert township["乡镇工作台"].split("?")[0] == landing_url("140121100000", Level.TOWNSHIP)
    assert township["返回县级总览"].split("?")[0] == landing_url("140121000000", Level.COUNTY)
    county = _links(client.get(reverse("portal:unit", args=["140121000000"])).content.decode())
    assert county["县级总览"].split("?")[0] == landing_url("140121000000", Level.COUNTY)
