"""The pure evaluation core: no database, plain dataclasses, explicit dates."""

from datetime import date

from apps.compliance import rules
from apps.compliance.results import Status
from apps.compliance.rules import (
    EventFact,
    Evidence,
    FacilityFact,
    MemberFact,
    PersonFact,
    RelayFact,
    Spec,
    TrainingFact,
    UnitFacts,
)

TOWNSHIP = UnitFacts(code="140121100000", name="清源镇", level="township", province_code="140000000000")
VILLAGE = UnitFacts(code="140121100201", name="东街村", level="village", province_code="140000000000")


def spec(kind, params, **kw):
    defaults = {"requirement": "R1", "version": 1, "title": "要求", "effective_from": date(2024, 1, 1)}
    return Spec(kind=kind, params=params, **{**defaults, **kw})


DRILL = spec("periodic_event", {"evidence": "drill", "period": "year", "min_count": 1,
                                "match": {"drill_type": ["comprehensive"]}})


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
CADRE_CYCLE = spec("training_cycle", {"categories": ["township_cadre"], "cycle_months": 24})
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
    assert [t.status for t in result.tasks] == [Status.COMPLIANT, Status.OVERDUE, Status.PENDING]


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
    unmet = spec("team_floor", {"min_members": 1}, requirement="B", weight=10)
    advisory = spec("team_floor", {"min_members": 1}, requirement="C", weight=50, binding=False)
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


def test_it_keeps_a_period_that_ended_just_inside_twelve_months_in_the_status():
    # 2024 ended on 2024-12-31: still counted on 2025-12-30, dropped from 2025-12-31 on.
    drills = [EventFact(1, "comprehensive", date(2025, 6, 1))]
    assert run(DRILL, Evidence(drills=drills), date(2025, 12, 30)).status == Status.OVERDUE
    result = run(DRILL, Evidence(drills=drills), date(2025, 12, 31))
    assert result.status == Status.COMPLIANT and result.tasks[0].status == Status.OVERDUE


def test_it_starts_tasks_at_a_later_effective_date():
    late = spec("periodic_event", DRILL.params, effective_from=date(2025, 7, 1))
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
    result = run(TEAM, Evidence(), date(2025, 3, 1), unit=unit)
    assert (result.status, result.due, result.actual, result.target) == (Status.NON_COMPLIANT, date(2025, 1, 1), 0, 2)


def test_it_accepts_a_relay_exactly_at_the_limit():
    relays = [RelayFact(1, "W1", date(2024, 5, 1), 10)]
    result = run(RELAY, Evidence(relays=relays), date(2024, 6, 1))
    assert (result.status, result.actual) == (Status.COMPLIANT, 10)


def test_it_drops_a_relay_received_exactly_twelve_months_before():
    relays = [RelayFact(1, "W1", date(2023, 6, 1), 30)]
    assert run(RELAY, Evidence(relays=relays), date(2024, 6, 1)).status == Status.NO_DATA
    assert run(RELAY, Evidence(relays=relays), date(2024, 5, 31)).status == Status.NON_COMPLIANT


def test_it_changes_a_periodic_verdict_when_a_new_version_takes_effect():
    v1 = spec("periodic_event", {**DRILL.params, "min_count": 1})
    v2 = spec("periodic_event", {**DRILL.params, "min_count": 2}, version=2, effective_from=date(2025, 1, 1))
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


def test_it_grades_on_the_band_edges():
    assert [rules.grade_for(s) for s in (90, 89.9, 60, 59.9)] == ["优秀", "合格", "合格", "不合格"]
