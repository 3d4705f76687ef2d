"""A future as-of date is a projection: the dashboard, overdue list, workspace and unit page say so."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

COUNTY, TOWNSHIP = "140121000000", "140121100000"


@pytest.mark.parametrize(("name", "route", "code"), [
    ("county", "portal:dashboard", COUNTY), ("county", "portal:overdue", COUNTY),
    ("township", "portal:workspace", TOWNSHIP), ("county", "portal:unit", TOWNSHIP),
])
def test_it_marks_a_future_date_as_a_projection(client_for, people, catalog, name, route, code):
    client = client_for(people[name])
    future = (timezone.localdate() + timedelta(days=40)).isoformat()
    html = client.get(reverse(route, args=[code]), {"as_of": future}).content.decode()
    assert 'data-testid="forecast"' in html and "预测" in html and "「已逾期」" in html
    today = client.get(reverse(route, args=[code])).content.decode()
    assert 'data-testid="forecast"' not in today
