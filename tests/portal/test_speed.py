"""Pages run the same number of queries for a county of 10 villages and one of 400."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import Role
from apps.jurisdictions.models import Unit
from tests.factories import make_user
from tests.portal.conftest import AS_OF

Q = f"?as_of={AS_OF.isoformat()}"


def build_county(city: Unit, county_digits: str, townships: int, villages_per_township: int) -> Unit:
    county = Unit(code=f"{county_digits}000000", name=f"测试县{county_digits}", level="county", parent=city)
    county.save()
    towns = []
    for t in range(townships):
        u = Unit(code=f"{county_digits}{100 + t:03d}000", name=f"测试镇{t}", level="township", parent=county,
                 flags=",high_natural_risk," if t % 3 == 0 else "")
        u.fill_ancestor_codes()
        towns.append(u)
    towns = Unit.objects.bulk_create(towns)
    towns = list(Unit.objects.filter(code__in=[t.code for t in towns]))
    villages = []
    for town in towns:
        for v in range(villages_per_township):
            u = Unit(code=f"{town.code[:9]}{201 + v:03d}", name=f"{town.name}{v}村", level="village", parent=town)
            u.fill_ancestor_codes()
            villages.append(u)
    Unit.objects.bulk_create(villages, batch_size=500)
    return county


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_it_renders_the_dashboard_with_a_query_count_independent_of_county_size(units, catalog, client_for):
    city = units["140100000000"]
    small = build_county(city, "140191", townships=2, villages_per_township=5)
    large = build_county(city, "140192", townships=20, villages_per_township=20)
    official_small = make_user("small", Role.COUNTY_OFFICIAL, small)
    official_large = make_user("large", Role.COUNTY_OFFICIAL, large)

    counts = {}
    for label, user, county in (("small", official_small, small), ("large", official_large, large)):
        client = client_for(user)
        town = Unit.objects.filter(parent=county).order_by("code").first()
        urls = {
            "dashboard": reverse("portal:dashboard", args=[county.code]) + Q,
            "overdue": reverse("portal:overdue", args=[county.code]) + Q,
            "unit": reverse("portal:unit", args=[town.code]) + Q,
        }
        count_queries(client, urls["dashboard"])  # first visit computes and stores the snapshots
        counts[label] = {name: count_queries(client, url) for name, url in urls.items()}
    assert counts["small"] == counts["large"]


def test_it_renders_the_workspace_with_a_query_count_independent_of_township_size(units, catalog, client_for):
    city = units["140100000000"]
    small = build_county(city, "140193", townships=1, villages_per_township=3)
    large = build_county(city, "140194", townships=1, villages_per_township=60)
    counts = []
    for county in (small, large):
        town = Unit.objects.get(parent=county)
        client = client_for(make_user(f"staff{county.code}", Role.TOWNSHIP_STAFF, town))
        url = reverse("portal:workspace", args=[town.code]) + Q
        count_queries(client, url)
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1]


def test_it_renders_the_other_pages_with_a_query_count_independent_of_size(units, catalog, client_for):
    """Unit pages of a village and a county, the supervision list, the search, the county picker
    of a city, the calendar page and the .ics feed: same count for a small and a large county."""
    from apps.portal.services import calendar_token_create, supervision_create

    city = units["140100000000"]
    small = build_county(city, "140195", townships=1, villages_per_township=3)
    large = build_county(city, "140196", townships=3, villages_per_township=40)
    counts = []
    for county in (small, large):
        official = make_user(f"official{county.code}", Role.COUNTY_OFFICIAL, county)
        town = Unit.objects.filter(parent=county).order_by("code").first()
        village = Unit.objects.filter(parent=town).order_by("code").first()
        for unit in Unit.objects.filter(parent__parent=county)[:30]:
            supervision_create(actor=official, unit=unit, text="请尽快补齐记录。")
        staff = make_user(f"staff{county.code}", Role.TOWNSHIP_STAFF, town)
        token = calendar_token_create(actor=staff)
        auditor = make_user(f"auditor{county.code}", Role.AUDITOR, city)
        pages = [
            (official, reverse("portal:unit", args=[village.code]) + Q),
            (official, reverse("portal:unit", args=[county.code]) + Q),
            (official, reverse("portal:supervisions", args=[town.code])),
            (official, reverse("portal:search") + f"?q={county.code[:6]}"),
            (auditor, reverse("portal:dashboard", args=[city.code])),
            (auditor, reverse("portal:search") + "?q=村"),
            (staff, reverse("portal:calendar")),
            (staff, reverse("portal:calendar_feed", args=[token.token])),
        ]
        row = []
        for user, url in pages:
            client = client_for(user)
            count_queries(client, url)  # warm the snapshots
            row.append(count_queries(client, url))
        counts.append(row)
    assert counts[0] == counts[1]
