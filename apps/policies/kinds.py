"""The kinds of quantified requirement and the shape of their ``params``.

One typed, frozen parameter object per kind (``TeamFloor``, ``PeriodicEvent``, …): the catalog's
validation (``validate_params``, called by the model's ``clean()``, the loader and the revision
service) checks a version's ``params`` against it, and the evaluation (apps/compliance/rules.py)
reads the same object through ``parse_params``. Defaults live here and nowhere else.
``describe_params`` renders a rule in plain Chinese for the catalog and comparison pages.

No model is imported at module level, so the pure rules can use the parameter objects; the
allowed enumeration values (evidence model choices) are looked up when validating.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

TEAM_FLOOR = "team_floor"
PERIODIC_EVENT = "periodic_event"
TRAINING_CYCLE = "training_cycle"
FACILITY_COUNT = "facility_count"
RESPONSE_TIME = "response_time"
STANDING_DOCUMENT = "standing_document"
STAFFING = "staffing"

PERIODS = {"year": "每年", "quarter": "每季度", "month": "每月"}
EVIDENCE = {"drill": "演练", "meeting": "会议", "document": "制度文件"}


# --------------------------------------------------------------------------- parameter objects
@dataclass(frozen=True)
class TeamFloor:
    """One team of the given types with at least ``min_members`` distinct active members."""

    min_members: int = 1
    team_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class PeriodicEvent:
    """At least ``min_count`` matching records in every owed calendar period. ``campaigns``
    (documents only): one record of each named campaign instead of a bare count.
    ``require_evaluation`` (drills only): a drill counts only with its evaluation recorded."""

    evidence: str = "drill"
    period: str = "year"
    min_count: int = 1
    match: tuple[tuple[str, tuple[str, ...]], ...] = ()
    campaigns: tuple[str, ...] = ()
    require_evaluation: bool = False

    def accepted(self) -> frozenset[str] | None:
        """The record types that count (the intersection of the match lists); None = any."""
        accepted: frozenset[str] | None = None
        for _field, values in self.match:
            accepted = frozenset(values) if accepted is None else accepted & frozenset(values)
        return accepted


@dataclass(frozen=True)
class TrainingCycle:
    """Per person of ``categories``: a rolling ``cycle_months``, a calendar ``period``, or (retired
    form) ``first_training_only`` within ``new_appointee_months`` of the appointment."""

    categories: tuple[str, ...] = ()
    cycle_months: int | None = None
    new_appointee_months: int | None = None
    period: str | None = None
    first_training_only: bool = False


@dataclass(frozen=True)
class FacilityCount:
    min_count: int = 1
    facility_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResponseTime:
    max_minutes: int = 10
    window_months: int = 12


@dataclass(frozen=True)
class StandingDocument:
    doc_types: tuple[str, ...] = ()
    max_age_months: int | None = None


@dataclass(frozen=True)
class Staffing:
    categories: tuple[str, ...] = ()
    min_count: int = 1


PARAMS = {
    TEAM_FLOOR: TeamFloor,
    PERIODIC_EVENT: PeriodicEvent,
    TRAINING_CYCLE: TrainingCycle,
    FACILITY_COUNT: FacilityCount,
    RESPONSE_TIME: ResponseTime,
    STANDING_DOCUMENT: StandingDocument,
    STAFFING: Staffing,
}


def _frozen(value):
    if isinstance(value, dict):
        return tuple((k, _frozen(v)) for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def parse_params(kind: str, params):
    """The typed parameter object of a (validated) version's ``params``; missing keys take the
    defaults above. Unknown kinds give None (the evaluation then reports no data)."""
    cls = PARAMS.get(kind)
    if cls is None:
        return None
    if isinstance(params, cls):
        return params
    names = {f.name for f in fields(cls)}
    values = {k: _frozen(v) for k, v in (params or {}).items() if k in names and v is not None}
    return cls(**values)


# --------------------------------------------------------------------------- validation
def _choices():
    # Imported here, not at module level: the rules import this module and must stay ORM-free.
    from apps.evidence.models import (
        Campaign,
        DocumentType,
        DrillType,
        FacilityType,
        MeetingType,
        PersonCategory,
        TeamType,
    )

    return {
        "doc_type": DocumentType, "drill_type": DrillType, "facility_type": FacilityType,
        "meeting_type": MeetingType, "person_category": PersonCategory, "team_type": TeamType,
        "campaign": Campaign,
    }


# Which field of which evidence kind ``match`` may filter on.
MATCH_FIELDS = {"drill": ("drill_type",), "meeting": ("meeting_type",), "document": ("doc_type",)}


def _is_int(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _check_enum_list(params: dict, key: str, choices, errors: list[str], required: bool = True) -> None:
    if key not in params:
        if required:
            errors.append(f"缺少参数 {key}")
        return
    value = params[key]
    allowed = set(dict(choices.choices))
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        errors.append(f"参数 {key} 应为非空列表")
        return
    unknown = sorted(set(value) - allowed)
    if unknown:
        errors.append(f"参数 {key} 含未知取值：{'、'.join(unknown)}")


def _check_int(params: dict, key: str, errors: list[str], minimum: int = 1, required: bool = True) -> None:
    if key not in params or params[key] is None:
        if required:
            errors.append(f"缺少参数 {key}")
        return
    if not _is_int(params[key], minimum):
        errors.append(f"参数 {key} 应为不小于 {minimum} 的整数")


def _check_bool(params: dict, key: str, errors: list[str]) -> None:
    if not isinstance(params.get(key, False), bool):
        errors.append(f"参数 {key} 应为 true/false")


def _team_floor(p: dict, errors: list[str], c: dict) -> None:
    _check_int(p, "min_members", errors)
    _check_enum_list(p, "team_types", c["team_type"], errors)


def _periodic_event(p: dict, errors: list[str], c: dict) -> None:
    evidence = p.get("evidence")
    if evidence not in EVIDENCE:
        errors.append(f"参数 evidence 应为 {'/'.join(EVIDENCE)} 之一")
    if p.get("period") not in PERIODS:
        errors.append(f"参数 period 应为 {'/'.join(PERIODS)} 之一")
    _check_int(p, "min_count", errors)
    match = p.get("match", {})
    if not isinstance(match, dict):
        errors.append("参数 match 应为对象")
    elif evidence in MATCH_FIELDS:
        for field in match:
            if field not in MATCH_FIELDS[evidence]:
                errors.append(f"参数 match 不支持字段 {field}")
            else:
                _check_enum_list(match, field, c[field], errors)
    if "campaigns" in p:
        if evidence != "document":
            errors.append("参数 campaigns 仅适用于 evidence: document")
        _check_enum_list(p, "campaigns", c["campaign"], errors)
    _check_bool(p, "require_evaluation", errors)
    if p.get("require_evaluation") and evidence != "drill":
        errors.append("参数 require_evaluation 仅适用于 evidence: drill")


def _training_cycle(p: dict, errors: list[str], c: dict) -> None:
    _check_enum_list(p, "categories", c["person_category"], errors)
    has_cycle = p.get("cycle_months") is not None
    has_period = "period" in p
    first_only = p.get("first_training_only", False)
    _check_bool(p, "first_training_only", errors)
    _check_int(p, "cycle_months", errors, required=False)
    _check_int(p, "new_appointee_months", errors, required=bool(first_only))
    if has_period and p["period"] not in PERIODS:
        errors.append(f"参数 period 应为 {'/'.join(PERIODS)} 之一")
    # Exactly one way of saying how often: a rolling cycle, a calendar period, or first training.
    if sum([has_cycle, has_period, bool(first_only)]) != 1:
        errors.append("须且仅须给出 cycle_months、period 或 first_training_only 之一")


def _facility_count(p: dict, errors: list[str], c: dict) -> None:
    _check_int(p, "min_count", errors)
    _check_enum_list(p, "facility_types", c["facility_type"], errors)


def _response_time(p: dict, errors: list[str], c: dict) -> None:
    _check_int(p, "max_minutes", errors)
    _check_int(p, "window_months", errors)


def _standing_document(p: dict, errors: list[str], c: dict) -> None:
    _check_enum_list(p, "doc_types", c["doc_type"], errors)
    _check_int(p, "max_age_months", errors, required=False)


def _staffing(p: dict, errors: list[str], c: dict) -> None:
    _check_enum_list(p, "categories", c["person_category"], errors)
    _check_int(p, "min_count", errors)


VALIDATORS = {
    TEAM_FLOOR: _team_floor,
    PERIODIC_EVENT: _periodic_event,
    TRAINING_CYCLE: _training_cycle,
    FACILITY_COUNT: _facility_count,
    RESPONSE_TIME: _response_time,
    STANDING_DOCUMENT: _standing_document,
    STAFFING: _staffing,
}


def validate_params(kind: str, params) -> list[str]:
    """Errors in ``params`` for ``kind`` (Chinese, for the admin and the loader); [] when valid.
    The keys a kind takes are the fields of its parameter object."""
    validator = VALIDATORS.get(kind)
    if validator is None:
        return [f"未知的要求类型：{kind}"]
    if not isinstance(params, dict):
        return ["参数应为对象"]
    errors: list[str] = []
    validator(params, errors, _choices())
    unknown = sorted(set(params) - {f.name for f in fields(PARAMS[kind])})
    if unknown:
        errors.append(f"未知参数：{'、'.join(unknown)}")
    if not errors:
        parse_params(kind, params)  # the evaluation's reading of the same dict
    return errors


# --------------------------------------------------------------------------- description
def _join(values, choices) -> str:
    labels = dict(choices.choices)
    return "/".join(labels.get(v, v) for v in values)


def describe_params(kind: str, params: dict) -> str:
    """The rule in one plain Chinese phrase, e.g. 「综合队伍不少于30人」."""
    c = _choices()
    p = parse_params(kind, params if isinstance(params, dict) else {})
    if isinstance(p, TeamFloor):
        return f"一支{_join(p.team_types, c['team_type'])}救援队伍不少于{p.min_members}人"
    if isinstance(p, PeriodicEvent):
        what = EVIDENCE.get(p.evidence, p.evidence)
        for field, values in p.match:
            what = _join(values, c[field]) if field in c else what
        if p.campaigns:
            return f"{PERIODS.get(p.period, '')}{_join(p.campaigns, c['campaign'])}各至少1次{what}"
        text = f"{PERIODS.get(p.period, '')}至少{p.min_count}次{what}"
        return text + ("（须记录评估结论）" if p.require_evaluation else "")
    if isinstance(p, TrainingCycle):
        who = _join(p.categories, c["person_category"])
        if p.first_training_only:
            return f"新任{who}任职{p.new_appointee_months}个月内完成培训"
        if p.period:
            return f"{who}{PERIODS.get(p.period, '')}至少培训1次"
        text = f"{who}每{p.cycle_months}个月至少培训1次"
        if p.new_appointee_months:
            text += f"，新任职{p.new_appointee_months}个月内培训"
        return text
    if isinstance(p, FacilityCount):
        return f"{_join(p.facility_types, c['facility_type'])}合计不少于{p.min_count}处(台)"
    if isinstance(p, ResponseTime):
        return f"预警信息{p.max_minutes}分钟内传递到下一级（统计近{p.window_months}个月）"
    if isinstance(p, StandingDocument):
        text = f"现行有效的{_join(p.doc_types, c['doc_type'])}"
        if p.max_age_months:
            text += f"（不超过{p.max_age_months}个月）"
        return text
    if isinstance(p, Staffing):
        return f"{_join(p.categories, c['person_category'])}不少于{p.min_count}人"
    return ""
