"""The kinds of quantified requirement and the shape of their ``params``.

One declaration per kind: which keys it takes, their types and, for enumerations, the evidence
model choice VALUES they may hold. ``validate_params`` is called by the model's ``clean()``, the
catalog loader and the revision service, so a malformed rule can never reach the evaluation.
``describe_params`` renders a rule in plain Chinese for the catalog and comparison pages.

The shapes are a contract shared with apps/compliance/rules.py (see docs/catalog.md).
"""

from __future__ import annotations

from apps.evidence.models import DocumentType, DrillType, FacilityType, MeetingType, PersonCategory, TeamType

TEAM_FLOOR = "team_floor"
PERIODIC_EVENT = "periodic_event"
TRAINING_CYCLE = "training_cycle"
FACILITY_COUNT = "facility_count"
RESPONSE_TIME = "response_time"
STANDING_DOCUMENT = "standing_document"
STAFFING = "staffing"

PERIODS = {"year": "每年", "quarter": "每季度", "month": "每月"}
EVIDENCE = {"drill": "演练", "meeting": "会议", "document": "制度文件"}
# Which field of which evidence kind ``match`` may filter on, and its allowed values.
MATCH_FIELDS = {
    "drill": {"drill_type": DrillType},
    "meeting": {"meeting_type": MeetingType},
    "document": {"doc_type": DocumentType},
}


def _labels(choices) -> dict[str, str]:
    return dict(choices.choices)


def _is_int(value, minimum: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


def _check_enum_list(params: dict, key: str, choices, errors: list[str], required: bool = True) -> None:
    if key not in params:
        if required:
            errors.append(f"缺少参数 {key}")
        return
    value = params[key]
    allowed = set(_labels(choices))
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


def _team_floor(p: dict, errors: list[str]) -> set[str]:
    _check_int(p, "min_members", errors)
    _check_enum_list(p, "team_types", TeamType, errors)
    return {"min_members", "team_types"}


def _periodic_event(p: dict, errors: list[str]) -> set[str]:
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
            choices = MATCH_FIELDS[evidence].get(field)
            if choices is None:
                errors.append(f"参数 match 不支持字段 {field}")
            else:
                _check_enum_list(match, field, choices, errors)
    return {"evidence", "period", "min_count", "match"}


def _training_cycle(p: dict, errors: list[str]) -> set[str]:
    _check_enum_list(p, "categories", PersonCategory, errors)
    has_cycle = p.get("cycle_months") is not None
    has_period = "period" in p
    first_only = p.get("first_training_only", False)
    if not isinstance(first_only, bool):
        errors.append("参数 first_training_only 应为 true/false")
    _check_int(p, "cycle_months", errors, required=False)
    _check_int(p, "new_appointee_months", errors, required=bool(first_only))
    if has_period and p["period"] not in PERIODS:
        errors.append(f"参数 period 应为 {'/'.join(PERIODS)} 之一")
    # Exactly one way of saying how often: a rolling cycle, a calendar period, or first training.
    if sum([has_cycle, has_period, bool(first_only)]) != 1:
        errors.append("须且仅须给出 cycle_months、period 或 first_training_only 之一")
    return {"categories", "cycle_months", "new_appointee_months", "period", "first_training_only"}


def _facility_count(p: dict, errors: list[str]) -> set[str]:
    _check_int(p, "min_count", errors)
    _check_enum_list(p, "facility_types", FacilityType, errors)
    return {"min_count", "facility_types"}


def _response_time(p: dict, errors: list[str]) -> set[str]:
    _check_int(p, "max_minutes", errors)
    _check_int(p, "window_months", errors)
    return {"max_minutes", "window_months"}


def _standing_document(p: dict, errors: list[str]) -> set[str]:
    _check_enum_list(p, "doc_types", DocumentType, errors)
    _check_int(p, "max_age_months", errors, required=False)
    return {"doc_types", "max_age_months"}


def _staffing(p: dict, errors: list[str]) -> set[str]:
    _check_enum_list(p, "categories", PersonCategory, errors)
    _check_int(p, "min_count", errors)
    return {"categories", "min_count"}


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
    """Errors in ``params`` for ``kind`` (Chinese, for the admin and the loader); [] when valid."""
    validator = VALIDATORS.get(kind)
    if validator is None:
        return [f"未知的要求类型：{kind}"]
    if not isinstance(params, dict):
        return ["参数应为对象"]
    errors: list[str] = []
    allowed = validator(params, errors)
    unknown = sorted(set(params) - allowed)
    if unknown:
        errors.append(f"未知参数：{'、'.join(unknown)}")
    return errors


def _join(values, choices) -> str:
    labels = _labels(choices)
    return "/".join(labels.get(v, v) for v in values)


def describe_params(kind: str, params: dict) -> str:
    """The rule in one plain Chinese phrase, e.g. 「综合队伍不少于30人」."""
    p = params or {}
    if kind == TEAM_FLOOR:
        return f"{_join(p.get('team_types', []), TeamType)}救援队伍不少于{p.get('min_members')}人"
    if kind == PERIODIC_EVENT:
        evidence = p.get("evidence", "")
        what = EVIDENCE.get(evidence, evidence)
        for field, values in (p.get("match") or {}).items():
            choices = MATCH_FIELDS.get(evidence, {}).get(field)
            what = _join(values, choices) if choices else what
        return f"{PERIODS.get(p.get('period'), '')}至少{p.get('min_count')}次{what}"
    if kind == TRAINING_CYCLE:
        who = _join(p.get("categories", []), PersonCategory)
        if p.get("first_training_only"):
            return f"新任{who}任职{p.get('new_appointee_months')}个月内完成培训"
        if p.get("period"):
            return f"{who}{PERIODS.get(p['period'], '')}至少培训1次"
        text = f"{who}每{p.get('cycle_months')}个月至少培训1次"
        if p.get("new_appointee_months"):
            text += f"，新任职{p['new_appointee_months']}个月内培训"
        return text
    if kind == FACILITY_COUNT:
        return f"{_join(p.get('facility_types', []), FacilityType)}合计不少于{p.get('min_count')}处(台)"
    if kind == RESPONSE_TIME:
        return f"预警信息{p.get('max_minutes')}分钟内传递到下一级（统计近{p.get('window_months')}个月）"
    if kind == STANDING_DOCUMENT:
        text = f"现行有效的{_join(p.get('doc_types', []), DocumentType)}"
        if p.get("max_age_months"):
            text += f"（不超过{p['max_age_months']}个月）"
        return text
    if kind == STAFFING:
        return f"{_join(p.get('categories', []), PersonCategory)}不少于{p.get('min_count')}人"
    return ""
