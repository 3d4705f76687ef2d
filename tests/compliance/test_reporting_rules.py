"""Reporting completeness and timeliness (报送率、及时率) from the pure rules: no database."""

from datetime import date

from apps.compliance import rules

QUARTERLY = {"evidence": "meeting", "period": "quarter", "min_count": 1}
UNIT = rules.UnitFacts(code="140121100000", name="清源镇", level="township")
YEAR_2026 = (date(2026, 1, 1), date(2026, 12, 31))
AS_OF = date(2026, 12, 1)


def _spec(effective_from=date(2024, 1, 1), params=QUARTERLY, kind="periodic_event"):
    return rules.Spec(requirement="meeting.quarterly", version=1, title="季度会议", kind=kind, params=params,
                      effective_from=effective_from)


def _meeting(i, on, entered_on):
    return rules.EventFact(i, "", on, entered_on=entered_on)


def _facts(spec, ev, within=YEAR_2026, as_of=AS_OF):
    return rules.period_facts(spec, UNIT, ev, as_of, within=within, deadline_days=10)


def test_it_expects_only_owed_periods_that_have_ended():
    facts = _facts(_spec(), rules.Evidence())
    # Q4 2026 has not ended on 1 December: not yet expected.
    assert [(f.period_start, f.satisfied) for f in facts] == [
        (date(2026, 1, 1), False), (date(2026, 4, 1), False), (date(2026, 7, 1), False)]


def test_it_does_not_expect_a_short_first_period():
    # In force from 20 February: 40 of Q1's 90 days, under half, so Q1 is not owed (rules.owed).
    facts = _facts(_spec(effective_from=date(2026, 2, 20)), rules.Evidence())
    assert [f.period_start for f in facts] == [date(2026, 4, 1), date(2026, 7, 1)]
    # From 10 February: 50 days, at least half: owed.
    facts = _facts(_spec(effective_from=date(2026, 2, 10)), rules.Evidence())
    assert [f.period_start for f in facts] == [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1)]


def test_it_counts_a_record_entered_after_the_deadline_as_reported_but_late():
    ev = rules.Evidence(meetings=[
        _meeting(1, date(2026, 2, 1), date(2026, 4, 10)),   # Q1 ends 31 March: deadline 10 April, on time
        _meeting(2, date(2026, 5, 1), date(2026, 7, 11)),   # Q2 ends 30 June: deadline 10 July, one day late
        _meeting(3, date(2026, 6, 1), date(2026, 11, 1)),   # late too: Q2 stays late
    ])
    facts = _facts(_spec(), ev)
    assert [(f.satisfied, f.on_time) for f in facts] == [(True, True), (True, False), (False, False)]


def test_it_reads_the_entry_date_not_the_event_date():
    # Held in the period and entered the next morning of a late period: the event date is in time,
    # the entry is not.
    ev = rules.Evidence(meetings=[_meeting(1, date(2026, 3, 31), date(2026, 5, 1))])
    assert [(f.satisfied, f.on_time) for f in _facts(_spec(), ev)][0] == (True, False)


def test_it_keeps_to_the_periods_inside_the_report_period():
    facts = _facts(_spec(), rules.Evidence(), within=(date(2026, 7, 1), date(2026, 9, 30)))
    assert [f.period_start for f in facts] == [date(2026, 7, 1)]
    # A month holds no whole quarter.
    assert _facts(_spec(), rules.Evidence(), within=(date(2026, 7, 1), date(2026, 7, 31))) == []


def test_it_counts_per_period_trainings_per_person():
    spec = rules.Spec(requirement="training.yearly", version=1, title="年度培训", kind="training_cycle",
                      params={"categories": ["village_staff"], "period": "year"}, effective_from=date(2024, 1, 1))
    people = [rules.PersonFact(1, "甲", "village_staff", date(2024, 1, 1)),
              rules.PersonFact(2, "乙", "village_staff", date(2024, 1, 1))]
    ev = rules.Evidence(people=people, trainings=[rules.TrainingFact(1, 1, date(2025, 3, 1), date(2025, 3, 2))])
    facts = _facts(spec, ev, within=(date(2025, 1, 1), date(2025, 12, 31)))
    assert sorted((f.subject, f.satisfied, f.on_time) for f in facts) == [("乙", False, False), ("甲", True, True)]


def test_it_makes_one_row_per_periodic_requirement_and_skips_other_kinds():
    staffing = rules.Spec(requirement="staff", version=1, title="人员", kind="staffing",
                          params={"categories": ["emergency_staff"], "min_count": 1}, effective_from=date(2024, 1, 1))
    rows = rules.reporting_unit(UNIT, [_spec(), staffing], rules.Evidence(), AS_OF, within=YEAR_2026)
    assert rows == [rules.ReportingRow(UNIT.code, UNIT.name, "meeting.quarterly", 3, 0, 0)]


def test_it_leaves_the_rate_empty_when_nothing_is_expected():
    assert rules.rate(0, 0) is None
    assert rules.rate(1, 4) == 0.25
