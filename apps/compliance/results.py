"""Plain result types of an evaluation: produced by rules.py, stored in snapshots, read by the
portal, the API, the overdue reports and the PDF scorecards. No Django imports."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from enum import StrEnum, nonmember


class Status(StrEnum):
    """A task's or requirement's verdict. A StrEnum (pure modules take no Django import; README
    "Enumerations"): members are ``str``, so stored snapshots and JSON carry the plain values."""

    COMPLIANT = "compliant"
    PENDING = "pending"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    NON_COMPLIANT = "non_compliant"
    NO_DATA = "no_data"

    # Worst first: a requirement's status is the worst of its tasks.
    SEVERITY = nonmember([OVERDUE, NON_COMPLIANT, DUE_SOON, PENDING, NO_DATA, COMPLIANT])
    LABELS = nonmember({
        COMPLIANT: "已达标",
        PENDING: "待完成",
        DUE_SOON: "即将到期",
        OVERDUE: "已逾期",
        NON_COMPLIANT: "未达标",
        NO_DATA: "无数据",
    })
    # 红/黄/绿/灰 on the dashboard.
    COLOURS = nonmember({
        OVERDUE: "red",
        NON_COMPLIANT: "red",
        DUE_SOON: "yellow",
        PENDING: "yellow",
        COMPLIANT: "green",
        NO_DATA: "grey",
    })
    BAD = nonmember(frozenset({OVERDUE, NON_COMPLIANT}))
    # SEVERITY as a lookup (the position of each status): worst() runs for every requirement.
    RANK = nonmember(dict(zip(SEVERITY, range(len(SEVERITY)), strict=True)))

    @classmethod
    def worst(cls, statuses) -> str:
        return min(statuses, key=cls.RANK.__getitem__, default=cls.NO_DATA)


@dataclass(slots=True)
class Source:
    document: str  # document short name, e.g. "中办国办意见"
    clause: str  # clause number, e.g. "(十三)"
    quote: str
    scope: str = ""  # the document's province code; "" = central (nationwide)


@dataclass(slots=True)
class Task:
    """One concrete obligation instance: a period's drill, a person's training, a floor."""

    requirement: str
    unit: str  # unit code
    status: str
    due: date | None
    period_start: date | None = None
    period_end: date | None = None
    subject: str = ""  # e.g. a person's name, or "2026年第4季度"
    missing: str = ""  # plain words: "2026年度综合演练未开展，截止 2026-12-31"
    evidence: list[str] = field(default_factory=list)  # "drill:17" references that satisfied it
    # False for periodic tasks whose period ended more than 12 months before the as-of date:
    # kept in the history, no longer part of the requirement's status.
    in_window: bool = True


@dataclass(slots=True)
class RequirementResult:
    requirement: str
    version: int
    title: str
    kind: str
    topic: str
    status: str
    due: date | None
    actual: float | None
    target: float | None
    advisory: bool
    weight: float
    deducted: float
    sources: list[Source]
    tasks: list[Task]
    missing: str = ""
    # The share of the obligation missed (0..1); ``deducted`` = ``weight`` × ``shortfall``.
    shortfall: float = 0.0
    # no_data that deducts in full: an audience that must exist (cadres, a team) has none recorded.
    deducts_no_data: bool = False


@dataclass(slots=True)
class UnitEvaluation:
    unit: str
    unit_name: str
    level: str
    as_of: date
    score: float | None  # own score out of 100; None when nothing binding applies
    grade: str
    results: list[RequirementResult]
    counts: dict[str, int] = field(default_factory=dict)
    # Requirements that apply but are replaced by a provincial restatement (never scored):
    # [{"requirement", "title", "by", "by_title"}], shown as 「由…替代」.
    superseded: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        """JSON-ready (dates as ISO strings); the shape stored in snapshots."""
        return _jsonable(self)

    @classmethod
    def from_dict(cls, data: dict) -> UnitEvaluation:
        results = []
        for r in data.get("results", []):
            r = dict(r)
            r["sources"] = [Source(**s) for s in r.get("sources", [])]
            r["tasks"] = [
                Task(**{**t, "due": _date(t.get("due")), "period_start": _date(t.get("period_start")),
                        "period_end": _date(t.get("period_end"))})
                for t in r.get("tasks", [])
            ]
            r["due"] = _date(r.get("due"))
            results.append(RequirementResult(**r))
        return cls(unit=data["unit"], unit_name=data["unit_name"], level=data["level"],
                   as_of=_date(data["as_of"]), score=data.get("score"), grade=data.get("grade", ""),
                   results=results, counts=dict(data.get("counts") or {}),
                   superseded=list(data.get("superseded") or []))


# The columns of a stored snapshot's ``results`` rows (Snapshot.results), one row per requirement.
COMPACT_COLUMNS = ("requirement", "version", "status", "due", "actual", "target", "deducted")


def compact_results(evaluation: UnitEvaluation) -> list[list]:
    """What pages, roll-ups and reports keep of each requirement, JSON-ready, in one pass (no
    task, source or text: those are computed again when a unit's page or PDF is opened)."""
    return [[r.requirement, r.version, r.status, r.due.isoformat() if r.due else None, r.actual, r.target,
             r.deducted] for r in evaluation.results]


def _date(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


_SCALARS = frozenset({str, int, float, bool, type(None)})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _jsonable(value):
    # One pass over the dataclasses instead of dataclasses.asdict(), which deep-copies every leaf
    # first: asdict made up half of the nightly evaluation's time (see docs/performance.md).
    cls = value.__class__
    if cls in _SCALARS:
        return value
    names = _FIELD_NAMES.get(cls)
    if names is None and is_dataclass(cls):
        names = _FIELD_NAMES.setdefault(cls, tuple(f.name for f in fields(cls)))
    if names is not None:
        return {name: _jsonable(getattr(value, name)) for name in names}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # a StrEnum member (Status): its plain value
    return value


def days_text(days_overdue: int | None, due) -> str:
    """How a reader says a task's distance to its deadline: 「逾期 5 天」, 「今天到期」 or 「3 天后到期」
    (never a negative number of days overdue). "" for a task without a deadline (a floor)."""
    if not due or days_overdue is None:
        return ""
    if days_overdue > 0:
        return f"逾期 {days_overdue} 天"
    if days_overdue == 0:
        return "今天到期"
    return f"{-days_overdue} 天后到期"


def days_late(days_overdue: int | None) -> int:
    """Days overdue for a column of numbers: 0 while the deadline has not passed (the text
    column says 「N 天后到期」)."""
    return max(0, days_overdue or 0)


NO_DATA_DEDUCTED = "无数据（扣分）"


def status_text(status: str, deducts_no_data: bool = False) -> str:
    """The status in words; a no-data result that deducts (an audience that must exist has none
    recorded) says so, so that grey never reads as harmless."""
    if deducts_no_data and status == Status.NO_DATA:
        return NO_DATA_DEDUCTED
    return Status.LABELS.get(status, status)
