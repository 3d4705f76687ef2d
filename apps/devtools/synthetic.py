"""Synthetic jurisdictions and evidence for tests, demos and benchmarks.

A synthetic province (default 990000000000 合成省, a code no real province uses) with one city,
N counties, townships and villages whose 12-digit codes are consistent prefixes, and a few years
of people, rosters, drills, trainings, meetings, facilities, documents and warning relays. The
random generator is seeded, so a seed always gives the same data; about one unit in four is
deliberately neglectful so reports have something to show. Everything is written in bulk.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from apps.compliance.rules import add_months
from apps.core.pii import id_check_digit
from apps.evidence import models as ev
from apps.jurisdictions.models import Unit

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


@dataclass
class SyntheticResult:
    counties: list[Unit]
    units: int
    records: int


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _id_number(rng: random.Random, region: str) -> str:
    born = date(1965, 1, 1) + timedelta(days=rng.randint(0, 365 * 35))
    first17 = f"{region}{born:%Y%m%d}{rng.randint(0, 999):03d}"
    return first17 + id_check_digit(first17)


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _ensure_parents(province_code: str) -> Unit:
    province, _ = Unit.objects.get_or_create(
        code=province_code, defaults={"name": "合成省", "level": "province", "is_demo": True}
    )
    city_code = province_code[:2] + "01" + "0" * 8
    city, _ = Unit.objects.get_or_create(
        code=city_code, defaults={"name": "合成市", "level": "city", "parent": province, "is_demo": True}
    )
    return city


def _bulk_units(specs: list[tuple[str, str, str, Unit]], tracking_start: date) -> list[Unit]:
    objs = []
    for code, name, level, parent in specs:
        unit = Unit(code=code, name=name, level=level, parent=parent, tracking_start=tracking_start, is_demo=True)
        unit.fill_ancestor_codes()
        objs.append(unit)
    Unit.objects.bulk_create(objs)
    return list(Unit.objects.filter(code__in=[o.code for o in objs]).order_by("code"))


@transaction.atomic
def generate(*, counties: int = 1, townships_per_county: int = 2, villages_per_township: int = 5, years: int = 2,
             seed: int = 1, as_of: date | None = None, province_code: str = "990000000000",
             first_county: int = 1) -> SyntheticResult:
    """Create ``counties`` new synthetic counties (numbered from ``first_county``, existing ones
    are skipped) with their townships, villages and evidence up to ``as_of``."""
    if not (first_county >= 1 and first_county + counties - 1 <= 99):
        raise ValueError("county numbers must stay within 01–99")
    if townships_per_county > 899 or villages_per_township > 799:
        raise ValueError("too many townships or villages for the 12-digit code")
    rng = random.Random(seed)
    as_of = as_of or timezone.localdate()
    start = date(as_of.year - years + 1, 1, 1)
    city = _ensure_parents(province_code)
    wanted = [f"{province_code[:2]}01{n:02d}000000" for n in range(first_county, first_county + counties)]
    existing = set(Unit.objects.filter(code__in=wanted).values_list("code", flat=True))
    county_specs = [(c, f"合成{int(c[4:6])}县", "county", city) for c in wanted if c not in existing]
    new_counties = _bulk_units(county_specs, start)
    townships = _bulk_units(
        [(f"{c.code[:6]}{100 + t:03d}000", f"{c.name}第{t + 1}镇", "township", c)
         for c in new_counties for t in range(townships_per_county)],
        start,
    )
    villages = _bulk_units(
        [(f"{t.code[:9]}{200 + v:03d}", f"{t.name[-3:]}{v + 1}村", "village", t)
         for t in townships for v in range(villages_per_township)],
        start,
    )
    flagged = [v for v in villages if rng.random() < 0.2]
    for v in flagged:
        v.set_flags(["high_natural_risk"])
    Unit.objects.bulk_update(flagged, ["flags"])
    records = _evidence(rng, townships + villages, start, as_of)
    if new_counties:  # nothing loaded (every county existed): the statistics are unchanged
        _analyze()
    return SyntheticResult(new_counties, len(new_counties) + len(townships) + len(villages), records)


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics of the tables just filled in bulk.

    Synthetic data is usually evaluated at once (tests, benchmarks), before autovacuum has
    analysed the new rows; with the statistics of empty tables the planner picks nested loops and
    loading a 400-village county's rosters takes minutes instead of milliseconds.
    """
    if connection.vendor != "postgresql":
        return
    tables = [Unit._meta.db_table] + [m._meta.db_table for m in ev.EVIDENCE_MODELS]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


def _evidence(rng: random.Random, units: list[Unit], start: date, as_of: date) -> int:
    people, teams, drills, meetings, facilities, documents, relays = [], [], [], [], [], [], []
    for unit in units:
        diligent = rng.random() > 0.25
        township = unit.level == "township"
        categories = (["township_cadre"] * 3 + ["emergency_staff"]) if township else \
            ["village_committee", "village_committee", "village_staff", "info_reporter"]
        for category in categories:
            if category == "emergency_staff" and not diligent and rng.random() < 0.5:
                continue
            people.append(ev.Person(unit=unit, name=_name(rng), category=category,
                                    appointed_on=_day(rng, start - timedelta(days=2000), as_of - timedelta(days=30))))
        teams.append((ev.Team(unit=unit, name=f"{unit.name}应急救援队", team_type="comprehensive"),
                      rng.randint(30, 45) if township else rng.randint(8, 15), diligent))
        for year in range(start.year, as_of.year + 1):
            if diligent or rng.random() < 0.4:
                drills.append(ev.Drill(unit=unit, held_on=_day(rng, date(year, 3, 1), min(date(year, 11, 30), as_of)),
                                       drill_type="comprehensive", subject="防汛防火综合演练"))
            if rng.random() < 0.5:
                drills.append(ev.Drill(unit=unit, held_on=_day(rng, date(year, 1, 1), min(date(year, 12, 31), as_of)),
                                       drill_type="special", subject="地质灾害避险专项演练"))
        quarter = date(start.year, 1, 1)
        while quarter <= as_of:
            if diligent or rng.random() < 0.5:
                meetings.append(ev.Meeting(unit=unit, held_on=_day(rng, quarter, min(add_months(quarter, 3) - timedelta(days=1), as_of)),
                                           meeting_type="secretary_study", topic="研究部署应急管理工作"))
            quarter = add_months(quarter, 3)
        if diligent or rng.random() < 0.3:
            facilities.append(ev.Facility(unit=unit, facility_type="satellite_phone", name="卫星电话",
                                          quantity=rng.randint(1, 2), in_service_from=start))
        for doc_type in ("emergency_plan", "risk_map", "duty_roster"):
            if diligent or rng.random() < 0.5:
                documents.append(ev.StandingDocument(unit=unit, doc_type=doc_type, title=f"{unit.name}{doc_type}",
                                                     dated=_day(rng, start, as_of)))
        for _ in range(rng.randint(1, 3)):
            received = timezone.make_aware(datetime.combine(_day(rng, add_months(as_of, -11), as_of), time(9)))
            minutes = rng.randint(2, 9) if diligent else rng.randint(5, 20)
            relays.append(ev.WarningRelay(unit=unit, warning_id=f"YJ{rng.randint(10000, 99999)}", received_at=received,
                                          relayed_at=received + timedelta(minutes=minutes)))
    ev.Person.objects.bulk_create(people)
    trainings = []
    for person in people:
        day = person.appointed_on
        while True:
            day = add_months(day, rng.randint(6, 30))
            if day > as_of:
                break
            trainings.append(ev.Training(unit_id=person.unit_id, person=person, held_on=day, course="基层应急管理培训"))
    ev.Training.objects.bulk_create(trainings)
    ev.Team.objects.bulk_create([t for t, _, _ in teams])
    members = []
    for team, size, diligent in teams:
        region = team.unit.code[:6]
        for _ in range(size if diligent else max(1, size - rng.randint(5, 25))):
            members.append(ev.TeamMember(team=team, unit_id=team.unit_id, name=_name(rng),
                                         id_number=_id_number(rng, region), employment="part_time",
                                         joined_on=_day(rng, start - timedelta(days=700), start)))
    ev.TeamMember.objects.bulk_create(members)
    for model, rows in ((ev.Drill, drills), (ev.Meeting, meetings), (ev.Facility, facilities),
                        (ev.StandingDocument, documents), (ev.WarningRelay, relays)):
        model.objects.bulk_create(rows)
    return sum(map(len, (people, trainings, teams, members, drills, meetings, facilities, documents, relays)))
