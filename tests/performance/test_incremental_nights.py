"""Incremental nights (issue 16): the nightly county task carries over every unit whose inputs are
unchanged (same stamp) and whose valid_until has not come, and evaluates only the others. The
result must be identical to a full evaluation: over 60 consecutive nights of generated data, with
evidence written through the real services on random nights, every unit's stored snapshot and the
county's overdue rows and summary equal a fresh evaluation of that night (no carry-over)."""

import json
import random
from datetime import date, datetime, time, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.accounts.models import Role
from apps.compliance import rules, selectors, services
from apps.compliance.models import CountyReport, Snapshot
from apps.compliance.results import compact_results
from apps.core.pii import id_check_digit
from apps.devtools.synthetic import generate
from apps.evidence import models as ev
from apps.evidence import services as evidence
from apps.jurisdictions.codes import subtree_range
from tests.factories import make_user

# The 60 nights cross the due-soon horizon of the year's end (1 December), the catalog
# corrections taking effect on 2026-12-01, and a new year and quarter.
FIRST_NIGHT = date(2026, 11, 10)
NIGHTS = 60


class Counter:
    def __init__(self):
        self.units = 0

    def wrap(self, monkeypatch):
        original = rules.evaluate_unit

        def counted(*args, **kwargs):
            self.units += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(rules, "evaluate_unit", counted)


def _json(value):
    return json.loads(json.dumps(value, ensure_ascii=False))


def _assert_night_equals_a_full_evaluation(county, night):
    units = selectors.subtree_units(county)
    fresh = selectors.compute(units, subtree_range(county.code, county.level), night)
    stored = {code: (score, grade, counts, results) for code, score, grade, counts, results in Snapshot.objects.filter(
        as_of=night, unit__in=units).values_list("unit__code", "score", "grade", "counts", "results")}
    assert set(stored) == {u.code for u in units}
    for code, e in fresh.items():
        assert stored[code] == (e.score, e.grade, e.counts, _json(compact_results(e))), (night, code)
    rows = selectors.overdue_rows(fresh, night)
    report = CountyReport.objects.get(county=county, as_of=night)
    assert selectors.county_report_tasks(county, night) == [r.to_dict() for r in rows], night
    assert report.summary == _json(selectors.county_summary(county, units, fresh, rows)), night
    assert (report.overdue, report.non_compliant, report.due_soon) == tuple(
        sum(1 for r in rows if r.status == s) for s in ("overdue", "non_compliant", "due_soon"))


class Writer:
    """Evidence written the way the portal writes it (evidence.services), on random nights."""

    def __init__(self, county, seed: int):
        self.rng = random.Random(seed)
        self.county = county
        self.clerk = make_user("clerk", Role.TOWNSHIP_STAFF, county)
        self.official = make_user("official", Role.COUNTY_OFFICIAL, county)
        self.units = [u for u in selectors.subtree_units(county) if u.level in ("township", "village")]
        self.n = 0

    def _id_number(self, unit) -> str:
        first17 = f"{unit.code[:6]}19{self.rng.randint(60, 99)}0{self.rng.randint(1, 9)}1{self.rng.randint(0, 9)}" \
                  f"{self.rng.randint(100, 999)}"
        return first17 + id_check_digit(first17)

    def write(self, night: date) -> str:
        self.n += 1
        unit = self.rng.choice(self.units)
        past = night - timedelta(days=self.rng.randint(0, 40))
        soon = night + timedelta(days=self.rng.randint(1, 25))
        action = self.rng.choice(["drill", "meeting", "training", "person", "leaves", "document", "facility",
                                  "relay", "member", "same_person", "delete", "return"])
        create = evidence.record_create
        if action == "drill":
            create(kind="drills", unit=unit, actor=self.clerk, values={
                "held_on": past, "drill_type": self.rng.choice(["comprehensive", "special"]),
                "subject": f"演练{self.n}", "evaluation": "良好"})
        elif action == "meeting":
            create(kind="meetings", unit=unit, actor=self.clerk, values={
                "held_on": past, "meeting_type": "secretary_study", "topic": f"研究部署{self.n}"})
        elif action == "training":
            person = ev.Person.objects.filter(unit=unit, deleted_at__isnull=True).order_by("?").first()
            if person is None:
                return "training (nobody)"
            create(kind="trainings", unit=unit, actor=self.clerk, values={
                "person": person, "held_on": past, "course": f"培训{self.n}"})
        elif action == "person":
            category = "township_cadre" if unit.level == "township" else "village_committee"
            create(kind="personnel", unit=unit, actor=self.clerk, values={
                "name": f"新人{self.n}", "category": category, "appointed_on": past})
        elif action == "leaves":  # a departure recorded ahead: it takes effect on a later night
            person = ev.Person.objects.filter(unit=unit, deleted_at__isnull=True, left_on__isnull=True).first()
            if person is None:
                return "leaves (nobody)"
            evidence.record_update(record=person, values={"left_on": soon}, actor=self.clerk)
        elif action == "document":  # a plan valid for a few more weeks only
            create(kind="documents", unit=unit, actor=self.clerk, values={
                "doc_type": self.rng.choice(["emergency_plan", "risk_map", "duty_roster"]), "title": f"文件{self.n}",
                "dated": past, "valid_until": soon})
        elif action == "facility":  # a phone taken out of service on a later night
            facility = ev.Facility.objects.filter(unit=unit, deleted_at__isnull=True, in_service_to__isnull=True).first()
            if facility is None:
                return "facility (none)"
            evidence.record_update(record=facility, values={"in_service_to": soon}, actor=self.clerk)
        elif action == "relay":
            received = timezone.make_aware(datetime.combine(past, time(9)))
            create(kind="warnings", unit=unit, actor=self.clerk, values={
                "warning_id": f"YJ9{self.n:04d}", "received_at": received,
                "relayed_at": received + timedelta(minutes=self.rng.choice([4, 15]))})
        elif action in ("member", "same_person"):
            team = ev.Team.objects.filter(unit=unit, deleted_at__isnull=True).first()
            if team is None:
                return f"{action} (no team)"
            if action == "same_person":
                # 「重复在册」: someone already on another unit's team joins this one, earlier: from
                # now on they count here, and the other unit's team is one short.
                other = ev.TeamMember.objects.filter(team__unit__county_code=unit.county_code, deleted_at__isnull=True,
                                                     left_on__isnull=True).exclude(team=team).order_by("?").first()
                if other is None:
                    return "same_person (none)"
                name, number, joined = other.name, other.id_number, other.joined_on - timedelta(days=1)
            else:
                name, number, joined = f"队员{self.n}", self._id_number(unit), past
            create(kind="roster", unit=unit, actor=self.clerk, values={
                "team_name": team.name, "team_type": team.team_type, "name": name, "id_number": number,
                "employment": "part_time", "joined_on": joined, "left_on": soon if self.rng.random() < 0.3 else None})
        elif action == "delete":
            drill = ev.Drill.objects.filter(unit=unit, deleted_at__isnull=True).order_by("-held_on").first()
            if drill is None:
                return "delete (none)"
            evidence.record_soft_delete(record=drill, actor=self.clerk, reason="重复录入")
        elif action == "return":
            meeting = ev.Meeting.objects.filter(unit=unit, deleted_at__isnull=True,
                                                review_status=ev.ReviewStatus.SUBMITTED).order_by("-held_on").first()
            if meeting is None:
                return "return (none)"
            evidence.record_review(record=meeting, actor=self.official, decision="return", note="请补充会议纪要",
                                   based_on=meeting.revision)
        return action


@pytest.fixture
def county(db):
    call_command("load_policies", verbosity=0)
    return generate(counties=1, townships_per_county=2, villages_per_township=3, years=2, seed=16,
                    as_of=FIRST_NIGHT, first_county=1).counties[0]


def test_it_stores_every_night_exactly_what_a_full_evaluation_gives_over_60_nights(county, monkeypatch):
    writer = Writer(county, seed=16)
    counter = Counter()
    counter.wrap(monkeypatch)
    units = len(selectors.subtree_units(county))
    written, evaluated, kept_rows = [], [], []
    summary_rows_kept = selectors.summary_rows_kept

    def kept_counted(*args, **kwargs):
        kept = summary_rows_kept(*args, **kwargs)
        kept_rows.append(len(kept))
        return kept

    monkeypatch.setattr(selectors, "summary_rows_kept", kept_counted)
    for n in range(NIGHTS):
        night = FIRST_NIGHT + timedelta(days=n)
        if n and writer.rng.random() < 0.35:
            written.append((night, [writer.write(night) for _ in range(writer.rng.randint(1, 3))]))
        counter.units = 0
        services.county_report_build(county=county, as_of=night)
        evaluated.append(counter.units)
        _assert_night_equals_a_full_evaluation(county, night)
    # The test has teeth: most nights carried most units over, some nights evaluated some.
    assert evaluated[0] == units
    assert sum(evaluated[1:]) < 0.7 * units * (NIGHTS - 1), evaluated
    assert sum(1 for e in evaluated[1:] if e == 0) >= 5, evaluated
    assert sum(1 for e in evaluated[1:] if 0 < e < units) >= 5, evaluated
    assert len(written) >= 10
    # ... and the summary kept the rows of the townships none of whose units was evaluated: all of
    # them on some nights, one of the two on others.
    assert kept_rows[0] == 0 and kept_rows.count(2) >= 5 and kept_rows.count(1) >= 3, kept_rows


def _night_without_changes(counties, first: date) -> date:
    """Run nights from ``first`` until the next night has nothing to re-evaluate in any county."""
    night = first
    for _ in range(40):
        for county in counties:
            services.county_report_build(county=county, as_of=night)
        following = night + timedelta(days=1)
        if not Snapshot.objects.filter(as_of=night, valid_until__lte=following).exists():
            return following
        night = following
    raise AssertionError("no quiet night in 40")


def test_it_evaluates_no_unit_on_a_night_without_changes_in_queries_independent_of_size(catalog, monkeypatch):
    small = generate(counties=1, townships_per_county=1, villages_per_township=2, years=2, seed=1,
                     as_of=FIRST_NIGHT, first_county=1).counties[0]
    big = generate(counties=1, townships_per_county=2, villages_per_township=8, years=2, seed=2,
                   as_of=FIRST_NIGHT, first_county=2).counties[0]
    quiet = _night_without_changes([small, big], FIRST_NIGHT)

    def forbidden(*args, **kwargs):
        raise AssertionError("a unit was evaluated on a night without changes")

    monkeypatch.setattr(rules, "evaluate_unit", forbidden)
    counts = []
    for county in (small, big):
        selectors._NIGHT_CATALOG.clear()  # each task as the first of its process (it reads the catalog)
        with CaptureQueriesContext(connection) as ctx:
            report = services.county_report_build(county=county, as_of=quiet)
        counts.append(len(ctx))
        assert report.units_evaluated == len(selectors.subtree_units(county))
        assert not any("evidence_" in q["sql"] for q in ctx.captured_queries if "GROUP BY" not in q["sql"])
    assert counts[0] == counts[1]
    monkeypatch.undo()
    for county in (small, big):
        _assert_night_equals_a_full_evaluation(county, quiet)


def test_it_evaluates_a_county_with_new_evidence_in_queries_independent_of_size(catalog):
    small = generate(counties=1, townships_per_county=1, villages_per_township=2, years=2, seed=1,
                     as_of=FIRST_NIGHT, first_county=1).counties[0]
    big = generate(counties=1, townships_per_county=2, villages_per_township=8, years=2, seed=2,
                   as_of=FIRST_NIGHT, first_county=2).counties[0]
    counts = []
    for county in (small, big):
        services.county_report_build(county=county, as_of=FIRST_NIGHT)
        village = selectors.subtree_units(county)[-1]
        evidence.record_create(kind="drills", unit=village, actor=make_user(f"clerk{county.pk}", Role.TOWNSHIP_STAFF, county),
                               values={"held_on": FIRST_NIGHT, "drill_type": "comprehensive", "subject": "新增演练"})
        selectors._NIGHT_CATALOG.clear()  # each task as the first of its process (it reads the catalog)
        with CaptureQueriesContext(connection) as ctx:
            services.county_report_build(county=county, as_of=FIRST_NIGHT + timedelta(days=1))
        counts.append(len(ctx))
        _assert_night_equals_a_full_evaluation(county, FIRST_NIGHT + timedelta(days=1))
    assert counts[0] == counts[1]
