"""Date pickers get ISO values: with zh-hans Django would render 2026/11/23, which a browser's
date input rejects, showing an empty field."""

import re
from datetime import date

import pytest

from apps.core.forms import DateInput

pytestmark = pytest.mark.django_db

DATE_INPUT = re.compile(r'<input type="date"[^>]*>')


def test_the_shared_date_input_renders_iso_whatever_the_language():
    html = DateInput().render("as_of", date(2026, 11, 23))
    assert 'type="date"' in html and 'value="2026-11-23"' in html


@pytest.mark.parametrize("url", ["/reports/", "/dashboard/140121000000/?as_of=2026-06-30"])
def test_pages_fill_their_date_pickers_with_iso_dates(url, client_for, people):
    page = client_for(people["county"]).get(url).content.decode()
    inputs = DATE_INPUT.findall(page)
    assert inputs, f"{url} has no date picker"
    for tag in inputs:
        value = re.search(r'value="([^"]*)"', tag)
        assert value is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.group(1)), tag
