"""The pure evaluation core: no database, plain dataclasses, explicit dates."""

import json
from datetime import date, timedelta

from apps.compliance import rules
from apps.compliance.results import Source, Status, UnitEvaluation
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
from apps.jurisdictions.codes import Level

TOWNSHIP = UnitFacts(code="140121100000", name="清源镇", level="township", province_code="140000000000")
VILLAGE = UnitFacts(code="140121100201", name="东街村", level="village", province_code="140000000000")


def spec(kind, params, **kw):
    defaults = {"requirement": "R1", "version": 1, "title": "要求", "effective_from": date(2024, 1, 1)}
    return Spec(kind=kind, params=params, **{**defaults, **kw})


DRILL_PARAMS = {"evidence": "drill", "period": "year", "min_count": 1, "match": {"drill_type": ["comprehensive"]}}
DRILL = spec("periodic_event", DRILL_PARAMS)


def run(s, evidence, as_of, unit=TOWNSHIP):
    return rules.evaluate_requirement(s, unit, evidence, as_of)


# -- periodic events ------------------------------------------------------------------
def test_it_keeps_the_current_year_open_until_its_last_day():
    result = run(DRILL, Evidence(), date(2024, 12, 31))
    assert result.status == Status.DUE_SOON
    assert result.due == date(2024, 12, 31)


def test_it_makes_an_unmet_year_overdue_the_day_after():
    result = run(DRILL, Evidence(), date(2025, 1, 1))
    assert result.status == Status.OVERDUE
    assert result.tasks[0].status == Status.OVERDUE and result.tasks[0].due == date(2024, 12, 31)
    assert result.tasks[1].status == Status.PENDING


def test_it_counts_a_drill_on_the_last_day_of_the_period():
    drills = [EventFact(1, "comprehensive", date(2024, 12, 31))]
    result = run(DRILL, Evidence(drills=drills), date(2025, 1, 1))
    assert result.tasks[0].status == Status.COMPLIANT
    assert result.tasks[0].evidence == ["drill:1"]
    assert result.status == Status.PENDING


def test_it_never_lets_a_special_drill_satisfy_a_comprehensive_one():
    drills = [EventFact(1, "special", date(2024, 5, 1))]
    result = run(DRILL, Evidence(drills=drills), date(2025, 1, 1))
    assert result.tasks[0].status == Status.OVERDUE


def test_it_ignores_evidence_dated_after_the_as_of_date():
    drills = [EventFact(1, "comprehensive", date(2024, 6, 2))]
    assert run(DRILL, Evidence(drills=drills), date(2024, 6, 1)).tasks[0].evidence == []


def test_it_keeps_a_missed_period_overdue_after_later_periods_are_met():
    drills = [EventFact(1, "comprehensive", date(2025, 3, 1))]
    result = run(DRILL, Evidence(drills=drills), date(2025, 6, 1))
    assert [t.status for t in result.tasks] == [Status.OVERDUE, Status.COMPLIANT]
    assert result.status == Status.OVERDUE


def test_it_drops_missed_periods_older_than_twelve_months_from_the_status():
    drills = [EventFact(1, "comprehensive", date(2025, 3, 1)), EventFact(2, "comprehensive", date(2026, 3, 1))]
    result = run(DRILL, Evidence(drills=drills), date(2026, 6, 1))
    assert result.tasks[0].status == Status.OVERDUE and not result.tasks[0].in_window
    assert result.status == Status.COMPLIANT


def test_it_starts_tasks_at_the_units_tracking_start():
    unit = UnitFacts(code="1", name="x", level="township", tracking_start=date(2025, 4, 1))
    result = run(DRILL, Evidence(), date(2025, 5, 1), unit=unit)
    assert [t.subject for t in result.tasks] == ["2025年度"]


def test_it_counts_quarterly_meetings_per_quarter():
    s = spec("periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1})
    meetings = [EventFact(1, "work_meeting", date(2024, 3, 31))]
    result = run(s, Evidence(meetings=meetings), date(2024, 4, 1))
    assert [t.status for t in result.tasks] == [Status.COMPLIANT, Status.PENDING]
    assert result.tasks[1].due == date(2024, 6, 30)


# -- training cycles ------------------------------------------------------------------
CADRE_CYCLE = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 24},
                   effective_from=date(2010, 1, 1))
CADRE = PersonFact(1, "张三", "township_cadre", date(2020, 1, 1))


def test_it_keeps_a_training_exactly_24_months_ago_in_time_for_one_more_day():
    evidence = Evidence(people=[CADRE], trainings=[TrainingFact(1, 1, date(2022, 5, 10))])
    assert run(CADRE_CYCLE, evidence, date(2024, 5, 10)).status == Status.DUE_SOON
    assert run(CADRE_CYCLE, evidence, date(2024, 5, 11)).status == Status.OVERDUE


def test_it_reports_people_current_against_the_audience():
    other = PersonFact(2, "李四", "township_cadre", date(2020, 1, 1))
    evidence = Evidence(people=[CADRE, other], trainings=[TrainingFact(1, 1, date(2024, 1, 1))])
    result = run(CADRE_CYCLE, evidence, date(2024, 6, 1))
    assert (result.actual, result.target, result.status) == (1, 2, Status.OVERDUE)


def test_it_gives_new_appointees_the_new_appointee_limit():
    s = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 24, "new_appointee_months": 12})
    person = PersonFact(1, "王五", "township_cadre", date(2024, 3, 1))
    assert run(s, Evidence(people=[person]), date(2025, 3, 1)).status == Status.DUE_SOON
    assert run(s, Evidence(people=[person]), date(2025, 3, 2)).status == Status.OVERDUE


def test_it_returns_no_data_for_an_empty_audience():
    assert run(CADRE_CYCLE, Evidence(), date(2024, 6, 1)).status == Status.NO_DATA


def test_it_leaves_out_people_who_left_before_the_as_of_date():
    gone = PersonFact(1, "赵六", "township_cadre", date(2015, 1, 1), left_on=date(2024, 6, 1))
    assert run(CADRE_CYCLE, Evidence(people=[gone]), date(2024, 6, 1)).status == Status.NO_DATA


def test_it_checks_quarterly_training_per_person():
    s = spec("training_cycle", {"categories": ["info_reporter"], "period": "quarter"})
    person = PersonFact(1, "孙七", "info_reporter", date(2023, 1, 1))
    evidence = Evidence(people=[person], trainings=[TrainingFact(1, 1, date(2024, 2, 1))])
    result = run(s, evidence, date(2024, 7, 1))
    # A person's open training is never "pending": overdue, due soon, or else compliant.
    assert [t.status for t in result.tasks] == [Status.COMPLIANT, Status.OVERDUE, Status.COMPLIANT]


def test_it_checks_first_training_of_new_appointees_only():
    s = spec("training_cycle", {"categories": ["village_staff"], "new_appointee_months": 12,
                                "first_training_only": True})
    old = PersonFact(1, "老人", "village_staff", date(2020, 1, 1))
    new = PersonFact(2, "新人", "village_staff", date(2024, 2, 1))
    evidence = Evidence(people=[old, new], trainings=[TrainingFact(1, 2, date(2025, 1, 15))])
    result = run(s, evidence, date(2025, 6, 1))
    assert result.status == Status.COMPLIANT and result.target == 1


# -- floors ---------------------------------------------------------------------------
TEAM = spec("team_floor", {"min_members": 2, "team_types": ["comprehensive"]})


def member(i, left_on=None, id_number="", team_type="comprehensive", name=None):
    return MemberFact(i, team_type, name or f"队员{i}", id_number, date(2024, 1, 1), left_on)


def test_it_stops_counting_a_member_on_the_day_they_leave():
    evidence = Evidence(members=[member(1), member(2, left_on=date(2024, 6, 1))])
    assert run(TEAM, evidence, date(2024, 5, 31)).status == Status.COMPLIANT
    result = run(TEAM, evidence, date(2024, 6, 1))
    assert (result.status, result.actual) == (Status.NON_COMPLIANT, 1)


def test_it_counts_a_person_in_two_teams_once_by_id_number():
    evidence = Evidence(members=[member(1, id_number="X1"), member(2, id_number="X1", name="同一人")])
    assert run(TEAM, evidence, date(2024, 6, 1)).actual == 1


def test_it_ignores_teams_of_other_types():
    evidence = Evidence(members=[member(1), member(2, team_type="social")])
    assert run(TEAM, evidence, date(2024, 6, 1)).actual == 1


def test_it_treats_a_shortfall_before_a_deadline_as_pending_then_overdue():
    s = spec("team_floor", {"min_members": 2, "team_types": ["comprehensive"]}, deadline=date(2025, 12, 31))
    evidence = Evidence(members=[member(1)])
    assert run(s, evidence, date(2025, 6, 1)).status == Status.PENDING
    assert run(s, evidence, date(2025, 12, 31)).status == Status.DUE_SOON
    result = run(s, evidence, date(2026, 1, 1))
    assert (result.status, result.due) == (Status.OVERDUE, date(2025, 12, 31))


def test_it_sums_quantities_of_facilities_in_service():
    s = spec("facility_count", {"min_count": 3, "facility_types": ["satellite_phone", "satellite_terminal"]})
    facilities = [
        FacilityFact(1, "satellite_phone", 2, date(2024, 1, 1)),
        FacilityFact(2, "satellite_terminal", 1, date(2024, 1, 1), in_service_to=date(2024, 6, 1)),
        FacilityFact(3, "shelter", 5, date(2024, 1, 1)),
    ]
    assert run(s, Evidence(facilities=facilities), date(2024, 5, 31)).status == Status.COMPLIANT
    assert run(s, Evidence(facilities=facilities), date(2024, 6, 1)).actual == 2


def test_it_counts_staff_in_post():
    s = spec("staffing", {"categories": ["emergency_staff"], "min_count": 1})
    person = PersonFact(1, "钱八", "emergency_staff", date(2024, 1, 1))
    assert run(s, Evidence(people=[person]), date(2024, 1, 1)).status == Status.COMPLIANT
    assert run(s, Evidence(people=[person]), date(2023, 12, 31)).status == Status.NON_COMPLIANT


def test_it_requires_a_current_standing_document():
    s = spec("standing_document", {"doc_types": ["emergency_plan"], "max_age_months": 36})
    docs = [EventFact(1, "emergency_plan", date(2021, 6, 1))]
    assert run(s, Evidence(documents=docs), date(2024, 6, 1)).status == Status.COMPLIANT
    assert run(s, Evidence(documents=docs), date(2024, 6, 2)).status == Status.NON_COMPLIANT
    expired = [EventFact(1, "emergency_plan", date(2024, 1, 1), valid_until=date(2024, 3, 1))]
    assert run(s, Evidence(documents=expired), date(2024, 3, 2)).status == Status.NON_COMPLIANT


# -- response time --------------------------------------------------------------------
RELAY = spec("response_time", {"max_minutes": 10, "window_months": 12})


def test_it_flags_any_relay_over_the_limit():
    relays = [RelayFact(1, "W1", date(2024, 5, 1), 8), RelayFact(2, "W2", date(2024, 5, 2), 12)]
    result = run(RELAY, Evidence(relays=relays), date(2024, 6, 1))
    assert (result.status, result.actual, result.target) == (Status.NON_COMPLIANT, 12, 10)


def test_it_forgets_relays_older_than_the_window():
    relays = [RelayFact(1, "W1", date(2023, 6, 1), 30), RelayFact(2, "W2", date(2024, 5, 2), 5)]
    assert run(RELAY, Evidence(relays=relays), date(2024, 6, 1)).status == Status.COMPLIANT


def test_it_returns_no_data_without_relays():
    assert run(RELAY, Evidence(), date(2024, 6, 1)).status == Status.NO_DATA


# -- versions, applicability and scoring -------------------------------------------------
def test_it_uses_the_version_in_force_on_each_date():
    v1 = spec("team_floor", {"min_members": 1}, effective_from=date(2024, 1, 1))
    v2 = spec("team_floor", {"min_members": 3}, effective_from=date(2025, 1, 1), version=2)
    evidence = Evidence(members=[member(1), member(2)])

    def in_force(as_of):
        return max((v for v in (v1, v2) if v.effective_from <= as_of), key=lambda v: v.effective_from)

    assert run(in_force(date(2024, 12, 31)), evidence, date(2024, 12, 31)).status == Status.COMPLIANT
    result = run(in_force(date(2025, 1, 1)), evidence, date(2025, 1, 1))
    assert (result.status, result.version, result.target) == (Status.NON_COMPLIANT, 2, 3)


def test_it_applies_versions_by_level_province_and_flags():
    shanxi = spec("staffing", {}, scope_province_code="140000000000", levels=("village",))
    flagged = spec("staffing", {}, flags_any=("high_natural_risk",), levels=("village",))
    risky = UnitFacts("140121100202", "西街村", "village", "140000000000", flags=("high_natural_risk",))
    assert rules.applies(shanxi, VILLAGE, date(2024, 6, 1))
    assert not rules.applies(shanxi, TOWNSHIP, date(2024, 6, 1))
    assert not rules.applies(flagged, VILLAGE, date(2024, 6, 1)) and rules.applies(flagged, risky, date(2024, 6, 1))
    assert not rules.applies(shanxi, VILLAGE, date(2023, 12, 31))


def test_it_scales_weights_to_100_and_deducts_bad_standing():
    met = spec("staffing", {"categories": ["emergency_staff"]}, requirement="A", weight=30)
    unmet = spec("staffing", {"categories": ["info_reporter"]}, requirement="B", weight=10)
    advisory = spec("staffing", {"categories": ["info_reporter"]}, requirement="C", weight=50, binding=False)
    evidence = Evidence(people=[PersonFact(1, "钱八", "emergency_staff", date(2024, 1, 1))])
    evaluation = rules.evaluate_unit(TOWNSHIP, [met, unmet, advisory], evidence, date(2024, 6, 1))
    by_code = {r.requirement: r for r in evaluation.results}
    assert evaluation.score == 75.0 and evaluation.grade == "合格"
    assert (by_code["B"].weight, by_code["B"].deducted) == (25.0, 25.0)
    assert by_code["C"].advisory and by_code["C"].deducted == 0
    assert evaluation.counts == {Status.COMPLIANT: 1, Status.NON_COMPLIANT: 2}


def test_it_has_no_score_when_nothing_binding_applies():
    evaluation = rules.evaluate_unit(TOWNSHIP, [], Evidence(), date(2024, 6, 1))
    assert evaluation.score is None and evaluation.grade == ""


def test_it_round_trips_an_evaluation_through_json():
    evaluation = rules.evaluate_unit(TOWNSHIP, [DRILL], Evidence(), date(2025, 1, 1))
    data = evaluation.to_dict()
    assert data["results"][0]["due"] == "2024-12-31"
    assert type(evaluation).from_dict(data) == evaluation


def test_it_clamps_month_arithmetic_to_the_month_end():
    assert rules.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert rules.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


# -- more boundaries ------------------------------------------------------------------
def test_it_calls_a_task_due_soon_30_days_ahead_and_pending_31_days_ahead():
    assert run(DRILL, Evidence(), date(2024, 12, 1)).status == Status.DUE_SOON
    assert run(DRILL, Evidence(), date(2024, 11, 30)).status == Status.PENDING


def test_it_follows_the_due_soon_horizon_setting():
    cfg = rules.Settings(due_soon_days=60)
    assert rules.evaluate_requirement(DRILL, TOWNSHIP, Evidence(), date(2024, 11, 1), cfg).status == Status.DUE_SOON


def test_it_counts_a_drill_on_the_first_day_of_a_period_for_that_period_only():
    drills = [EventFact(1, "comprehensive", date(2025, 1, 1))]
    result = run(DRILL, Evidence(drills=drills), date(2025, 1, 1))
    assert [t.status for t in result.tasks] == [Status.OVERDUE, Status.COMPLIANT]


def test_it_lets_a_special_drill_satisfy_a_special_drill_requirement():
    special = spec("periodic_event", {"evidence": "drill", "period": "year", "match": {"drill_type": ["special"]}})
    drills = [EventFact(1, "special", date(2024, 5, 1))]
    assert run(special, Evidence(drills=drills), date(2025, 1, 1)).tasks[0].status == Status.COMPLIANT


def test_it_keeps_a_period_that_ended_exactly_twelve_months_before_in_the_status():
    # 2024 ended on 2024-12-31: still counted on 2025-12-31 (no year-end cliff), dropped from 2026-01-01 on.
    drills = [EventFact(1, "comprehensive", date(2025, 6, 1))]
    assert run(DRILL, Evidence(drills=drills), date(2025, 12, 31)).status == Status.OVERDUE
    result = run(DRILL, Evidence(drills=drills), date(2026, 1, 1))
    assert result.status == Status.PENDING and not result.tasks[0].in_window


def test_it_starts_tasks_at_a_later_effective_date():
    late = spec("periodic_event", DRILL_PARAMS, effective_from=date(2025, 7, 1))
    result = run(late, Evidence(), date(2026, 1, 1), unit=UnitFacts("1", "x", "township"))
    assert [t.subject for t in result.tasks] == ["2025年度", "2026年度"]


def test_it_counts_a_person_appointed_on_the_as_of_date_and_a_training_held_that_day():
    person = PersonFact(1, "周九", "township_cadre", date(2024, 6, 1))
    result = run(CADRE_CYCLE, Evidence(people=[person]), date(2024, 6, 1))
    assert (result.status, result.target, result.tasks[0].due) == (Status.COMPLIANT, 1, date(2026, 6, 1))
    old = PersonFact(2, "吴十", "township_cadre", date(2020, 1, 1))
    evidence = Evidence(people=[old], trainings=[TrainingFact(1, 2, date(2024, 6, 1))])
    assert run(CADRE_CYCLE, evidence, date(2024, 6, 1)).status == Status.COMPLIANT


def test_it_ignores_training_before_the_appointment():
    person = PersonFact(1, "郑一", "township_cadre", date(2023, 1, 1))
    evidence = Evidence(people=[person], trainings=[TrainingFact(1, 1, date(2022, 12, 1))])
    result = run(CADRE_CYCLE, evidence, date(2025, 1, 2))
    assert result.status == Status.OVERDUE and result.tasks[0].due == date(2025, 1, 1)


def test_it_keeps_an_untrained_person_overdue_however_old():
    person = PersonFact(1, "冯二", "township_cadre", date(2010, 1, 1))
    result = run(CADRE_CYCLE, Evidence(people=[person]), date(2024, 6, 1))
    assert (result.status, result.due, result.actual) == (Status.OVERDUE, date(2012, 1, 1), 0)


def test_it_marks_a_floor_met_before_its_deadline_compliant():
    s = spec("team_floor", {"min_members": 2, "team_types": ["comprehensive"]}, deadline=date(2025, 12, 31))
    assert run(s, Evidence(members=[member(1), member(2)]), date(2026, 1, 1)).status == Status.COMPLIANT


def test_it_dates_an_unmet_floor_without_deadline_from_the_start_of_the_obligation():
    unit = UnitFacts("1", "x", "township", tracking_start=date(2025, 1, 1))
    result = run(TEAM, Evidence(members=[member(1)]), date(2025, 3, 1), unit=unit)
    assert (result.status, result.due, result.actual, result.target) == (Status.NON_COMPLIANT, date(2025, 1, 1), 1, 2)


def test_it_accepts_a_relay_exactly_at_the_limit():
    relays = [RelayFact(1, "W1", date(2024, 5, 1), 10)]
    result = run(RELAY, Evidence(relays=relays), date(2024, 6, 1))
    assert (result.status, result.actual) == (Status.COMPLIANT, 10)


def test_it_drops_a_relay_received_exactly_twelve_months_before():
    relays = [RelayFact(1, "W1", date(2023, 6, 1), 30)]
    assert run(RELAY, Evidence(relays=relays), date(2024, 6, 1)).status == Status.NO_DATA
    assert run(RELAY, Evidence(relays=relays), date(2024, 5, 31)).status == Status.NON_COMPLIANT


def test_it_changes_a_periodic_verdict_when_a_new_version_takes_effect():
    v1 = spec("periodic_event", {**DRILL_PARAMS, "min_count": 1})
    v2 = spec("periodic_event", {**DRILL_PARAMS, "min_count": 2}, version=2, effective_from=date(2025, 1, 1))
    drills = Evidence(drills=[EventFact(1, "comprehensive", date(2024, 3, 1)),
                              EventFact(2, "comprehensive", date(2025, 3, 1))])
    # 2024-12-31 (v1 in force): one drill a year is enough.
    assert run(v1, drills, date(2024, 12, 31)).status == Status.COMPLIANT
    # 2025-06-01 (v2 in force): two are needed; its tasks start at its effective date.
    result = run(v2, drills, date(2025, 6, 1))
    assert (result.status, result.version, result.actual, result.target) == (Status.PENDING, 2, 1, 2)
    assert [t.subject for t in result.tasks] == ["2025年度"]
    after = run(v2, drills, date(2026, 1, 1))
    assert (after.status, after.tasks[0].status) == (Status.OVERDUE, Status.OVERDUE)


def test_it_orders_statuses_worst_first():
    assert Status.worst([Status.COMPLIANT, Status.NO_DATA, Status.PENDING]) == Status.PENDING
    assert Status.worst([Status.DUE_SOON, Status.NON_COMPLIANT]) == Status.NON_COMPLIANT
    assert Status.worst([Status.NON_COMPLIANT, Status.OVERDUE]) == Status.OVERDUE
    assert Status.worst([Status.NO_DATA, Status.COMPLIANT]) == Status.NO_DATA


def test_it_stores_and_writes_statuses_and_levels_as_their_plain_values():
    # Status and Level are StrEnums: the snapshots, the API and the seals' fingerprints must keep
    # the plain strings they had as constants (stored data and JSON byte-identical).
    assert [s.value for s in Status] == ["compliant", "pending", "due_soon", "overdue", "non_compliant", "no_data"]
    assert [lv.value for lv in Level] == Level.ORDER == ["province", "city", "county", "township", "village"]
    assert json.dumps({Status.OVERDUE: [Status.NO_DATA, Level.COUNTY]}) == '{"overdue": ["no_data", "county"]}'
    evaluation = UnitEvaluation(unit="140121100000", unit_name="清源镇", level=Level.TOWNSHIP, as_of=date(2026, 6, 30),
                                score=None, grade="", results=[])
    assert {type(v) for v in evaluation.to_dict().values() if isinstance(v, str)} == {str}


def test_it_grades_on_the_band_edges():
    assert [rules.grade_for(s) for s in (90, 89.9, 60, 59.9)] == ["优秀", "合格", "合格", "不合格"]


# ======================================================================================
# Scoring semantics v2 (issue 11). Each test states one rule at its boundary.
# ======================================================================================
TIANJIN = "120000000000"
TJ_START = date(2025, 12, 10)
CN_START = date(2024, 9, 21)


def village_catalog():
    """A village's binding obligations, shaped like the catalog's (weights before scaling)."""
    return [
        spec("periodic_event", DRILL_PARAMS, requirement="DRILL", weight=15, effective_from=CN_START),
        spec("periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1,
                                "match": {"meeting_type": ["secretary_study"]}},
             requirement="STUDY", weight=8, effective_from=CN_START),
        spec("standing_document", {"doc_types": ["emergency_plan"]}, requirement="PLAN", weight=8,
             effective_from=CN_START),
        spec("team_floor", {"min_members": 10, "team_types": ["comprehensive"]}, requirement="TEAM", weight=15,
             effective_from=CN_START, deadline=date(2027, 12, 31)),
        spec("training_cycle", {"categories": ["village_committee"], "period": "quarter"}, requirement="TRAIN",
             weight=8, effective_from=CN_START),
        spec("response_time", {"max_minutes": 10, "window_months": 12}, requirement="RELAY", weight=8,
             effective_from=CN_START),
    ]


# -- 1. no year-end cliff ---------------------------------------------------------------
def test_it_never_raises_the_score_of_a_unit_without_evidence_from_day_to_day_across_new_year():
    unit = UnitFacts("140121100201", "东街村", "village", "140000000000")
    day, scores = date(2025, 12, 25), []
    while day <= date(2026, 1, 5):
        scores.append(rules.evaluate_unit(unit, village_catalog(), Evidence(), day).score)
        day += timedelta(days=1)
    assert all(later <= earlier for earlier, later in zip(scores, scores[1:], strict=False)), scores


def test_it_keeps_last_years_missed_drill_in_the_status_on_31_december():
    result = run(DRILL, Evidence(), date(2025, 12, 31))
    assert [(t.subject, t.status, t.in_window) for t in result.tasks] == [
        ("2024年度", Status.OVERDUE, True), ("2025年度", Status.DUE_SOON, True)]
    assert result.status == Status.OVERDUE


# -- 2. short first periods are not owed ---------------------------------------------------
def test_it_owes_nothing_for_a_quarter_in_force_for_less_than_half_its_days():
    study = spec("periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1},
                 effective_from=TJ_START)
    result = run(study, Evidence(), date(2026, 1, 15))
    assert [t.subject for t in result.tasks] == ["2026年第1季度"]
    assert result.status == Status.PENDING


def test_it_first_owes_a_yearly_drill_in_force_from_21_september_for_the_next_year():
    result = run(spec("periodic_event", DRILL_PARAMS, effective_from=CN_START), Evidence(), date(2025, 3, 1))
    assert [t.subject for t in result.tasks] == ["2025年度"]
    assert result.status == Status.PENDING


def test_it_owes_the_year_for_a_unit_tracked_from_1_march():
    unit = UnitFacts("1", "x", "township", tracking_start=date(2025, 3, 1))
    result = run(spec("periodic_event", DRILL_PARAMS, effective_from=CN_START), Evidence(), date(2026, 1, 2), unit)
    assert [(t.subject, t.status) for t in result.tasks] == [("2025年度", Status.OVERDUE), ("2026年度", Status.PENDING)]


def test_it_owes_nothing_for_a_quarter_from_a_member_appointed_on_30_march():
    s = spec("training_cycle", {"categories": ["village_committee"], "period": "quarter"})
    person = PersonFact(1, "新委员", "village_committee", date(2025, 3, 30))
    result = run(s, Evidence(people=[person]), date(2025, 4, 2), unit=VILLAGE)
    assert [t.subject for t in result.tasks] == ["新委员"] and result.tasks[0].period_start == date(2025, 4, 1)
    assert result.status == Status.COMPLIANT


# -- 3. rolling cycles start when the obligation starts -------------------------------------
TJ_CADRE = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 24, "new_appointee_months": 12},
                effective_from=TJ_START, scope_province_code=TIANJIN)


def test_it_gives_a_long_serving_untrained_cadre_a_full_cycle_from_the_obligation_start():
    person = PersonFact(1, "老干部", "township_cadre", date(2020, 5, 1))
    result = run(TJ_CADRE, Evidence(people=[person]), date(2026, 6, 1))
    assert (result.status, result.tasks[-1].due) == (Status.COMPLIANT, date(2027, 12, 10))


def test_it_gives_a_cadre_trained_before_the_obligation_the_same_full_cycle():
    person = PersonFact(1, "老干部", "township_cadre", date(2020, 5, 1))
    evidence = Evidence(people=[person], trainings=[TrainingFact(1, 1, date(2024, 3, 1))])
    assert run(TJ_CADRE, evidence, date(2026, 6, 1)).tasks[-1].due == date(2027, 12, 10)


def test_it_gives_a_cadre_appointed_after_the_obligation_start_the_new_appointee_limit():
    person = PersonFact(1, "新干部", "township_cadre", date(2026, 2, 1))
    result = run(TJ_CADRE, Evidence(people=[person]), date(2027, 2, 2))
    assert (result.status, result.tasks[-1].due) == (Status.OVERDUE, date(2027, 2, 1))


# -- 4. one requirement per sentence: the new-appointee limit and late first trainings -------
def test_it_never_calls_a_persons_training_pending():
    person = PersonFact(1, "新干部", "township_cadre", date(2026, 2, 1))
    assert run(TJ_CADRE, Evidence(people=[person]), date(2026, 6, 1)).status == Status.COMPLIANT


def test_it_clears_a_person_trained_late_and_keeps_the_late_completion_in_the_history():
    person = PersonFact(1, "新干部", "township_cadre", date(2026, 2, 1))
    evidence = Evidence(people=[person], trainings=[TrainingFact(1, 1, date(2027, 4, 1))])
    result = run(TJ_CADRE, evidence, date(2027, 5, 1))
    assert result.status == Status.COMPLIANT
    late = [t for t in result.tasks if not t.in_window]
    assert [(t.status, t.due, t.period_end) for t in late] == [(Status.OVERDUE, date(2027, 2, 1), date(2027, 4, 1))]
    assert "逾期" in late[0].missing


def test_it_clears_a_late_first_training_under_the_retired_first_training_form_too():
    s = spec("training_cycle", {"categories": ["township_cadre"], "new_appointee_months": 12,
                                "first_training_only": True})
    person = PersonFact(1, "新干部", "township_cadre", date(2024, 2, 1))
    evidence = Evidence(people=[person], trainings=[TrainingFact(1, 1, date(2025, 4, 1))])
    assert run(s, evidence, date(2025, 5, 1)).status == Status.COMPLIANT


# -- 5. people who leave do not take their misses with them -------------------------------
def test_it_keeps_the_missed_quarters_of_a_member_who_has_left():
    s = spec("training_cycle", {"categories": ["village_committee"], "period": "quarter"})
    gone = PersonFact(1, "离任委员", "village_committee", date(2024, 1, 1), left_on=date(2025, 7, 1))
    before = run(s, Evidence(people=[gone]), date(2025, 6, 1), unit=VILLAGE)
    after = run(s, Evidence(people=[gone]), date(2025, 8, 1), unit=VILLAGE)
    assert before.status == after.status == Status.OVERDUE
    assert [t.subject for t in after.tasks if t.period_start == date(2025, 4, 1)] == ["离任委员"]
    assert not [t for t in after.tasks if t.period_start == date(2025, 7, 1)]


def test_it_never_improves_a_past_status_when_a_departure_is_recorded():
    s = spec("training_cycle", {"categories": ["village_committee"], "period": "quarter"})
    stays = PersonFact(1, "委员", "village_committee", date(2024, 1, 1))
    leaves = PersonFact(1, "委员", "village_committee", date(2024, 1, 1), left_on=date(2025, 9, 1))
    for day in (date(2025, 3, 1), date(2025, 9, 1), date(2025, 12, 1)):
        assert run(s, Evidence(people=[leaves]), day, unit=VILLAGE).status == \
            run(s, Evidence(people=[stays]), day, unit=VILLAGE).status


# -- 6. not recording is not rewarded ------------------------------------------------------
def test_it_deducts_full_points_for_an_audience_that_must_exist_and_has_none_recorded():
    train = spec("training_cycle", {"categories": ["village_committee"], "period": "quarter"}, requirement="T",
                 weight=10)
    plan = spec("standing_document", {"doc_types": ["emergency_plan"]}, requirement="P", weight=10)
    evidence = Evidence(documents=[EventFact(1, "emergency_plan", date(2024, 2, 1))])
    evaluation = rules.evaluate_unit(VILLAGE, [train, plan], evidence, date(2024, 6, 1))
    result = evaluation.results[1]
    assert (result.requirement, result.status, result.deducted, result.deducts_no_data) == ("T", Status.NO_DATA,
                                                                                            50.0, True)
    assert result.missing.startswith("无数据（扣分）")
    assert evaluation.score == 50.0


def test_it_deducts_for_a_missing_team_once_its_floor_is_due():
    s = spec("team_floor", {"min_members": 30, "team_types": ["comprehensive"]}, requirement="T", weight=10,
             deadline=date(2027, 12, 31))
    assert rules.evaluate_unit(TOWNSHIP, [s], Evidence(), date(2027, 12, 31)).score == 100.0
    evaluation = rules.evaluate_unit(TOWNSHIP, [s], Evidence(), date(2028, 1, 1))
    assert (evaluation.results[0].status, evaluation.score) == (Status.NO_DATA, 0.0)


def test_it_deducts_nothing_when_no_warning_was_relayed():
    relay = spec("response_time", {"max_minutes": 10, "window_months": 12}, requirement="W", weight=10)
    evaluation = rules.evaluate_unit(TOWNSHIP, [relay], Evidence(), date(2024, 6, 1))
    assert (evaluation.results[0].status, evaluation.results[0].deducts_no_data, evaluation.score) == (
        Status.NO_DATA, False, 100.0)


# -- 7. deductions in proportion to the shortfall -------------------------------------------
def test_it_deducts_a_floor_in_proportion_to_the_shortfall():
    s = spec("team_floor", {"min_members": 4, "team_types": ["comprehensive"]}, weight=20)
    members = [member(i, id_number=f"ID{i}") for i in (1, 2, 3)]
    evaluation = rules.evaluate_unit(TOWNSHIP, [s], Evidence(members=members), date(2024, 6, 1))
    assert (evaluation.results[0].status, evaluation.results[0].deducted, evaluation.score) == (
        Status.NON_COMPLIANT, 25.0, 75.0)


def test_it_deducts_a_cycle_by_the_share_of_people_overdue():
    s = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 24},
             effective_from=date(2010, 1, 1))
    people = [PersonFact(i, f"干部{i}", "township_cadre", date(2020, 1, 1)) for i in (1, 2, 3, 4)]
    trainings = [TrainingFact(i, i, date(2024, 1, 1)) for i in (1, 2, 3)]
    evaluation = rules.evaluate_unit(TOWNSHIP, [s], Evidence(people=people, trainings=trainings), date(2024, 6, 1))
    assert (evaluation.results[0].actual, evaluation.results[0].target, evaluation.score) == (3, 4, 75.0)


def test_it_deducts_a_periodic_requirement_by_the_share_of_owed_periods_missed():
    s = spec("periodic_event", {"evidence": "meeting", "period": "quarter", "min_count": 1})
    meetings = [EventFact(i, "work_meeting", d) for i, d in enumerate(
        [date(2024, 8, 1), date(2024, 11, 1), date(2025, 2, 1)])]
    evaluation = rules.evaluate_unit(TOWNSHIP, [s], Evidence(meetings=meetings), date(2025, 7, 1))
    # Ended quarters in the window: 2024Q3, 2024Q4, 2025Q1, 2025Q2; 2025Q2 missed.
    assert (evaluation.results[0].status, evaluation.score) == (Status.OVERDUE, 75.0)


def test_it_deducts_relays_by_the_share_over_the_limit():
    relays = [RelayFact(i, f"W{i}", date(2024, 5, i), m) for i, m in enumerate([5, 8, 9, 15], start=1)]
    s = spec("response_time", {"max_minutes": 10, "window_months": 12}, weight=8)
    evaluation = rules.evaluate_unit(TOWNSHIP, [s], Evidence(relays=relays), date(2024, 6, 1))
    assert (evaluation.results[0].status, evaluation.results[0].deducted, evaluation.score) == (
        Status.NON_COMPLIANT, 25.0, 75.0)


# -- 8. team floors count one team -----------------------------------------------------------
def test_it_counts_the_largest_team_not_the_sum_of_teams():
    s = spec("team_floor", {"min_members": 3, "team_types": ["comprehensive", "professional"]})
    members = [MemberFact(i, "comprehensive", f"甲{i}", f"A{i}", date(2024, 1, 1), team_id=1) for i in (1, 2)] + [
        MemberFact(10 + i, "professional", f"乙{i}", f"B{i}", date(2024, 1, 1), team_id=2) for i in (1, 2)]
    result = run(s, Evidence(members=members), date(2024, 6, 1))
    assert (result.status, result.actual) == (Status.NON_COMPLIANT, 2)


def test_it_counts_distinct_active_members_of_one_team_by_id_number():
    s = spec("team_floor", {"min_members": 2, "team_types": ["comprehensive"]})
    members = [MemberFact(1, "comprehensive", "张三", "A1", date(2024, 1, 1), team_id=1),
               MemberFact(2, "comprehensive", "张三(重复)", "A1", date(2024, 2, 1), team_id=1)]
    assert run(s, Evidence(members=members), date(2024, 6, 1)).actual == 1


# -- 8b. 「重复在册」: one person counts towards at most one team ----------------------------------
def _two_teams(joined_a=date(2024, 1, 1), joined_b=date(2024, 3, 1), left_a=None, team_a=1, team_b=2):
    """Team A (a township's) and team B (another township's), two members each; 张三 (key bi:Z) is
    on both, the other member of each team is someone else. Returns (A's facts, B's facts)."""
    on_a = Membership(1, team_a, joined_a, left_a)
    on_b = Membership(2, team_b, joined_b)
    a = [MemberFact(1, "comprehensive", "张三", "bi:Z", joined_a, left_a, team_id=team_a, elsewhere=(on_b,)),
         MemberFact(3, "comprehensive", "李四", "bi:L", date(2024, 1, 1), team_id=team_a)]
    b = [MemberFact(2, "comprehensive", "张三", "bi:Z", joined_b, team_id=team_b, elsewhere=(on_a,)),
         MemberFact(4, "comprehensive", "王五", "bi:W", date(2024, 1, 1), team_id=team_b)]
    return a, b


def test_it_counts_a_person_on_two_teams_only_for_the_team_joined_first():
    a, b = _two_teams()
    first = run(TEAM, Evidence(members=a), date(2024, 6, 1))
    second = run(TEAM, Evidence(members=b), date(2024, 6, 1))
    assert (first.status, first.actual) == (Status.COMPLIANT, 2)
    assert (second.status, second.actual) == (Status.NON_COMPLIANT, 1)  # the second team's floor is not met


def test_it_breaks_a_tie_on_the_joining_date_by_the_smaller_team_id():
    a, b = _two_teams(joined_a=date(2024, 3, 1), joined_b=date(2024, 3, 1), team_a=7, team_b=5)
    assert run(TEAM, Evidence(members=a), date(2024, 6, 1)).actual == 1
    assert run(TEAM, Evidence(members=b), date(2024, 6, 1)).actual == 2


def test_it_counts_the_person_for_the_other_team_from_the_day_they_leave_the_first():
    a, b = _two_teams(left_a=date(2024, 6, 1))
    assert run(TEAM, Evidence(members=b), date(2024, 5, 31)).actual == 1
    assert run(TEAM, Evidence(members=b), date(2024, 6, 1)).actual == 2  # leaving day: gone from A
    assert run(TEAM, Evidence(members=a), date(2024, 6, 1)).actual == 1


def test_it_lets_the_later_team_count_the_person_before_the_earlier_membership_began():
    # B's membership is the only active one until A's joining date comes.
    a, b = _two_teams(joined_a=date(2024, 5, 1), joined_b=date(2024, 2, 1))
    assert run(TEAM, Evidence(members=b), date(2024, 3, 1)).actual == 2
    assert run(TEAM, Evidence(members=a), date(2024, 3, 1)).actual == 1  # 张三 not yet in A
    # From 1 May both are active and B's (joined 1 February) is the earlier: it keeps counting.
    assert run(TEAM, Evidence(members=a), date(2024, 6, 1)).actual == 1


def test_it_picks_one_membership_by_joining_date_then_team_id():
    memberships = [Membership(9, 3, date(2024, 2, 1)), Membership(8, 2, date(2024, 2, 1)),
                   Membership(7, 1, date(2024, 1, 1), left_on=date(2024, 2, 1))]
    assert rules.counting_membership(memberships, date(2024, 1, 31)).member_id == 7
    assert rules.counting_membership(memberships, date(2024, 2, 1)).member_id == 8  # 7 left that day
    assert rules.counting_membership(memberships, date(2023, 12, 31)) is None


# -- 9. publicity campaigns are named ---------------------------------------------------------
PUBLICITY = spec("periodic_event", {"evidence": "document", "period": "year", "min_count": 3,
                                    "match": {"doc_type": ["publicity"]},
                                    "campaigns": ["disaster_reduction_day", "safety_month", "fire_month"]})


def test_it_does_not_pass_three_records_of_one_campaign():
    docs = [EventFact(i, "publicity", date(2024, 5, i), tag="safety_month") for i in (1, 2, 3)]
    result = run(PUBLICITY, Evidence(documents=docs), date(2025, 1, 1))
    assert result.tasks[0].status == Status.OVERDUE
    assert "全国防灾减灾日" in result.tasks[0].missing and "消防宣传月" in result.tasks[0].missing


def test_it_passes_one_record_of_each_named_campaign():
    docs = [EventFact(i, "publicity", date(2024, 5, i), tag=c)
            for i, c in enumerate(["disaster_reduction_day", "safety_month", "fire_month"], start=1)]
    assert run(PUBLICITY, Evidence(documents=docs), date(2025, 1, 1)).tasks[0].status == Status.COMPLIANT


# -- Tianjin (十): a drill counts only with its evaluation recorded ---------------------------------
def test_it_counts_a_drill_without_an_evaluation_only_where_none_is_required():
    evaluated = spec("periodic_event", {**DRILL_PARAMS, "require_evaluation": True})
    bare = Evidence(drills=[EventFact(1, "comprehensive", date(2024, 5, 1))])
    assessed = Evidence(drills=[EventFact(1, "comprehensive", date(2024, 5, 1), evaluated=True)])
    assert run(DRILL, bare, date(2025, 1, 1)).tasks[0].status == Status.COMPLIANT
    assert run(evaluated, bare, date(2025, 1, 1)).tasks[0].status == Status.OVERDUE
    assert run(evaluated, assessed, date(2025, 1, 1)).tasks[0].status == Status.COMPLIANT


# -- 10. sources shown are the unit's own, each clause once --------------------------------------
def test_it_cites_only_central_and_own_province_documents_each_clause_once():
    sources = (Source("中办国办意见", "(十三)", "甲", ""), Source("天津实施意见", "(十)", "乙", TIANJIN),
               Source("山西措施", "八", "丙", "140000000000"), Source("山西措施", "八", "丁", "140000000000"))
    result = run(spec("standing_document", {"doc_types": ["emergency_plan"]}, sources=sources), Evidence(),
                 date(2024, 6, 1))
    assert [(s.document, s.clause, s.quote) for s in result.sources] == [
        ("中办国办意见", "(十三)", "甲"), ("山西措施", "八", "丙……丁")]


# -- supersedes: no double deduction for one fact ---------------------------------------------
def test_it_scores_the_superseding_requirement_only_and_lists_the_superseded_one():
    central = spec("standing_document", {"doc_types": ["duty_roster"]}, requirement="CN-DUTY-ROSTER", weight=6)
    local = spec("standing_document", {"doc_types": ["duty_roster"]}, requirement="TJ-DUTY-24H", weight=5,
                 scope_province_code=TIANJIN, supersedes=("CN-DUTY-ROSTER",))
    tianjin = UnitFacts("120118100000", "静海镇", "township", TIANJIN)
    evaluation = rules.evaluate_unit(tianjin, [central, local], Evidence(), date(2026, 1, 1))
    assert [r.requirement for r in evaluation.results] == ["TJ-DUTY-24H"]
    assert evaluation.superseded == [{"requirement": "CN-DUTY-ROSTER", "title": "要求", "by": "TJ-DUTY-24H",
                                      "by_title": "要求"}]
    elsewhere = rules.evaluate_unit(TOWNSHIP, [central, local], Evidence(), date(2026, 1, 1))
    assert [r.requirement for r in elsewhere.results] == ["CN-DUTY-ROSTER"] and elsewhere.superseded == []


# -- applicability: one rule, with 社区 told from 村 by the code ---------------------------------
def test_it_applies_a_community_only_requirement_by_the_village_code_or_the_flag():
    community_only = spec("staffing", {}, levels=("village",), flags_any=("community",))
    residents = UnitFacts("110116100001", "某社区", "village", "110000000000")
    villagers = UnitFacts("110116100201", "某村", "village", "110000000000")
    overridden = UnitFacts("110116100202", "某村改社区", "village", "110000000000", flags=("community",))
    assert rules.applies(community_only, residents, date(2026, 1, 1))
    assert not rules.applies(community_only, villagers, date(2026, 1, 1))
    assert rules.applies(community_only, overridden, date(2026, 1, 1))
