"""rules.valid_until: the first date on which a stored evaluation may change without new evidence
(incremental nights, docs/semantics.md §8a). One boundary test per kind of change date: the
evaluation is the same on every day before it and differs on it; and a randomised check that
nothing stored ever changes before valid_until. Pure: no database."""

import random
from datetime import date, timedelta

import pytest

from apps.compliance import rules
from apps.compliance.results import Status, UnitEvaluation, compact_results
from apps.compliance.rules import (
    EventFact,
    Evidence,
    FacilityFact,
    MemberFact,
    Membership,
    PersonFact,
    RelayFact,
    Spec,
    TrainingFact,
    UnitFacts,
)

TOWNSHIP = UnitFacts(code="140121100000", name="清源镇", level="township", province_code="140000000000")
SHOWN = (Status.OVERDUE, Status.NON_COMPLIANT, Status.DUE_SOON)


def spec(kind, params, code="R1", **kw):
    defaults = {"requirement": code, "version": 1, "title": code, "effective_from": date(2024, 1, 1)}
    return Spec(kind=kind, params=params, **{**defaults, **kw})


DRILL = spec("periodic_event", {"evidence": "drill", "period": "year", "min_count": 1,
                                "match": {"drill_type": ["comprehensive"]}})
MEETING = spec("periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1}, "MEET")
CADRE = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 24}, "CADRE")
COMMITTEE = spec("training_cycle", {"categories": ["township_cadre"], "period": "quarter"}, "COMMITTEE")
TEAM = spec("team_floor", {"min_members": 2, "team_types": ["comprehensive"]}, "TEAM")
PHONE = spec("facility_count", {"min_count": 2, "facility_types": ["satellite_phone"]}, "PHONE")
STAFF = spec("staffing", {"categories": ["emergency_staff"], "min_count": 1}, "STAFF")
PLAN = spec("standing_document", {"doc_types": ["emergency_plan"], "max_age_months": 24}, "PLAN")
RELAY = spec("response_time", {"max_minutes": 10, "window_months": 12}, "RELAY")


def stored(e: UnitEvaluation):
    """What a snapshot and the county's overdue rows keep of an evaluation (days overdue aside)."""
    rows = sorted((r.requirement, t.status, t.due, t.missing or r.title, t.subject)
                  for r in e.results if not r.advisory for t in r.tasks if t.in_window and t.status in SHOWN)
    return e.score, e.grade, e.counts, compact_results(e), rows, e.superseded


def evaluate(specs, ev, day, unit=TOWNSHIP):
    return rules.evaluate_unit(unit, specs, ev, day)


def until(specs, ev, as_of, unit=TOWNSHIP, catalog_dates=()):
    return rules.valid_until(unit, specs, ev, evaluate(specs, ev, as_of, unit), catalog_dates=catalog_dates)


def assert_changes_first_on(specs, ev, as_of, expected, unit=TOWNSHIP, catalog_dates=()):
    """valid_until is ``expected``; the evaluation is the same up to the day before and differs on it."""
    assert until(specs, ev, as_of, unit, catalog_dates) == expected
    first = stored(evaluate(specs, ev, as_of, unit))
    assert stored(evaluate(specs, ev, expected - timedelta(days=1), unit)) == first
    assert stored(evaluate(specs, ev, expected, unit)) != first


# -- due dates and periods ----------------------------------------------------------------
def test_it_expires_when_an_open_due_date_enters_the_due_soon_horizon():
    assert_changes_first_on([DRILL], Evidence(), date(2024, 11, 1), date(2024, 12, 1))


def test_it_expires_the_day_after_an_open_due_date():
    assert_changes_first_on([DRILL], Evidence(), date(2024, 12, 15), date(2025, 1, 1))


def test_it_expires_when_a_met_period_ends_and_the_next_one_opens():
    drills = [EventFact(1, "comprehensive", date(2024, 3, 1))]
    assert_changes_first_on([DRILL], Evidence(drills=drills), date(2024, 6, 1), date(2025, 1, 1))


def test_it_expires_when_a_missed_period_leaves_the_status_window():
    # 2024 Q1 missed, every later quarter met: the miss counts until 2025-03-31 and is gone on
    # 2025-04-01 (also the day the 2025 Q2 task opens).
    meetings = [EventFact(i, "secretary_study", d) for i, d in enumerate(
        [date(2024, 5, 1), date(2024, 8, 1), date(2024, 11, 1), date(2025, 2, 1)])]
    assert_changes_first_on([MEETING], Evidence(meetings=meetings), date(2025, 2, 15), date(2025, 4, 1))


def test_it_never_reports_a_window_exit_later_than_the_exit_itself():
    # add_months clamps: 2023-02-28 + 12 months is 2024-02-28, but 2024-02-29 still sees it.
    for end in (date(2023, 2, 28), date(2024, 2, 29), date(2024, 12, 31), date(2025, 8, 31)):
        first_out = next(end + timedelta(days=n) for n in range(1, 800)
                         if end < rules.add_months(end + timedelta(days=n), -12))
        assert rules._after_window(end, 12) <= first_out


# -- cycles and deadlines -----------------------------------------------------------------
def test_it_expires_when_a_persons_cycle_enters_the_horizon():
    people = [PersonFact(1, "张三", "township_cadre", date(2020, 1, 1))]
    trainings = [TrainingFact(1, 1, date(2024, 3, 10))]
    ev = Evidence(people=people, trainings=trainings)
    cadre = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 24}, "CADRE",
                 effective_from=date(2020, 1, 1))
    assert_changes_first_on([cadre], ev, date(2025, 6, 1), date(2026, 3, 10) - timedelta(days=30))


def test_it_expires_when_a_deadline_nears_and_passes():
    team_floor = spec("team_floor", {"min_members": 3, "team_types": ["comprehensive"]}, "TEAM",
                      deadline=date(2027, 12, 31))
    members = [MemberFact(i, "comprehensive", f"队员{i}", f"name:{i}", date(2024, 1, 1), team_id=1) for i in (1, 2)]
    ev = Evidence(members=members)
    assert_changes_first_on([team_floor], ev, date(2026, 6, 1), date(2027, 12, 1))
    assert_changes_first_on([team_floor], ev, date(2027, 12, 10), date(2028, 1, 1))


def test_it_expires_when_a_deadline_passes_for_a_unit_without_a_team():
    team_floor = spec("team_floor", {"min_members": 3}, "TEAM", deadline=date(2027, 12, 31))
    assert until([team_floor], Evidence(), date(2027, 12, 10)) <= date(2028, 1, 1)
    assert stored(evaluate([team_floor], Evidence(), date(2027, 12, 31))) != stored(
        evaluate([team_floor], Evidence(), date(2028, 1, 1)))


# -- records starting or stopping to count ------------------------------------------------
def test_it_expires_on_a_documents_last_valid_day_plus_one():
    docs = [EventFact(1, "emergency_plan", date(2025, 1, 1), valid_until=date(2025, 8, 31))]
    assert_changes_first_on([PLAN], Evidence(documents=docs), date(2025, 6, 1), date(2025, 9, 1))


def test_it_expires_when_a_document_gets_too_old():
    docs = [EventFact(1, "emergency_plan", date(2023, 5, 20))]
    assert_changes_first_on([PLAN], Evidence(documents=docs), date(2025, 3, 1), date(2025, 5, 21))


def test_it_expires_when_a_person_leaves_or_is_appointed():
    leaving = [PersonFact(1, "李四", "emergency_staff", date(2020, 1, 1), left_on=date(2025, 9, 15))]
    assert_changes_first_on([STAFF], Evidence(people=leaving), date(2025, 6, 1), date(2025, 9, 15))
    coming = [PersonFact(1, "王五", "emergency_staff", date(2025, 7, 20))]
    assert_changes_first_on([STAFF], Evidence(people=coming), date(2025, 6, 1), date(2025, 7, 20))


def test_it_expires_when_a_member_joins_or_leaves():
    members = [MemberFact(1, "comprehensive", "甲", "name:甲", date(2024, 1, 1), team_id=1),
               MemberFact(2, "comprehensive", "乙", "name:乙", date(2024, 1, 1), left_on=date(2025, 8, 1), team_id=1)]
    assert_changes_first_on([TEAM], Evidence(members=members), date(2025, 6, 1), date(2025, 8, 1))
    joining = [members[0], MemberFact(3, "comprehensive", "丙", "name:丙", date(2025, 7, 1), team_id=1)]
    assert_changes_first_on([TEAM], Evidence(members=joining), date(2025, 6, 1), date(2025, 7, 1))


def test_it_expires_when_the_persons_membership_elsewhere_ends():
    # 「重复在册」: 甲 counts for team 2 (joined first) until that membership ends on 2025-09-01.
    other = Membership(9, 2, date(2023, 1, 1), left_on=date(2025, 9, 1))
    members = [MemberFact(1, "comprehensive", "甲", "bi:x", date(2024, 1, 1), team_id=1, elsewhere=(other,)),
               MemberFact(2, "comprehensive", "乙", "bi:y", date(2024, 1, 1), team_id=1)]
    assert_changes_first_on([TEAM], Evidence(members=members), date(2025, 6, 1), date(2025, 9, 1))


def test_it_expires_when_a_facility_leaves_or_enters_service():
    phones = [FacilityFact(1, "satellite_phone", 1, date(2024, 1, 1)),
              FacilityFact(2, "satellite_phone", 1, date(2024, 1, 1), in_service_to=date(2025, 10, 1))]
    assert_changes_first_on([PHONE], Evidence(facilities=phones), date(2025, 6, 1), date(2025, 10, 1))
    later = [phones[0], FacilityFact(3, "satellite_phone", 1, date(2025, 7, 7))]
    assert_changes_first_on([PHONE], Evidence(facilities=later), date(2025, 6, 1), date(2025, 7, 7))


def test_it_expires_when_aggregated_facts_say_they_change():
    ev = Evidence(facts_on=date(2025, 6, 1), facility_quantities={"satellite_phone": 2}, next_change=date(2025, 10, 1))
    assert until([PHONE], ev, date(2025, 6, 1)) == date(2025, 10, 1)


def test_it_expires_when_a_relay_leaves_its_window():
    relays = [RelayFact(1, "YJ1", date(2024, 9, 10), 15), RelayFact(2, "YJ2", date(2025, 2, 1), 5)]
    assert_changes_first_on([RELAY], Evidence(relays=relays), date(2025, 3, 1), date(2025, 9, 10))


def test_it_expires_on_the_date_of_a_record_dated_later():
    drills = [EventFact(1, "comprehensive", date(2025, 8, 1))]
    assert_changes_first_on([DRILL], Evidence(drills=drills), date(2025, 6, 1), date(2025, 8, 1))
    people = [PersonFact(1, "张三", "township_cadre", date(2020, 1, 1))]
    trainings = [TrainingFact(1, 1, date(2019, 1, 1)), TrainingFact(2, 1, date(2025, 7, 1))]
    cadre = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 12}, "CADRE",
                 effective_from=date(2020, 1, 1))
    assert_changes_first_on([cadre], Evidence(people=people, trainings=trainings), date(2025, 6, 1),
                            date(2025, 7, 1))


# -- the catalog and the unit -------------------------------------------------------------
def test_it_expires_when_a_later_version_takes_effect():
    docs = [EventFact(1, "emergency_plan", date(2025, 1, 1))]
    assert until([PLAN], Evidence(documents=docs), date(2025, 6, 1), catalog_dates=[date(2025, 7, 4)]) == date(2025, 7, 4)
    assert until([PLAN], Evidence(documents=docs), date(2025, 6, 1)) == date(2027, 1, 2)


def test_it_expires_when_the_unit_starts_being_tracked():
    unit = UnitFacts(code=TOWNSHIP.code, name=TOWNSHIP.name, level="township", tracking_start=date(2025, 5, 1))
    assert_changes_first_on([DRILL], Evidence(), date(2025, 3, 1), date(2025, 5, 1), unit=unit)


def test_it_never_expires_an_evaluation_with_nothing_dated_to_change():
    phones = [FacilityFact(1, "satellite_phone", 2, date(2024, 1, 1))]
    assert until([PHONE], Evidence(facilities=phones), date(2025, 6, 1)) is None


# -- randomised: nothing stored changes before valid_until ---------------------------------
def _random_evidence(rng: random.Random) -> Evidence:
    def day(lo=date(2023, 6, 1), span=900):
        return lo + timedelta(days=rng.randint(0, span))

    people = [PersonFact(i, f"人{i}", rng.choice(["township_cadre", "emergency_staff"]), day(date(2022, 1, 1), 1300),
                         left_on=day() if rng.random() < 0.3 else None) for i in range(rng.randint(0, 4))]
    trainings = [TrainingFact(i, rng.choice(people).id, day()) for i in range(rng.randint(0, 6))] if people else []
    members = [MemberFact(i, "comprehensive", f"队员{i}", f"bi:{i % 3}", day(date(2023, 1, 1), 700),
                          left_on=day() if rng.random() < 0.3 else None, team_id=1 + i % 2,
                          elsewhere=(Membership(100 + i, 3, day(date(2023, 1, 1), 700),
                                                day() if rng.random() < 0.5 else None),) if rng.random() < 0.3 else ())
               for i in range(rng.randint(0, 5))]
    return Evidence(
        people=people, trainings=trainings, members=members,
        drills=[EventFact(i, rng.choice(["comprehensive", "special"]), day()) for i in range(rng.randint(0, 4))],
        meetings=[EventFact(i, "secretary_study", day()) for i in range(rng.randint(0, 8))],
        documents=[EventFact(i, "emergency_plan", day(date(2022, 6, 1), 1200),
                             valid_until=day() if rng.random() < 0.5 else None) for i in range(rng.randint(0, 2))],
        facilities=[FacilityFact(i, "satellite_phone", rng.randint(1, 2), day(date(2023, 1, 1), 800),
                                 in_service_to=day() if rng.random() < 0.4 else None) for i in range(rng.randint(0, 3))],
        relays=[RelayFact(i, f"YJ{i}", day(), rng.choice([5, 9, 10, 12, 30])) for i in range(rng.randint(0, 4))],
    )


def every_task_candidate_until(unit, specs, ev, as_of, catalog_dates=()):
    """valid_until as its contract reads, candidate by candidate: four dates for every task
    (rules._task_dates works them out for each distinct task date only)."""
    evaluation = evaluate(specs, ev, as_of, unit)
    horizon = timedelta(days=rules.Settings().due_soon_days)
    by_code = {s.requirement: s for s in specs}
    applied = [by_code[r.requirement] for r in evaluation.results]
    candidates = [*catalog_dates, *rules._evidence_dates(applied, ev, as_of)]
    for result in evaluation.results:
        periodic = by_code[result.requirement].kind == "periodic_event"
        for t in result.tasks:
            if t.period_end is not None and t.in_window:
                candidates += [t.period_end + timedelta(days=1), rules._after_window(t.period_end, 12)]
            if t.due is not None and t.in_window and not (periodic and t.status == Status.COMPLIANT):
                candidates += [t.due - horizon, t.due + timedelta(days=1)]
    for s in applied:
        candidates.extend(rules._spec_dates(s, unit, as_of, horizon))
    return min((d for d in candidates if d > as_of), default=None)


@pytest.mark.parametrize("seed", range(40))
def test_it_is_the_earliest_of_every_tasks_candidate_dates(seed):
    rng = random.Random(1000 + seed)
    unit = UnitFacts(code=TOWNSHIP.code, name=TOWNSHIP.name, level="township",
                     tracking_start=date(2023, 1, 1) + timedelta(days=rng.randint(0, 700)))
    specs = [DRILL, MEETING, CADRE, COMMITTEE, TEAM, PHONE, STAFF, PLAN, RELAY]
    ev = _random_evidence(rng)
    for _ in range(6):
        as_of = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
        assert until(specs, ev, as_of, unit) == every_task_candidate_until(unit, specs, ev, as_of)


@pytest.mark.parametrize("seed", range(12))
def test_it_never_changes_anything_stored_before_valid_until(seed):
    rng = random.Random(seed)
    tracking = date(2023, 1, 1) + timedelta(days=rng.randint(0, 700))
    unit = UnitFacts(code=TOWNSHIP.code, name=TOWNSHIP.name, level="township", tracking_start=tracking)
    deadline_team = spec("team_floor", {"min_members": 3, "team_types": ["comprehensive"]}, "TEAM2",
                         deadline=date(2025, 3, 31))
    specs = [DRILL, MEETING, CADRE, COMMITTEE, TEAM, deadline_team, PHONE, STAFF, PLAN, RELAY]
    ev = _random_evidence(rng)
    changed_on_valid_until = 0
    for _ in range(4):
        as_of = date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))
        first = stored(evaluate(specs, ev, as_of, unit))
        valid = until(specs, ev, as_of, unit)
        assert valid is None or valid > as_of
        last = min(valid or date(2027, 1, 1), as_of + timedelta(days=200))
        day = as_of + timedelta(days=1)
        while day < last:
            assert stored(evaluate(specs, ev, day, unit)) == first, (as_of, valid, day)
            day += timedelta(days=1)
        if valid is not None and stored(evaluate(specs, ev, valid, unit)) != first:
            changed_on_valid_until += 1
    assert changed_on_valid_until  # the bound is tight somewhere: a later one would fail above
