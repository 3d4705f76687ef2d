"""Demo evidence derived from the policy catalog itself.

For every township and village, the requirements that apply to it (rules as data) decide which
records are made: a team of the floor's size, a drill in each period, people of the audience and
their trainings, facilities, standing documents, warning relays. Most units are diligent and meet
nearly everything; some are neglectful, so the dashboard has red and yellow cells to show. Nothing
here names a province or a requirement: a province added to the catalog gets demo evidence too.

Used by ``manage.py load_demo`` (apps/devtools); never in production. Seeded, so a seed gives the same data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from apps.compliance.rules import add_months
from apps.core.pii import id_check_digit
from apps.evidence import models as ev
from apps.policies.selectors import group_applicability

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
PERIOD_MONTHS = {"month": 1, "quarter": 3, "year": 12}
SUBJECTS = {"drill": "防汛防火应急演练", "meeting": "研究部署基层应急管理工作"}


@dataclass
class _Batch:
    people: list = field(default_factory=list)
    trainings: list = field(default_factory=list)  # (person, held_on)
    teams: list = field(default_factory=list)  # (team, members)
    drills: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    facilities: list = field(default_factory=list)
    documents: list = field(default_factory=list)
    relays: list = field(default_factory=list)


class _UnitDemo:
    """Evidence for one unit, requirement by requirement."""

    def __init__(self, unit, rng: random.Random, start: date, as_of: date, batch: _Batch):
        self.unit, self.rng, self.start, self.as_of, self.batch = unit, rng, start, as_of, batch
        self.diligent = rng.random() > 0.3
        self.people: dict[str, list] = {}
        self.teams: set[str] = set()
        self.facilities: set[str] = set()
        self.doc_types: set[str] = set()

    def keeps(self) -> bool:
        """Whether this unit meets the next obligation."""
        return self.rng.random() < (0.93 if self.diligent else 0.45)

    def day(self, first: date, last: date) -> date:
        last = min(last, self.as_of)
        return first + timedelta(days=self.rng.randint(0, max(0, (last - first).days)))

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2)))

    def id_number(self) -> str:
        born = date(1965, 1, 1) + timedelta(days=self.rng.randint(0, 365 * 35))
        first17 = f"{self.unit.code[:6]}{born:%Y%m%d}{self.rng.randint(0, 999):03d}"
        return first17 + id_check_digit(first17)

    # -- one method per requirement kind ------------------------------------------------------
    def team_floor(self, p: dict) -> None:
        team_type = p["team_types"][0]
        if team_type in self.teams:
            return
        self.teams.add(team_type)
        short = self.rng.randint(min(3, p["min_members"] - 1), p["min_members"] - 1)
        size = p["min_members"] + self.rng.randint(0, 6) if self.keeps() else short
        team = ev.Team(unit=self.unit, name=f"{self.unit.name}应急救援队", team_type=team_type)
        members = [
            ev.TeamMember(unit=self.unit, team=team, name=self.name(), id_number=self.id_number(),
                          employment="part_time", joined_on=self.day(self.start - timedelta(days=700), self.start))
            for _ in range(size)
        ]
        self.batch.teams.append((team, members))

    def periodic_event(self, p: dict) -> None:
        months = PERIOD_MONTHS[p["period"]]
        field_name, values = next(iter(p.get("match", {}).items()), ("", [""]))
        period = date(self.start.year, 1, 1)
        while period <= self.as_of:
            end = add_months(period, months) - timedelta(days=1)
            current = end >= self.as_of
            # The current period is often still open: record it only sometimes.
            if self.keeps() and (not current or self.rng.random() < 0.5):
                # Named campaigns: one record of each; an evaluated drill where one is required.
                for tag in p.get("campaigns") or [""] * p.get("min_count", 1):
                    self._event(p["evidence"], field_name, values[0], self.day(period, end), tag=tag,
                                evaluated=p.get("require_evaluation", False) or self.rng.random() < 0.5)
            period = add_months(period, months)

    def _event(self, evidence: str, field_name: str, value: str, on: date, tag: str = "",
               evaluated: bool = False) -> None:
        if evidence == "drill":
            self.batch.drills.append(ev.Drill(unit=self.unit, held_on=on, drill_type=value or "comprehensive",
                                              subject=SUBJECTS["drill"], participants=self.rng.randint(20, 120),
                                              evaluation="达到预期，已据此修订预案" if evaluated else ""))
        elif evidence == "meeting":
            self.batch.meetings.append(ev.Meeting(unit=self.unit, held_on=on, meeting_type=value or "work_meeting",
                                                  chair=self.name(), topic=SUBJECTS["meeting"]))
        else:
            label = ev.Campaign(tag).label if tag else ev.DocumentType(value).label
            self.batch.documents.append(ev.StandingDocument(unit=self.unit, doc_type=value, dated=on, campaign=tag,
                                                            title=f"{self.unit.name}{label}"))

    def audience(self, category: str, count: int) -> list:
        people = self.people.setdefault(category, [])
        while len(people) < count:
            person = ev.Person(unit=self.unit, name=self.name(), category=category,
                               appointed_on=self.day(self.start - timedelta(days=1500), self.as_of - timedelta(days=60)))
            people.append(person)
            self.batch.people.append(person)
        return people

    def staffing(self, p: dict) -> None:
        for category in p["categories"]:
            if self.keeps():
                self.audience(category, p.get("min_count", 1))

    def training_cycle(self, p: dict) -> None:
        every = p.get("cycle_months") or PERIOD_MONTHS.get(p.get("period", ""), 12)
        every = min(every, PERIOD_MONTHS.get(p.get("period", ""), every))
        for category in p["categories"]:
            for person in self.audience(category, 2):
                if not self.keeps():
                    continue
                day = add_months(person.appointed_on, min(every, p.get("new_appointee_months") or every) - 1)
                while day <= self.as_of:
                    self.batch.trainings.append((person, day))
                    day = add_months(day, max(1, every - 1))

    def facility_count(self, p: dict) -> None:
        facility_type = p["facility_types"][0]
        if facility_type in self.facilities or not self.keeps():
            return
        self.facilities.add(facility_type)
        self.batch.facilities.append(ev.Facility(
            unit=self.unit, facility_type=facility_type, name=f"{self.unit.name}{ev.FacilityType(facility_type).label}",
            quantity=p.get("min_count", 1), in_service_from=self.day(self.start - timedelta(days=400), self.start)))

    def response_time(self, p: dict) -> None:
        limit = p["max_minutes"]
        for _ in range(self.rng.randint(1, 3)):
            received = timezone.make_aware(datetime.combine(self.day(add_months(self.as_of, -11), self.as_of), time(9)))
            minutes = self.rng.randint(1, limit) if self.keeps() else limit + self.rng.randint(1, 15)
            self.batch.relays.append(ev.WarningRelay(
                unit=self.unit, warning_id=f"YJ{self.rng.randint(100000, 999999)}", received_at=received,
                relayed_at=received + timedelta(minutes=minutes)))

    def standing_document(self, p: dict) -> None:
        for doc_type in p["doc_types"]:
            if doc_type in self.doc_types or not self.keeps():
                continue
            self.doc_types.add(doc_type)
            age = p.get("max_age_months") or 24
            self.batch.documents.append(ev.StandingDocument(
                unit=self.unit, doc_type=doc_type, title=f"{self.unit.name}{ev.DocumentType(doc_type).label}",
                version=f"{self.as_of.year}版",
                dated=self.day(add_months(self.as_of, -(age - 1)), self.as_of)))


@transaction.atomic
def populate_demo_evidence(units, *, as_of: date, seed: int = 1, years: int = 2) -> int:
    """Create demo evidence for ``units`` (townships and villages) up to ``as_of``; returns the
    number of records. Written in bulk, a handful of queries whatever the number of units."""
    rng = random.Random(seed)
    start = date(as_of.year - years + 1, 1, 1)
    units = list(units)
    versions_by_unit = group_applicability(units, as_of)
    batch = _Batch()
    for unit in sorted(units, key=lambda u: u.code):
        demo = _UnitDemo(unit, rng, start, as_of, batch)
        for version in versions_by_unit.get(unit.code, []):
            handler = getattr(demo, version.kind, None)
            if handler is not None:
                handler(version.params or {})
    return _write(batch)


def _write(batch: _Batch) -> int:
    ev.Person.objects.bulk_create(batch.people)
    ev.Training.objects.bulk_create(
        [ev.Training(unit_id=person.unit_id, person=person, held_on=day, course="基层应急管理能力培训")
         for person, day in batch.trainings]
    )
    ev.Team.objects.bulk_create([team for team, _ in batch.teams])
    members = [member for team, team_members in batch.teams for member in team_members]
    for team, team_members in batch.teams:
        for member in team_members:
            member.team = team  # re-bind so the saved team's pk is used
    ev.TeamMember.objects.bulk_create(members)
    for model, rows in ((ev.Drill, batch.drills), (ev.Meeting, batch.meetings), (ev.Facility, batch.facilities),
                        (ev.StandingDocument, batch.documents), (ev.WarningRelay, batch.relays)):
        model.objects.bulk_create(rows)
    return (len(batch.people) + len(batch.trainings) + len(batch.teams) + len(members) + len(batch.drills)
            + len(batch.meetings) + len(batch.facilities) + len(batch.documents) + len(batch.relays))
