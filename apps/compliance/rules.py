"""The evaluation core: plain Python, no ORM.

Input: a requirement version (``Spec``), a unit (``UnitFacts``), the unit's evidence
(``Evidence``) and an explicit ``as_of`` date. Output: ``RequirementResult`` / ``UnitEvaluation``
(apps/compliance/results.py). The semantics are documented for users in docs/semantics.md;
keep the two in step. A kind's parameters are the typed objects of apps/policies/kinds.py and
applicability is apps/policies/rules.py ``applies``: one definition each, shared with the catalog.
"""

from __future__ import annotations

import calendar
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from operator import attrgetter

from apps.compliance.results import RequirementResult, Source, Status, Task, UnitEvaluation
from apps.core.text import chinese_date
from apps.jurisdictions.codes import effective_flags
from apps.policies import kinds
from apps.policies import rules as catalog_rules

DEFAULT_DUE_SOON_DAYS = 30
# A missed period counts towards the status while it ended on or after the date 12 months before
# the as-of date (inclusive: on 31 December last year's miss still counts, so the score does not
# jump up the day before this year's period falls due).
STATUS_WINDOW_MONTHS = 12


# ---------------------------------------------------------------------------
# Input facts
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    """The version of a requirement in force (what apps.policies stores, flattened)."""

    requirement: str
    version: int
    title: str
    kind: str
    params: object  # a dict on input; the kind's typed parameter object (kinds.PARAMS) after init
    effective_from: date
    topic: str = ""
    levels: tuple[str, ...] = ("township", "village")
    scope_province_code: str = ""
    flags_any: tuple[str, ...] = ()
    deadline: date | None = None
    binding: bool = True
    weight: float = 0.0
    sources: tuple[Source, ...] = ()
    # A correcting version keeps the date the obligation itself took effect (None: effective_from).
    obligation_from: date | None = None
    supersedes: tuple[str, ...] = ()  # requirement codes this one replaces where both apply

    def __post_init__(self):
        object.__setattr__(self, "params", kinds.parse_params(self.kind, self.params))


@dataclass(frozen=True)
class UnitFacts:
    code: str
    name: str
    level: str
    province_code: str = ""
    flags: tuple[str, ...] = ()
    tracking_start: date | None = None


# The record facts below are read-only inputs. PersonFact, MemberFact, EventFact and RelayFact
# are not frozen: the nightly load builds one per record (≈11,000 per county) and a frozen
# dataclass's __init__ (object.__setattr__ per field) costs 2.5× a slotted one's.
@dataclass(slots=True)
class PersonFact:
    id: int
    name: str
    category: str
    appointed_on: date
    left_on: date | None = None


@dataclass(frozen=True)
class TrainingFact:
    id: int
    person_id: int
    held_on: date
    entered_on: date | None = None  # local date the record was created (timeliness, 及时率)


def serving(start: date, left_on: date | None, on: date) -> bool:
    """A member or a person in post counts on ``on`` while start <= on < left_on: leaving on the
    as-of date means gone (evidence.selectors.active_on is the same rule in SQL)."""
    return start <= on and (left_on is None or left_on > on)


@dataclass(frozen=True)
class Membership:
    """One team membership of a person, as the 「重复在册」 rule compares them (§3.3)."""

    member_id: int
    team_id: int
    joined_on: date
    left_on: date | None = None

    def active(self, on: date) -> bool:
        return serving(self.joined_on, self.left_on, on)

    def rank(self) -> tuple[date, int, int]:
        return (self.joined_on, self.team_id, self.member_id)


@dataclass(slots=True)
class MemberFact:
    id: int
    team_type: str
    name: str
    # Who the person is: the identity key (validation.person_key, "bi:<blind index of the ID
    # number>" or "name:<name>"), never the clear number; "" falls back to the name.
    person_key: str
    joined_on: date
    left_on: date | None = None
    team_id: int = 0
    # The same person's memberships of other teams in the county (by blind index), whoever
    # they are counted for: the one fact the 「重复在册」 rule needs (counts_for_team).
    elsewhere: tuple[Membership, ...] = ()

    @property
    def membership(self) -> Membership:
        return Membership(self.id, self.team_id, self.joined_on, self.left_on)


@dataclass(slots=True)
class EventFact:
    """A dated record: a drill, a meeting or a standing document."""

    id: int
    type: str  # drill_type / meeting_type / doc_type
    on: date
    valid_until: date | None = None
    tag: str = ""  # a publicity record's campaign
    evaluated: bool = False  # a drill with its evaluation (评估结论) recorded
    entered_on: date | None = None  # local date the record was created (timeliness, 及时率)


@dataclass(frozen=True)
class FacilityFact:
    id: int
    facility_type: str
    quantity: int
    in_service_from: date
    in_service_to: date | None = None


@dataclass(slots=True)
class RelayFact:
    id: int
    warning_id: str
    received_on: date  # local date of reception
    minutes: float


@dataclass
class Evidence:
    """A unit's evidence: records (``people`` … ``relays``), or for three kinds the aggregates the
    database grouped for one date (``facts_on``): the in-service quantity per facility type
    instead of facilities, each person's training dates up to that date instead of trainings, and
    each team's distinct members counting on that date (「重复在册」 settled) instead of members.
    ``facility_totals``/``training_dates``/``team_sizes`` below return the same aggregates from
    either form, so the rules decide from one kind of input whichever loader built it
    (selectors.load_facts or load_evidence)."""

    people: list[PersonFact] = field(default_factory=list)
    trainings: list[TrainingFact] = field(default_factory=list)
    members: list[MemberFact] = field(default_factory=list)
    drills: list[EventFact] = field(default_factory=list)
    meetings: list[EventFact] = field(default_factory=list)
    documents: list[EventFact] = field(default_factory=list)
    facilities: list[FacilityFact] = field(default_factory=list)
    relays: list[RelayFact] = field(default_factory=list)
    facts_on: date | None = None
    facility_quantities: dict[str, int] = field(default_factory=dict)
    person_trainings: dict[int, tuple[date, ...]] = field(default_factory=dict)
    team_sizes: dict[tuple[int, str], int] = field(default_factory=dict)  # (team id, type) -> members counting
    # Aggregates only: the earliest date after facts_on on which they change (a facility entering
    # or leaving service, a training dated later, a membership of the unit's teams or of their
    # members' other teams starting or ending), for valid_until; None: no such date.
    next_change: date | None = None


def _aggregated(ev: Evidence, as_of: date) -> bool:
    if ev.facts_on is None:
        return False
    if ev.facts_on != as_of:
        raise ValueError(f"evidence aggregated for {ev.facts_on} cannot be evaluated on {as_of}")
    return True


def facility_totals(ev: Evidence, as_of: date) -> dict[str, int]:
    """The quantity in service on ``as_of`` per facility type."""
    if _aggregated(ev, as_of):
        return ev.facility_quantities
    totals: dict[str, int] = {}
    for f in ev.facilities:
        if f.in_service_from <= as_of and (f.in_service_to is None or f.in_service_to > as_of):
            totals[f.facility_type] = totals.get(f.facility_type, 0) + f.quantity
    return totals


def training_dates(ev: Evidence, as_of: date) -> dict[int, list[date]]:
    """Each person's training dates on or before ``as_of``, by person id."""
    if _aggregated(ev, as_of):
        return ev.person_trainings
    trained: dict[int, list[date]] = {}
    for t in ev.trainings:
        if t.held_on <= as_of:
            trained.setdefault(t.person_id, []).append(t.held_on)
    return trained


def team_sizes(ev: Evidence, as_of: date) -> dict[tuple[int, str], int]:
    """The number of distinct members counting for each team on ``as_of`` (counts_for_team:
    active, and 「重复在册」 settled), by (team id, team type); teams without any left out."""
    if _aggregated(ev, as_of):
        return ev.team_sizes
    teams: dict[tuple[int, str], set[str]] = {}
    for m in ev.members:
        if counts_for_team(m, as_of):
            teams.setdefault((m.team_id, m.team_type), set()).add(m.person_key or f"name:{m.name}")
    return {team: len(people) for team, people in teams.items()}


@dataclass(frozen=True)
class Settings:
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS
    grade_excellent: float = 90
    grade_pass: float = 60


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------
# The date helpers below are pure and called for every unit and spec of a night with the same few
# hundred arguments (period bounds, cycle dues): memoised, they are computed once per night.
@lru_cache(maxsize=8192)
def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (2024-02-29 + 12 = 2025-02-28)."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def period_bounds(d: date, period: str) -> tuple[date, date]:
    if period == "year":
        return date(d.year, 1, 1), date(d.year, 12, 31)
    if period == "quarter":
        first_month = 3 * ((d.month - 1) // 3) + 1
        start = date(d.year, first_month, 1)
    elif period == "month":
        start = date(d.year, d.month, 1)
    else:
        raise ValueError(f"unknown period {period!r}")
    return start, add_months(start, 3 if period == "quarter" else 1) - timedelta(days=1)


def periods(start: date, as_of: date, period: str) -> list[tuple[date, date]]:
    """Calendar periods from the one containing ``start`` to the one containing ``as_of``."""
    result = []
    cursor = start
    while cursor <= as_of:
        bounds = period_bounds(cursor, period)
        result.append(bounds)
        cursor = bounds[1] + timedelta(days=1)
    return result


@lru_cache(maxsize=4096)
def period_label(start: date, period: str) -> str:
    if period == "year":
        return f"{start.year}年度"
    if period == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{start.month}月"


@lru_cache(maxsize=4096)
def _owed_periods(first: date, until: date, period: str,
                  in_force_until: date | None) -> tuple[tuple[date, date, str], ...]:
    """The periods from the one containing ``first`` to the one containing ``until`` that an
    obligation in force from ``first`` (to ``in_force_until``) owes (``owed``), with their labels.
    The same for every unit (and person) sharing a start date: worked out once per night."""
    return tuple((start, end, period_label(start, period)) for start, end in periods(first, until, period)
                 if owed(start, end, first, in_force_until))


_date_text = lru_cache(maxsize=4096)(chinese_date)


# ---------------------------------------------------------------------------
# Applicability: the catalog's one rule (apps/policies/rules.py)
# ---------------------------------------------------------------------------
def applies(spec: Spec, unit: UnitFacts, as_of: date) -> bool:
    return catalog_rules.applies(
        levels=spec.levels, scope_province_code=spec.scope_province_code, flags_any=spec.flags_any,
        effective_from=spec.effective_from, code=unit.code, level=unit.level, province_code=unit.province_code,
        flags=unit.flags, as_of=as_of,
    )


# ---------------------------------------------------------------------------
# Per-kind rules
# ---------------------------------------------------------------------------
@dataclass
class _Verdict:
    tasks: list[Task]
    actual: float | None
    target: float | None
    empty_status: str | None = None  # status when no task exists (no_data)
    shortfall: float = 0.0  # the share of the obligation missed (0..1): the share of points deducted
    deducts_no_data: bool = False  # an empty audience that must exist: no_data deducts in full
    no_data_hint: str = ""  # what to record


def _open_status(due: date, as_of: date, cfg: Settings) -> str:
    """An unmet obligation with this due date (the due date itself is still in time)."""
    if due < as_of:
        return Status.OVERDUE
    if (due - as_of).days <= cfg.due_soon_days:
        return Status.DUE_SOON
    return Status.PENDING


def _person_status(due: date, as_of: date, cfg: Settings) -> str:
    """A person's training: overdue past due, due_soon inside the horizon, else compliant."""
    status = _open_status(due, as_of, cfg)
    return Status.COMPLIANT if status == Status.PENDING else status


def start_date(spec: Spec, unit: UnitFacts) -> date:
    """Obligations run from the later of the date the obligation took effect (the version's
    effective date, or the obligation date a correcting version keeps) and the unit's tracking start."""
    start = spec.obligation_from or spec.effective_from
    if unit.tracking_start and unit.tracking_start > start:
        return unit.tracking_start
    return start


def owed(period_start: date, period_end: date, in_force_from: date, in_force_until: date | None = None) -> bool:
    """A period is owed only when the obligation is in force for at least half of its days (a
    quarterly study in force from 10 December owes nothing for that quarter). ``in_force_until``
    is the last day in force (a person's last day in post)."""
    first = max(period_start, in_force_from)
    last = min(period_end, in_force_until) if in_force_until else period_end
    days = (period_end - period_start).days + 1
    return 2 * ((last - first).days + 1) >= days


def _window_start(as_of: date) -> date:
    return add_months(as_of, -STATUS_WINDOW_MONTHS)


def _missed_share(tasks: list[Task], as_of: date) -> float:
    """The share of owed periods in the window (those that have ended) that were missed."""
    ended = [t for t in tasks if t.in_window and t.period_end and t.period_end < as_of]
    missed = [t for t in ended if t.status in Status.BAD]
    return len(missed) / len(ended) if ended else 0.0


def _periodic_event(spec: Spec, unit: UnitFacts, ev: Evidence, as_of: date, cfg: Settings) -> _Verdict:
    p: kinds.PeriodicEvent = spec.params
    source = {"drill": ev.drills, "meeting": ev.meetings, "document": ev.documents}[p.evidence]
    accepted = p.accepted()
    events = [
        e for e in source
        if e.on <= as_of and (accepted is None or e.type in accepted) and (e.evaluated or not p.require_evaluation)
        and (not p.campaigns or e.tag in p.campaigns)
    ]
    events.sort(key=_on)  # stable: records of one day keep their order
    days = [e.on for e in events]
    target = len(p.campaigns) if p.campaigns else p.min_count
    window_start = _window_start(as_of)
    obligation = start_date(spec, unit)
    tasks = []
    current_count = 0
    for start, end, label in _owed_periods(obligation, as_of, p.period, None):
        inside = events[bisect_left(days, start):bisect_right(days, end)]
        # With named campaigns (CN-PUBLICITY-EVENTS) each campaign needs its own record:
        # three records of one campaign are one.
        count = len({e.tag for e in inside}) if p.campaigns else len(inside)
        if end >= as_of:
            current_count = count
        if count >= target:
            status, missing = Status.COMPLIANT, ""
        else:
            status = _open_status(end, as_of, cfg)
            if p.campaigns:
                lacking = [c for c in p.campaigns if c not in {e.tag for e in inside}]
                missing = f"{label}{spec.title}：尚缺{'、'.join(CAMPAIGN_LABELS.get(c, c) for c in lacking)}，截止 {_date_text(end)}"
            else:
                missing = f"{label}{spec.title}：应不少于{target}次，实有{count}次，截止 {_date_text(end)}"
                if p.require_evaluation:
                    missing += "（须记录演练评估结论）"
        tasks.append(
            Task(
                requirement=spec.requirement, unit=unit.code, status=status, due=end, period_start=start,
                period_end=end, subject=label, missing=missing,
                evidence=[f"{p.evidence}:{e.id}" for e in inside],
                in_window=end >= window_start,
            )
        )
    return _Verdict(tasks, current_count, target, shortfall=_missed_share(tasks, as_of))


_on = attrgetter("on")


# Labels of the named publicity campaigns (apps/evidence/models.py Campaign), kept here so the
# rules stay free of models.
CAMPAIGN_LABELS = {"disaster_reduction_day": "全国防灾减灾日", "safety_month": "安全生产月",
                   "fire_month": "消防宣传月", "other": "其他宣传活动"}


def _person_in_post(person: PersonFact, on: date) -> bool:
    return serving(person.appointed_on, person.left_on, on)


def _training_cycle(spec: Spec, unit: UnitFacts, ev: Evidence, as_of: date, cfg: Settings) -> _Verdict:
    p: kinds.TrainingCycle = spec.params
    categories = set(p.categories)
    start = start_date(spec, unit)
    trained = training_dates(ev, as_of)
    people = sorted((x for x in ev.people if x.category in categories and x.appointed_on <= as_of),
                    key=lambda x: (x.name, x.id))
    if not p.period:
        people = [x for x in people if _person_in_post(x, as_of)]
    if p.first_training_only:
        # Only people appointed while the requirement is in force are "new appointees".
        people = [x for x in people if x.appointed_on >= start]
    tasks: list[Task] = []
    audience = 0
    behind = 0
    for person in people:
        dates = sorted(d for d in trained.get(person.id, []) if d >= person.appointed_on)
        if p.period:
            own = _per_period_person_tasks(spec, unit, person, dates, as_of, cfg)
            # A person who has left keeps the periods they were in post for (while in the window):
            # recording a departure never clears a miss.
            if not _person_in_post(person, as_of) and not any(t.in_window for t in own):
                tasks.extend(own)
                continue
        elif p.first_training_only:
            own = _first_training_tasks(spec, unit, person, dates, as_of, cfg)
        else:
            own = _cycle_person_tasks(spec, unit, person, dates, as_of, cfg, start)
        audience += 1
        behind += any(t.status == Status.OVERDUE and t.in_window for t in own)
        tasks.extend(own)
    if not audience:
        who = "、".join(PERSON_LABELS.get(c, c) for c in p.categories)
        return _Verdict(tasks, None, None, Status.NO_DATA, deducts_no_data=True,
                        no_data_hint=f"无数据（扣分）：请录入在岗的{who}及其培训记录")
    return _Verdict(tasks, audience - behind, audience, shortfall=behind / audience)


PERSON_LABELS = {"township_cadre": "乡镇(街道)干部", "village_committee": "村(社区)两委成员",
                 "village_staff": "村(社区)专职工作人员", "emergency_staff": "应急管理工作人员(专职或兼职)",
                 "info_reporter": "信息报告员"}


def _late_task(spec, unit, person, due: date, done: date) -> Task:
    """A training done after its due date: it clears the person from then on, and the late
    completion stays in the task history (outside the status)."""
    return Task(spec.requirement, unit.code, Status.OVERDUE, due, period_end=done, subject=_subject(person),
                missing=f"{person.name}：应于 {due.isoformat()} 前培训，{done.isoformat()} 完成（逾期{(done - due).days}天）",
                evidence=[f"training:{done.isoformat()}"], in_window=False)


def _cycle_person_tasks(spec, unit, person, dates, as_of, cfg, start: date) -> list[Task]:
    """Rolling cycle: nobody is overdue before a full cycle has passed since the obligation took
    effect. due = max(last training + cycle, obligation start + cycle); never trained since the
    appointment: max(appointment, obligation start) + the new-appointee limit (for people appointed
    on or after the obligation start, where the document sets one) or else the cycle."""
    p: kinds.TrainingCycle = spec.params
    cycle = p.cycle_months or 12
    months = p.new_appointee_months if (p.new_appointee_months and person.appointed_on >= start) else cycle
    due = add_months(max(person.appointed_on, start), months)
    history = []
    for d in dates:
        if d > due:
            history.append(_late_task(spec, unit, person, due, d))
        due = max(add_months(d, cycle), add_months(start, cycle))
    status = _person_status(due, as_of, cfg)
    if status == Status.COMPLIANT:
        missing = ""
    elif dates:
        missing = f"{person.name}：上次培训 {dates[-1].isoformat()}，应于 {due.isoformat()} 前再次培训"
    else:
        missing = f"{person.name}：任职以来未参加培训，应于 {due.isoformat()} 前培训"
    current = Task(spec.requirement, unit.code, status, due, subject=_subject(person), missing=missing,
                   evidence=[f"training:{dates[-1].isoformat()}"] if dates else [])
    return [*history, current]


def _first_training_tasks(spec, unit, person, dates, as_of, cfg) -> list[Task]:
    """The retired first-training form (TJ-TRAIN-NEW-CADRE v1), kept so past dates evaluate alike."""
    p: kinds.TrainingCycle = spec.params
    due = add_months(person.appointed_on, p.new_appointee_months or p.cycle_months or 12)
    if dates:
        done = Task(spec.requirement, unit.code, Status.COMPLIANT, due, subject=_subject(person),
                    evidence=[f"training:{dates[0].isoformat()}"])
        return [_late_task(spec, unit, person, due, dates[0]), done] if dates[0] > due else [done]
    status = _person_status(due, as_of, cfg)
    missing = "" if status == Status.COMPLIANT else f"{person.name}：新任职后应于 {due.isoformat()} 前参加培训"
    return [Task(spec.requirement, unit.code, status, due, subject=_subject(person), missing=missing)]


def _per_period_person_tasks(spec, unit, person, dates, as_of, cfg) -> list[Task]:
    """One task per calendar period the person owes: in post for at least half of the period's
    days while the obligation is in force (appointed on 30 March: nothing owed for Q1)."""
    period = spec.params.period
    window_start = _window_start(as_of)
    first = max(start_date(spec, unit), person.appointed_on)
    last_day = person.left_on - timedelta(days=1) if person.left_on else None
    tasks = []
    for start, end, label in _owed_periods(first, min(as_of, last_day) if last_day else as_of, period, last_day):
        done = [d for d in dates if start <= d <= end]
        status = Status.COMPLIANT if done else _person_status(end, as_of, cfg)
        tasks.append(
            Task(spec.requirement, unit.code, status, end, start, end, subject=_subject(person),
                 missing="" if status == Status.COMPLIANT else f"{person.name}：{label}未参加培训，截止 {_date_text(end)}",
                 evidence=[f"training:{d.isoformat()}" for d in done], in_window=end >= window_start)
        )
    return tasks


def _subject(person: PersonFact) -> str:
    return person.name


def _floor(spec: Spec, unit: UnitFacts, actual: float, target: float, what: str, as_of: date,
           cfg: Settings) -> _Verdict:
    """A minimum to hold on the as-of date; before a deadline a shortfall is only pending. The
    shortfall deducts in proportion: weight × (1 − actual/target)."""
    shortfall = max(0.0, 1 - actual / target) if target else 0.0
    if actual >= target:
        status, due, missing = Status.COMPLIANT, spec.deadline, ""
    else:
        missing = f"{what}：应不少于{_num(target)}，实有{_num(actual)}"
        if spec.deadline:
            due = spec.deadline
            status = _open_status(due, as_of, cfg)
            missing += f"，期限 {due.isoformat()}"
        else:
            # No deadline: unmet from the day the obligation applied.
            due, status = start_date(spec, unit), Status.NON_COMPLIANT
    task = Task(spec.requirement, unit.code, status, due, subject=what, missing=missing)
    return _Verdict([task], actual, target, shortfall=shortfall)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def counting_membership(memberships: Iterable[Membership], on: date) -> Membership | None:
    """「重复在册」: of one person's memberships active on ``on`` (same ID number, several teams
    of a county), the one that counts: the earliest joining date; on the same day the team with
    the smaller id (the one recorded first). None when none is active. docs/semantics.md §3.3."""
    active = [m for m in memberships if m.active(on)]
    return min(active, key=Membership.rank) if active else None


def counts_for_team(member: MemberFact, on: date) -> bool:
    """True when ``member`` is active on ``on`` and no other membership of the same person
    takes precedence (counting_membership): one person counts towards at most one team."""
    if not serving(member.joined_on, member.left_on, on):  # (no Membership object per member)
        return False
    if not member.elsewhere:
        return True
    first = counting_membership((member.membership, *member.elsewhere), on)
    return first is not None and first.team_id == member.team_id


def _team_floor(spec, unit, ev, as_of, cfg) -> _Verdict:
    """「组建不少于30人的…队伍」 is met by one team: the largest qualifying team's distinct active
    members (by ID number), never the sum of several teams; a person also active in another team
    of the county counts only for the team counting_membership picks (「重复在册」)."""
    p: kinds.TeamFloor = spec.params
    types = set(p.team_types)
    sizes = [n for (_, team_type), n in team_sizes(ev, as_of).items() if not types or team_type in types]
    if not sizes:
        # No team recorded: no_data, deducting in full once the floor is due (no deadline, or past it).
        due_now = spec.deadline is None or spec.deadline < as_of
        return _Verdict([], 0, p.min_members, Status.NO_DATA, shortfall=1.0, deducts_no_data=due_now,
                        no_data_hint="无数据（扣分）：请录入救援队伍及其队员" if due_now
                        else "无数据：请录入救援队伍及其队员")
    return _floor(spec, unit, max(sizes), p.min_members, "最大一支救援队伍在册人数", as_of, cfg)


def _facility_count(spec, unit, ev, as_of, cfg) -> _Verdict:
    p: kinds.FacilityCount = spec.params
    types = set(p.facility_types)
    total = sum(n for facility_type, n in facility_totals(ev, as_of).items() if not types or facility_type in types)
    return _floor(spec, unit, total, p.min_count, "在用设施装备数量", as_of, cfg)


def _staffing(spec, unit, ev, as_of, cfg) -> _Verdict:
    p: kinds.Staffing = spec.params
    categories = set(p.categories)
    n = sum(1 for x in ev.people if x.category in categories and _person_in_post(x, as_of))
    return _floor(spec, unit, n, p.min_count, "在岗人员数", as_of, cfg)


def _standing_document(spec, unit, ev, as_of, cfg) -> _Verdict:
    p: kinds.StandingDocument = spec.params
    types = set(p.doc_types)
    oldest = add_months(as_of, -p.max_age_months) if p.max_age_months else None
    current = [
        d
        for d in ev.documents
        if d.type in types
        and d.on <= as_of
        and (d.valid_until is None or d.valid_until >= as_of)
        and (oldest is None or d.on >= oldest)
    ]
    verdict = _floor(spec, unit, len(current), 1, "现行有效文件数", as_of, cfg)
    verdict.tasks[0].evidence = [f"document:{d.id}" for d in current]
    return verdict


def _response_time(spec, unit, ev, as_of, cfg) -> _Verdict:
    """No relay in the window is a legitimate absence (no warning was issued): no_data, no
    deduction. Otherwise the share of relays over the limit is deducted."""
    p: kinds.ResponseTime = spec.params
    limit = float(p.max_minutes)
    since = add_months(as_of, -p.window_months)
    relays = [r for r in ev.relays if since < r.received_on <= as_of]
    if not relays:
        return _Verdict([], None, limit, Status.NO_DATA)
    tasks = []
    for r in sorted(relays, key=lambda r: r.received_on):
        if r.minutes > limit:
            tasks.append(
                Task(spec.requirement, unit.code, Status.NON_COMPLIANT, r.received_on, subject=r.warning_id,
                     missing=f"预警{r.warning_id}传递用时{r.minutes:.0f}分钟，超过{_num(limit)}分钟",
                     evidence=[f"relay:{r.id}"])
            )
    late = len(tasks)
    if not tasks:
        tasks.append(Task(spec.requirement, unit.code, Status.COMPLIANT, None, subject="预警叫应",
                          evidence=[f"relay:{r.id}" for r in relays]))
    return _Verdict(tasks, round(max(r.minutes for r in relays), 1), limit, shortfall=late / len(relays))


KIND_RULES = {
    "periodic_event": _periodic_event,
    "training_cycle": _training_cycle,
    "team_floor": _team_floor,
    "facility_count": _facility_count,
    "staffing": _staffing,
    "standing_document": _standing_document,
    "response_time": _response_time,
}


# ---------------------------------------------------------------------------
# Requirement and unit
# ---------------------------------------------------------------------------
def own_sources(spec: Spec, unit: UnitFacts) -> list[Source]:
    """The citations a unit is shown: central documents and its own province's only, each clause
    once (two quotes of one clause are joined)."""
    by_clause: dict[tuple[str, str], Source] = {}
    for s in spec.sources:
        if s.scope and s.scope != unit.province_code:
            continue
        key = (s.document, s.clause)
        if key in by_clause:
            seen = by_clause[key]
            by_clause[key] = Source(seen.document, seen.clause, f"{seen.quote}……{s.quote}", seen.scope)
        else:
            by_clause[key] = Source(s.document, s.clause, s.quote, s.scope)
    return list(by_clause.values())


_RANK = Status.RANK
_NO_RANK = len(Status.SEVERITY)


def evaluate_requirement(spec: Spec, unit: UnitFacts, evidence: Evidence, as_of: date,
                         cfg: Settings = Settings(), *, sources: list[Source] | None = None) -> RequirementResult:
    """``sources``: the unit's own citations of ``spec`` when already known (SpecIndex)."""
    rule = KIND_RULES.get(spec.kind)
    if rule is None:
        verdict = _Verdict([], None, None, Status.NO_DATA)
    else:
        verdict = rule(spec, unit, evidence, as_of, cfg)
    # One pass over the tasks in the window: the worst status (the first of equals), the earliest
    # due date of those not met, the texts of those failing.
    status, rank, due, failing = None, _NO_RANK, None, []
    for t in verdict.tasks:
        if not t.in_window:
            continue
        if _RANK[t.status] < rank:
            status, rank = t.status, _RANK[t.status]
        if t.status != Status.COMPLIANT:
            if t.due and (due is None or t.due < due):
                due = t.due
            if t.missing and t.status in Status.BAD:
                failing.append(t.missing)
    if status is None:
        status = verdict.empty_status or Status.COMPLIANT
    missing = "；".join(failing)
    if status == Status.NO_DATA and verdict.no_data_hint:
        missing = verdict.no_data_hint
    deducts_no_data = status == Status.NO_DATA and verdict.deducts_no_data
    if status in Status.BAD:
        shortfall = verdict.shortfall
    elif deducts_no_data:
        shortfall = 1.0
    else:
        shortfall = 0.0
    return RequirementResult(
        requirement=spec.requirement, version=spec.version, title=spec.title, kind=spec.kind, topic=spec.topic,
        status=status, due=due, actual=verdict.actual, target=verdict.target, advisory=not spec.binding,
        weight=0.0, deducted=0.0, sources=own_sources(spec, unit) if sources is None else sources,
        tasks=verdict.tasks, missing=missing,
        shortfall=round(shortfall, 4), deducts_no_data=deducts_no_data,
    )


def grade_for(score: float | None, cfg: Settings = Settings()) -> str:
    if score is None:
        return ""
    if score >= cfg.grade_excellent:
        return "优秀"
    if score >= cfg.grade_pass:
        return "合格"
    return "不合格"


def score_results(results: list[RequirementResult], raw_weights: list[float]) -> float | None:
    """考核评分表 practice: binding weights scaled to 100 (equal points when the catalog gives none);
    a requirement deducts its points in proportion to the shortfall (每缺一项扣分): ``shortfall``
    is set by the rule of its kind. Advisory results are never scored."""
    pairs = [(r, max(float(w or 0), 0.0)) for r, w in zip(results, raw_weights, strict=True) if not r.advisory]
    if not pairs:
        return None
    binding = [r for r, _ in pairs]
    raw = [w for _, w in pairs]
    total = sum(raw)
    scaled = [100 * w / total for w in raw] if total > 0 else [100 / len(binding)] * len(binding)
    deductions = 0.0
    for result, points in zip(binding, scaled, strict=True):
        result.weight = round(points, 2)
        result.deducted = round(points * result.shortfall, 2)
        deductions += points * result.shortfall
    return round(max(0.0, 100 - deductions), 1)


def _applicable_specs(unit: UnitFacts, specs: Iterable[Spec], as_of: date) -> tuple[list[Spec], list[dict]]:
    """The specs evaluated for the unit and the superseded ones (「由…替代」)."""
    applicable = [s for s in sorted(specs, key=lambda s: s.requirement) if applies(s, unit, as_of)]
    replaced_by = {code: s for s in applicable for code in s.supersedes}
    superseded = [
        {"requirement": s.requirement, "title": s.title, "by": replaced_by[s.requirement].requirement,
         "by_title": replaced_by[s.requirement].title}
        for s in applicable if s.requirement in replaced_by
    ]
    return [s for s in applicable if s.requirement not in replaced_by], superseded


class SpecIndex:
    """The specs in force on one date, with what depends only on a unit's group worked out once
    per group instead of once per unit: the applicable and superseded specs (by level, province
    and effective flags: everything ``applies`` reads of a unit) and each spec's own citations (by
    province). A county's 421 units fall into a handful of groups. ``compute`` passes one to
    ``evaluate_unit`` for all the units of a subtree; a plain list of specs works too."""

    def __init__(self, specs: Iterable[Spec], as_of: date):
        self.specs = sorted(specs, key=lambda s: s.requirement)
        self.as_of = as_of
        self._applicable: dict[tuple, tuple[list[Spec], list[dict]]] = {}
        self._sources: dict[tuple[int, str], list[Source]] = {}

    def __iter__(self):
        return iter(self.specs)

    def applicable(self, unit: UnitFacts) -> tuple[list[Spec], list[dict]]:
        """_applicable_specs for the unit's group (``superseded`` copied: it is the unit's own)."""
        key = (unit.level, unit.province_code, effective_flags(unit.code, unit.level, unit.flags))
        found = self._applicable.get(key)
        if found is None:
            found = self._applicable[key] = _applicable_specs(unit, self.specs, self.as_of)
        return found[0], [dict(item) for item in found[1]]

    def sources(self, spec: Spec, unit: UnitFacts) -> list[Source]:
        """own_sources for the unit's province (a new list of the shared, never mutated Sources)."""
        key = (id(spec), unit.province_code)  # the index holds its specs: ids are stable
        found = self._sources.get(key)
        if found is None:
            found = self._sources[key] = own_sources(spec, unit)
        return list(found)


def evaluate_unit(unit: UnitFacts, specs: Iterable[Spec], evidence: Evidence, as_of: date,
                  cfg: Settings = Settings()) -> UnitEvaluation:
    """Every applicable requirement of one unit, scored. ``specs`` may hold versions that do not
    apply to this unit; they are filtered here with the catalog's matching rule. A requirement
    superseded by another that applies to the unit (a provincial restatement of a central one) is
    not evaluated: it is listed in ``superseded`` as 「由…替代」, so one fact is never deducted twice.
    ``specs`` may be a SpecIndex of ``as_of`` (many units: the per-group work is shared)."""
    index = specs if isinstance(specs, SpecIndex) and specs.as_of == as_of else SpecIndex(specs, as_of)
    applicable, superseded = index.applicable(unit)
    results = [evaluate_requirement(spec, unit, evidence, as_of, cfg, sources=index.sources(spec, unit))
               for spec in applicable]
    score = score_results(results, [spec.weight for spec in applicable])
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return UnitEvaluation(unit=unit.code, unit_name=unit.name, level=unit.level, as_of=as_of, score=score,
                          grade=grade_for(score, cfg), results=results, counts=counts, superseded=superseded)


# ---------------------------------------------------------------------------
# Reporting completeness and timeliness (报送率、及时率), docs/semantics.md
# ---------------------------------------------------------------------------
DEFAULT_REPORTING_DEADLINE_DAYS = 10


@dataclass(frozen=True)
class PeriodFact:
    """One owed period of a periodic obligation (per person for per-period trainings): whether
    the unit's records satisfy it, and whether records entered by the reporting deadline did."""

    requirement: str
    unit: str
    subject: str
    period_start: date
    period_end: date
    satisfied: bool
    on_time: bool


def _periodic(spec: Spec) -> bool:
    return spec.kind == "periodic_event" or (spec.kind == "training_cycle" and bool(spec.params.period))


def _period_tasks(spec: Spec, unit: UnitFacts, ev: Evidence, as_of: date, cfg: Settings) -> dict:
    """The owed periods the kind's rule decided (tasks with a period), keyed by (subject, start)."""
    verdict = KIND_RULES[spec.kind](spec, unit, ev, as_of, cfg)
    return {(t.subject, t.period_start): t for t in verdict.tasks if t.period_start and t.period_end}


def _entered_by(ev: Evidence, day: date) -> Evidence:
    """The evidence as it stood at the end of ``day`` (records without an entry date count).
    Needs the records themselves (selectors.load_evidence): aggregates carry no entry dates."""
    if ev.facts_on is not None:
        raise ValueError("entry dates need the records, not aggregated facts")

    def keep(items):
        return [x for x in items if x.entered_on is None or x.entered_on <= day]
    return Evidence(people=ev.people, trainings=keep(ev.trainings), members=ev.members, drills=keep(ev.drills),
                    meetings=keep(ev.meetings), documents=keep(ev.documents), facilities=ev.facilities,
                    relays=ev.relays)


def period_facts(spec: Spec, unit: UnitFacts, ev: Evidence, as_of: date, *, within: tuple[date, date],
                 deadline_days: int = DEFAULT_REPORTING_DEADLINE_DAYS, cfg: Settings = Settings()) -> list[PeriodFact]:
    """The periods of ``spec`` the unit owes (the kind's own rule decides, with the short-first-
    period rule of ``owed``) that lie inside ``within`` and have ended by ``as_of``. A period is
    satisfied when the records counted on ``as_of`` meet it; on time when the records entered by
    its end + ``deadline_days`` already met it (creation date, not the event date)."""
    if spec.kind not in KIND_RULES or not _periodic(spec):
        return []
    low, high = within
    tasks = _period_tasks(spec, unit, ev, as_of, cfg)
    facts = []
    timely_cache: dict[date, dict] = {}
    for key, t in sorted(tasks.items(), key=lambda kv: (kv[1].period_start, kv[1].subject)):
        if t.period_start < low or t.period_end > high or t.period_end >= as_of:  # in_period's cut
            continue
        satisfied = t.status == Status.COMPLIANT
        on_time = False
        if satisfied:
            deadline = t.period_end + timedelta(days=deadline_days)
            if deadline not in timely_cache:
                timely_cache[deadline] = _period_tasks(spec, unit, _entered_by(ev, deadline), as_of, cfg)
            early = timely_cache[deadline].get(key)
            on_time = early is not None and early.status == Status.COMPLIANT
        facts.append(PeriodFact(spec.requirement, unit.code, t.subject, t.period_start, t.period_end,
                                satisfied, on_time))
    return facts


@dataclass(frozen=True)
class ReportingRow:
    unit: str
    unit_name: str
    requirement: str
    expected: int
    reported: int
    on_time: int


def reporting_facts(unit: UnitFacts, specs: Iterable[Spec], ev: Evidence, as_of: date, *,
                    within: tuple[date, date], deadline_days: int = DEFAULT_REPORTING_DEADLINE_DAYS,
                    cfg: Settings = Settings()) -> dict[str, list[PeriodFact]]:
    """The owed periods inside ``within`` of every periodic requirement evaluated for the unit,
    by requirement (an applicable requirement with nothing owed maps to an empty list)."""
    applicable, _ = _applicable_specs(unit, specs, as_of)
    return {spec.requirement: period_facts(spec, unit, ev, as_of, within=within, deadline_days=deadline_days,
                                           cfg=cfg)
            for spec in applicable if _periodic(spec)}


def reporting_unit(unit: UnitFacts, specs: Iterable[Spec], ev: Evidence, as_of: date, *,
                   within: tuple[date, date], deadline_days: int = DEFAULT_REPORTING_DEADLINE_DAYS,
                   cfg: Settings = Settings()) -> list[ReportingRow]:
    """One row per periodic requirement evaluated for the unit: owed periods inside ``within``
    (expected), satisfied (reported) and satisfied by the deadline (on time)."""
    by_requirement = reporting_facts(unit, specs, ev, as_of, within=within, deadline_days=deadline_days, cfg=cfg)
    return [reporting_row(unit, requirement, facts) for requirement, facts in by_requirement.items()]


def reporting_row(unit: UnitFacts, requirement: str, facts: Iterable[PeriodFact]) -> ReportingRow:
    t = tally(facts)
    return ReportingRow(unit.code, unit.name, requirement, t.expected, t.reported, t.on_time)


@dataclass(frozen=True)
class Tally:
    """Expected, reported and on-time periods, with the two rates (None when nothing is expected)."""

    expected: int = 0
    reported: int = 0
    on_time: int = 0

    @property
    def reporting_rate(self) -> float | None:
        return rate(self.reported, self.expected)

    @property
    def timely_rate(self) -> float | None:
        return rate(self.on_time, self.expected)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.expected + other.expected, self.reported + other.reported, self.on_time + other.on_time)


def in_period(fact: PeriodFact, within: tuple[date, date]) -> bool:
    """A fact counts for a reporting period when its owed period lies wholly inside it (a year's
    drill counts for the year, not for any of its quarters) — the same cut as ``period_facts``."""
    return within[0] <= fact.period_start and fact.period_end <= within[1]


def tally(facts: Iterable[PeriodFact], within: tuple[date, date] | None = None) -> Tally:
    chosen = [f for f in facts if within is None or in_period(f, within)]
    return Tally(len(chosen), sum(f.satisfied for f in chosen), sum(f.on_time for f in chosen))


def rate_band(value: float | None, cfg: Settings = Settings()) -> str:
    """Colour of a rate in the 报送情况 grid, by the grade cut-offs (COMPLIANCE_GRADE_EXCELLENT /
    _PASS, as percentages): green from excellent, yellow from pass, red below, grey when nothing
    is expected."""
    if value is None:
        return "grey"
    if value >= cfg.grade_excellent / 100:
        return "green"
    return "yellow" if value >= cfg.grade_pass / 100 else "red"


def rate(part: int, whole: int) -> float | None:
    """A share in [0, 1], None when nothing is expected."""
    return round(part / whole, 4) if whole else None


def percent_text(value: float | None) -> str:
    """「67%」, or 「—」 when nothing is expected."""
    return "—" if value is None else f"{value:.0%}"


# ---------------------------------------------------------------------------
# Validity: until when an evaluation stands without new evidence (incremental nights)
# ---------------------------------------------------------------------------
def _after_window(end: date, months: int) -> date:
    """No later than the first day on which something dated ``end`` has left a window of
    ``months`` ending on the as-of date (``end < add_months(day, -months)``). add_months clamps
    to the month's end, so this can be a day early (conservative), never late."""
    return add_months(end, months) + timedelta(days=1)


_DAY = timedelta(days=1)


def _task_dates(specs: dict[str, Spec], results: list[RequirementResult], as_of: date,
                horizon: timedelta) -> list[date]:
    """The earliest date after ``as_of`` of each kind of change the tasks of ``results`` can
    bring: a period in the status window ends (missed share, current count), or leaves the window;
    an open due date (a person's cycle is "compliant" until then) enters the due-soon horizon, or
    passes. A periodic task met by its records stays met.

    Each kind is a non-decreasing function of one task date, so its earliest date after ``as_of``
    is that of the first of the distinct dates, in order, that gives one: a unit's ≈ 150 tasks
    share a few dozen dates, and only those are worked out (tests/compliance/test_validity.py
    checks this against every task's candidates)."""
    ends: set[date] = set()
    dues: set[date] = set()
    for result in results:
        spec = specs.get(result.requirement)
        if spec is None:
            continue
        periodic = spec.kind == "periodic_event"
        for t in result.tasks:
            if not t.in_window:
                continue
            if t.period_end is not None:
                ends.add(t.period_end)
            if t.due is not None and not (periodic and t.status == Status.COMPLIANT):
                dues.add(t.due)
    found = []
    for values, change in ((ends, lambda end: end + _DAY), (ends, lambda end: _after_window(end, STATUS_WINDOW_MONTHS)),
                           (dues, lambda due: due - horizon), (dues, lambda due: due + _DAY)):
        for value in sorted(values):
            day = change(value)
            if day > as_of:
                found.append(day)
                break
    return found



def _spec_dates(spec: Spec, unit: UnitFacts, as_of: date, horizon: timedelta) -> Iterable[date]:
    yield start_date(spec, unit)  # an obligation (or the unit's tracking) that starts later
    if spec.deadline is not None:
        yield spec.deadline - horizon
        yield spec.deadline + timedelta(days=1)
    p = spec.params
    period = getattr(p, "period", None) if spec.kind in ("periodic_event", "training_cycle") else None
    if period:
        yield period_bounds(as_of, period)[1] + timedelta(days=1)  # a new period (maybe not yet owed today)


def _evidence_dates(specs: list[Spec], ev: Evidence, as_of: date) -> list[date]:
    """Dates after ``as_of`` on which a record starts or stops counting: dated after the as-of
    date, a person appointed or leaving, a membership starting or ending (also the person's
    memberships of other teams, which decide where they count), a facility entering or leaving
    service, a document expiring or getting too old, a relay leaving its window. (Comprehensions
    that drop the past at once: a county's night asks this of ≈ 15,000 records.)"""
    dates = [d for x in ev.people for d in (x.appointed_on, x.left_on) if d and d > as_of]
    dates += [d for m in ev.members for d in (m.joined_on, m.left_on) if d and d > as_of]
    dates += [d for m in ev.members for ms in m.elsewhere for d in (ms.joined_on, ms.left_on) if d and d > as_of]
    dates += [e.on for e in ev.drills if e.on > as_of]
    dates += [e.on for e in ev.meetings if e.on > as_of]
    max_ages = {s.params.max_age_months for s in specs if s.kind == "standing_document" and s.params.max_age_months}
    for d in ev.documents:
        dates.append(d.on)
        if d.valid_until:
            dates.append(d.valid_until + timedelta(days=1))
        for months in max_ages:
            dates.append(_after_window(d.on, months))
    if ev.facts_on is None:
        dates += [t.held_on for t in ev.trainings]
        dates += [d for f in ev.facilities for d in (f.in_service_from, f.in_service_to) if d]
    elif ev.next_change is not None:
        dates.append(ev.next_change)
    windows = {s.params.window_months for s in specs if s.kind == "response_time"}
    for r in ev.relays:
        dates.append(r.received_on)
        # In the window while add_months(day, -months) < received_on: it leaves on
        # add_months(received_on, months) at the earliest.
        dates += [add_months(r.received_on, months) for months in windows]
    return dates


def valid_until(unit: UnitFacts, specs: Iterable[Spec], evidence: Evidence, evaluation: UnitEvaluation,
                cfg: Settings = Settings(), catalog_dates: Iterable[date] = ()) -> date | None:
    """The first date after ``evaluation.as_of`` on which anything stored of the evaluation (score,
    grade, counts, the compact results, the overdue tasks except their days overdue) may differ
    without new evidence, catalog or settings; None when nothing dated can change it.

    ``specs`` are the versions in force on the as-of date (those ``evaluation`` was computed
    from); ``catalog_dates`` the effective dates of the catalog's later versions (a version
    taking effect or retiring a requirement). Candidates come from the evaluation's tasks (due
    dates entering the due-soon horizon and passing, periods ending, periods leaving the 12-month
    window), the specs (a later obligation start or tracking start, deadlines, the next period)
    and the evidence (dates on which a record starts or stops counting). Too early is only a
    wasted re-evaluation; it is never later than the first change (tests/compliance/test_validity.py)."""
    as_of = evaluation.as_of
    horizon = timedelta(days=cfg.due_soon_days)
    by_code = {s.requirement: s for s in specs}
    applied = [by_code[r.requirement] for r in evaluation.results if r.requirement in by_code]
    candidates = [*catalog_dates, *_evidence_dates(applied, evidence, as_of)]  # some still on or before as_of
    candidates += _task_dates(by_code, evaluation.results, as_of, horizon)
    for spec in applied:
        candidates.extend(_spec_dates(spec, unit, as_of, horizon))
    return min((d for d in candidates if d > as_of), default=None)
