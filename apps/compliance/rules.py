"""The evaluation core: plain Python, no ORM.

Input: a requirement version (``Spec``), a unit (``UnitFacts``), the unit's evidence
(``Evidence``) and an explicit ``as_of`` date. Output: ``RequirementResult`` / ``UnitEvaluation``
(apps/compliance/results.py). The semantics are documented for users in docs/semantics.md;
keep the two in step.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from apps.compliance.results import RequirementResult, Source, Status, Task, UnitEvaluation

DEFAULT_DUE_SOON_DAYS = 30
STATUS_WINDOW_MONTHS = 12  # missed periods that ended earlier drop out of the status


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
    params: dict
    effective_from: date
    topic: str = ""
    levels: tuple[str, ...] = ("township", "village")
    scope_province_code: str = ""
    flags_any: tuple[str, ...] = ()
    deadline: date | None = None
    binding: bool = True
    weight: float = 0.0
    sources: tuple[Source, ...] = ()


@dataclass(frozen=True)
class UnitFacts:
    code: str
    name: str
    level: str
    province_code: str = ""
    flags: tuple[str, ...] = ()
    tracking_start: date | None = None


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class MemberFact:
    id: int
    team_type: str
    name: str
    id_number: str
    joined_on: date
    left_on: date | None = None


@dataclass(frozen=True)
class EventFact:
    """A dated record: a drill, a meeting or a standing document."""

    id: int
    type: str  # drill_type / meeting_type / doc_type
    on: date
    valid_until: date | None = None


@dataclass(frozen=True)
class FacilityFact:
    id: int
    facility_type: str
    quantity: int
    in_service_from: date
    in_service_to: date | None = None


@dataclass(frozen=True)
class RelayFact:
    id: int
    warning_id: str
    received_on: date  # local date of reception
    minutes: float


@dataclass
class Evidence:
    people: list[PersonFact] = field(default_factory=list)
    trainings: list[TrainingFact] = field(default_factory=list)
    members: list[MemberFact] = field(default_factory=list)
    drills: list[EventFact] = field(default_factory=list)
    meetings: list[EventFact] = field(default_factory=list)
    documents: list[EventFact] = field(default_factory=list)
    facilities: list[FacilityFact] = field(default_factory=list)
    relays: list[RelayFact] = field(default_factory=list)


@dataclass(frozen=True)
class Settings:
    due_soon_days: int = DEFAULT_DUE_SOON_DAYS
    grade_excellent: float = 90
    grade_pass: float = 60


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------
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


def period_label(start: date, period: str) -> str:
    if period == "year":
        return f"{start.year}年度"
    if period == "quarter":
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    return f"{start.year}年{start.month}月"


# ---------------------------------------------------------------------------
# Applicability (the matching rule of the policies contract)
# ---------------------------------------------------------------------------
def applies(spec: Spec, unit: UnitFacts, as_of: date) -> bool:
    return (
        unit.level in spec.levels
        and (not spec.scope_province_code or spec.scope_province_code == unit.province_code)
        and (not spec.flags_any or bool(set(spec.flags_any) & set(unit.flags)))
        and spec.effective_from <= as_of
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


def _open_status(due: date, as_of: date, cfg: Settings) -> str:
    """An unmet obligation with this due date (the due date itself is still in time)."""
    if due < as_of:
        return Status.OVERDUE
    if (due - as_of).days <= cfg.due_soon_days:
        return Status.DUE_SOON
    return Status.PENDING


def start_date(spec: Spec, unit: UnitFacts) -> date:
    """Obligations run from the later of the version's effective date and the unit's tracking start."""
    if unit.tracking_start and unit.tracking_start > spec.effective_from:
        return unit.tracking_start
    return spec.effective_from


def _periodic_event(spec: Spec, unit: UnitFacts, ev: Evidence, as_of: date, cfg: Settings) -> _Verdict:
    p = spec.params
    period = p.get("period", "year")
    min_count = int(p.get("min_count", 1))
    source = {"drill": ev.drills, "meeting": ev.meetings, "document": ev.documents}[p.get("evidence", "drill")]
    accepted: set[str] | None = None
    for values in (p.get("match") or {}).values():
        accepted = set(values) if accepted is None else accepted & set(values)
    events = [e for e in source if e.on <= as_of and (accepted is None or e.type in accepted)]
    window_start = add_months(as_of, -STATUS_WINDOW_MONTHS)
    tasks = []
    current_count = 0
    for start, end in periods(start_date(spec, unit), as_of, period):
        inside = sorted((e for e in events if start <= e.on <= end), key=lambda e: e.on)
        label = period_label(start, period)
        if end >= as_of:
            current_count = len(inside)
        if len(inside) >= min_count:
            status, missing = Status.COMPLIANT, ""
        else:
            status = _open_status(end, as_of, cfg)
            missing = f"{label}{spec.title}：应不少于{min_count}次，实有{len(inside)}次，截止 {end.isoformat()}"
        tasks.append(
            Task(
                requirement=spec.requirement, unit=unit.code, status=status, due=end, period_start=start,
                period_end=end, subject=label, missing=missing,
                evidence=[f"{p.get('evidence', 'drill')}:{e.id}" for e in inside],
                in_window=end > window_start,
            )
        )
    return _Verdict(tasks, current_count, min_count)


def _person_in_post(person: PersonFact, on: date) -> bool:
    return person.appointed_on <= on and (person.left_on is None or person.left_on > on)


def _training_cycle(spec: Spec, unit: UnitFacts, ev: Evidence, as_of: date, cfg: Settings) -> _Verdict:
    p = spec.params
    categories = set(p.get("categories") or [])
    audience = [x for x in ev.people if x.category in categories and _person_in_post(x, as_of)]
    start = start_date(spec, unit)
    if p.get("first_training_only"):
        # Only people appointed while the requirement is in force are "new appointees".
        audience = [x for x in audience if x.appointed_on >= start]
    trained: dict[int, list[date]] = {}
    for t in ev.trainings:
        if t.held_on <= as_of:
            trained.setdefault(t.person_id, []).append(t.held_on)
    tasks: list[Task] = []
    current = 0
    for person in sorted(audience, key=lambda x: (x.name, x.id)):
        dates = sorted(d for d in trained.get(person.id, []) if d >= person.appointed_on)
        if p.get("period"):
            own = _per_period_person_tasks(spec, unit, person, dates, as_of, cfg)
        else:
            own = [_cycle_person_task(spec, unit, person, dates, as_of, cfg)]
        current += not any(t.status == Status.OVERDUE and t.in_window for t in own)
        tasks.extend(own)
    if not audience:
        return _Verdict([], None, None, Status.NO_DATA)
    return _Verdict(tasks, current, len(audience))


def _cycle_person_task(spec, unit, person, dates, as_of, cfg) -> Task:
    p = spec.params
    new_months = p.get("new_appointee_months")
    if p.get("first_training_only"):
        due = add_months(person.appointed_on, int(new_months or p.get("cycle_months") or 12))
        done = [d for d in dates if d <= due]
        status = Status.COMPLIANT if done else _open_status(due, as_of, cfg)
        missing = "" if done else f"{person.name}：新任职后应于 {due.isoformat()} 前参加培训"
        return Task(spec.requirement, unit.code, status, due, subject=_subject(person), missing=missing,
                    evidence=[f"training:{d.isoformat()}" for d in done[:1]])
    cycle = int(p.get("cycle_months") or 12)
    if dates:
        due = add_months(dates[-1], cycle)
        missing = f"{person.name}：上次培训 {dates[-1].isoformat()}，应于 {due.isoformat()} 前再次培训"
    else:
        due = add_months(person.appointed_on, int(new_months or cycle))
        missing = f"{person.name}：任职以来未参加培训，应于 {due.isoformat()} 前培训"
    status = _open_status(due, as_of, cfg)
    if status == Status.PENDING:
        status, missing = Status.COMPLIANT, ""
    return Task(spec.requirement, unit.code, status, due, subject=_subject(person), missing=missing,
                evidence=[f"training:{dates[-1].isoformat()}"] if dates else [])


def _per_period_person_tasks(spec, unit, person, dates, as_of, cfg) -> list[Task]:
    period = spec.params["period"]
    window_start = add_months(as_of, -STATUS_WINDOW_MONTHS)
    first = max(start_date(spec, unit), person.appointed_on)
    tasks = []
    for start, end in periods(first, as_of, period):
        done = [d for d in dates if start <= d <= end]
        label = period_label(start, period)
        status = Status.COMPLIANT if done else _open_status(end, as_of, cfg)
        tasks.append(
            Task(spec.requirement, unit.code, status, end, start, end, subject=_subject(person),
                 missing="" if done else f"{person.name}：{label}未参加培训，截止 {end.isoformat()}",
                 evidence=[f"training:{d.isoformat()}" for d in done], in_window=end > window_start)
        )
    return tasks


def _subject(person: PersonFact) -> str:
    return person.name


def _floor(spec: Spec, unit: UnitFacts, actual: float, target: float, what: str, as_of: date,
           cfg: Settings) -> _Verdict:
    """A minimum to hold on the as-of date; before a deadline a shortfall is only pending."""
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
    return _Verdict([task], actual, target)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def _team_floor(spec, unit, ev, as_of, cfg) -> _Verdict:
    p = spec.params
    types = set(p.get("team_types") or [])
    active = {
        (m.id_number or f"name:{m.name}")
        for m in ev.members
        # A member counts while joined_on <= d < left_on: leaving on the as-of date means gone.
        if (not types or m.team_type in types) and m.joined_on <= as_of and (m.left_on is None or m.left_on > as_of)
    }
    return _floor(spec, unit, len(active), int(p.get("min_members", 1)), "救援队伍在册人数", as_of, cfg)


def _facility_count(spec, unit, ev, as_of, cfg) -> _Verdict:
    p = spec.params
    types = set(p.get("facility_types") or [])
    total = sum(
        f.quantity
        for f in ev.facilities
        if (not types or f.facility_type in types)
        and f.in_service_from <= as_of
        and (f.in_service_to is None or f.in_service_to > as_of)
    )
    return _floor(spec, unit, total, int(p.get("min_count", 1)), "在用设施装备数量", as_of, cfg)


def _staffing(spec, unit, ev, as_of, cfg) -> _Verdict:
    p = spec.params
    categories = set(p.get("categories") or [])
    n = sum(1 for x in ev.people if x.category in categories and _person_in_post(x, as_of))
    return _floor(spec, unit, n, int(p.get("min_count", 1)), "在岗人员数", as_of, cfg)


def _standing_document(spec, unit, ev, as_of, cfg) -> _Verdict:
    p = spec.params
    types = set(p.get("doc_types") or [])
    max_age = p.get("max_age_months")
    oldest = add_months(as_of, -int(max_age)) if max_age else None
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
    p = spec.params
    limit = float(p.get("max_minutes", 10))
    since = add_months(as_of, -int(p.get("window_months", 12)))
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
    if not tasks:
        tasks.append(Task(spec.requirement, unit.code, Status.COMPLIANT, None, subject="预警叫应",
                          evidence=[f"relay:{r.id}" for r in relays]))
    return _Verdict(tasks, round(max(r.minutes for r in relays), 1), limit)


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
def evaluate_requirement(spec: Spec, unit: UnitFacts, evidence: Evidence, as_of: date,
                         cfg: Settings = Settings()) -> RequirementResult:
    rule = KIND_RULES.get(spec.kind)
    if rule is None:
        verdict = _Verdict([], None, None, Status.NO_DATA)
    else:
        verdict = rule(spec, unit, evidence, as_of, cfg)
    counted = [t for t in verdict.tasks if t.in_window]
    status = Status.worst(t.status for t in counted) if counted else (verdict.empty_status or Status.COMPLIANT)
    open_tasks = sorted((t for t in counted if t.status != Status.COMPLIANT and t.due), key=lambda t: t.due)
    due = open_tasks[0].due if open_tasks else None
    missing = "；".join(t.missing for t in counted if t.status in Status.BAD and t.missing)
    return RequirementResult(
        requirement=spec.requirement, version=spec.version, title=spec.title, kind=spec.kind, topic=spec.topic,
        status=status, due=due, actual=verdict.actual, target=verdict.target, advisory=not spec.binding,
        weight=0.0, deducted=0.0, sources=list(spec.sources), tasks=verdict.tasks, missing=missing,
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
    """考核评分表 practice: binding weights scaled to 100; a requirement in bad standing deducts its
    points (equal points when the catalog gives none). Advisory results are never scored."""
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
        result.deducted = round(points, 2) if result.status in Status.BAD else 0.0
        deductions += points if result.status in Status.BAD else 0.0
    return round(max(0.0, 100 - deductions), 1)


def evaluate_unit(unit: UnitFacts, specs: Iterable[Spec], evidence: Evidence, as_of: date,
                  cfg: Settings = Settings()) -> UnitEvaluation:
    """Every applicable requirement of one unit, scored. ``specs`` may hold versions that do not
    apply to this unit; they are filtered here with the catalog's matching rule."""
    applicable = [s for s in sorted(specs, key=lambda s: s.requirement) if applies(s, unit, as_of)]
    results = [evaluate_requirement(spec, unit, evidence, as_of, cfg) for spec in applicable]
    score = score_results(results, [spec.weight for spec in applicable])
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    return UnitEvaluation(unit=unit.code, unit_name=unit.name, level=unit.level, as_of=as_of, score=score,
                          grade=grade_for(score, cfg), results=results, counts=counts)
