"""What a scorecard says, built from a raw snapshot. Pure: no ORM, no clock, no settings.

A *raw snapshot* is plain JSON (what a Seal freezes)::

    {"root": code, "as_of": "YYYY-MM-DD", "thresholds": [90, 60],
     "ancestors": [{"code", "name", "level"}],            # above the root, province first
     "units": [{"code", "name", "level", "parent"}],      # the root's whole subtree
     "evaluations": {code: UnitEvaluation.to_dict()},
     "rollups": {code: {"own_score", "subtree_score", "grade", "counts"}},
     "overdue": [OverdueRow as dict]}

``build_payload(raw, code)`` turns it into the scorecard *payload* for any unit of that subtree
(a township scorecard can come from a county seal). The PDF and the Excel twin render only the
payload; its fingerprint decides whether a stored file can be returned again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal

from apps.compliance.results import Status, days_late, days_text
from apps.compliance.rules import percent_text, rate
from apps.jurisdictions.codes import Level, subtree_range

# Symbols next to the status text so a black-and-white print still tells them apart.
STATUS_MARKS = {
    Status.COMPLIANT: "○",
    Status.PENDING: "△",
    Status.DUE_SOON: "△",
    Status.OVERDUE: "×",
    Status.NON_COMPLIANT: "×",
    Status.NO_DATA: "—",
}
OVERDUE_ROWS_IN_PDF = 200
LEVEL_TITLES = {Level.COUNTY: "县级", Level.TOWNSHIP: "乡镇(街道)", Level.VILLAGE: "村(社区)"}


def jsonable(value):
    """Dates, decimals and dataclasses to JSON types, recursively."""
    if is_dataclass(value) and not isinstance(value, type):
        value = asdict(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "code") and hasattr(value, "level"):  # a Unit passed where a code is meant
        return value.code
    return value


def canonical(value) -> bytes:
    return json.dumps(jsonable(value), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def fingerprint(value) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


def status_cell(status: str) -> dict:
    return {
        "status": status,
        "label": Status.LABELS.get(status, status),
        "colour": Status.COLOURS.get(status, "grey"),
        "mark": STATUS_MARKS.get(status, ""),
    }


def _fmt_number(value) -> str:
    if value is None:
        return "—"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def _source_text(sources: list[dict]) -> str:
    return "；".join(f"{s.get('document', '')}{s.get('clause', '')}" for s in sources) or "—"


def requirement_rows(evaluation: dict | None) -> list[dict]:
    if not evaluation:
        return []
    rows = []
    for r in evaluation.get("results", []):
        rows.append(
            {
                "requirement": r["requirement"],
                "title": r["title"],
                **status_cell(r["status"]),
                "due": r.get("due") or "",
                "actual": _fmt_number(r.get("actual")),
                "target": _fmt_number(r.get("target")),
                "advisory": bool(r.get("advisory")),
                "weight": _fmt_number(r.get("weight")),
                "deducted": _fmt_number(r.get("deducted")) if not r.get("advisory") else "不计分",
                "source": _source_text(r.get("sources") or []),
                "missing": r.get("missing") or "",
            }
        )
    # Binding first, then by severity so the problems are on top.
    rows.sort(key=lambda x: (x["advisory"], _severity(x["status"]), x["requirement"]))
    return rows


def superseded_rows(evaluation: dict | None) -> list[dict]:
    """Requirements not scored for the unit because a provincial one restates them (「由…替代」)."""
    return [{k: s.get(k, "") for k in ("requirement", "title", "by", "by_title")}
            for s in (evaluation or {}).get("superseded") or []]


def _severity(status: str) -> int:
    return Status.SEVERITY.index(status) if status in Status.SEVERITY else len(Status.SEVERITY)


def _summary(rollup: dict | None, evaluation: dict | None) -> dict:
    rollup = rollup or {}
    counts = rollup.get("counts") or (evaluation or {}).get("counts") or {}
    return {
        "own_score": _fmt_number(rollup.get("own_score", (evaluation or {}).get("score"))),
        "subtree_score": _fmt_number(rollup.get("subtree_score")),
        "grade": rollup.get("grade") or (evaluation or {}).get("grade") or "—",
        "counts": [
            {**status_cell(s), "n": int(counts.get(s, 0))} for s in Status.SEVERITY
        ],
    }


def _unit_info(unit: dict, by_code: dict[str, dict]) -> dict:
    chain, parent = [], unit.get("parent")
    while parent and parent in by_code:
        chain.insert(0, by_code[parent]["name"])
        parent = by_code[parent].get("parent")
    return {
        "code": unit["code"],
        "name": unit["name"],
        "level": unit["level"],
        "level_label": Level.LABELS.get(unit["level"], unit["level"]),
        "chain": chain,
    }


def _child_rows(raw: dict, parent_code: str) -> list[dict]:
    rows = []
    for u in sorted((u for u in raw["units"] if u.get("parent") == parent_code), key=lambda u: u["code"]):
        s = _summary(raw["rollups"].get(u["code"]), raw["evaluations"].get(u["code"]))
        rows.append({"code": u["code"], "name": u["name"], "level": u["level"], **s})
    return rows


def _overdue_rows(raw: dict, unit: dict) -> list[dict]:
    rng = subtree_range(unit["code"], unit["level"])
    rows = []
    for r in raw.get("overdue", []):
        code = r.get("unit") or ""
        if rng.low <= code <= rng.high:
            rows.append(
                {
                    "unit": code,
                    "unit_name": r.get("unit_name", ""),
                    "requirement": r.get("requirement", ""),
                    "title": r.get("requirement_title", ""),
                    "due": r.get("due") or "",
                    "days_overdue": r.get("days_overdue") or 0,
                    # What the PDF and the Excel twin print: never a negative number of days.
                    "days_late": days_late(r.get("days_overdue")),
                    "due_text": days_text(r.get("days_overdue"), r.get("due")),
                    **status_cell(r.get("status", Status.OVERDUE)),
                    "source": r.get("source", ""),
                    "missing": r.get("missing", ""),
                }
            )
    rows.sort(key=lambda x: (-(x["days_overdue"] or 0), x["unit"], x["requirement"]))
    return rows


def _reporting_figures(name: str, code: str, expected: int, reported: int, on_time: int) -> dict:
    reporting, timely = rate(reported, expected), rate(on_time, expected)
    return {"code": code, "name": name, "expected": expected, "reported": reported, "on_time": on_time,
            "missing": expected - reported, "reporting_rate": reporting, "timely_rate": timely,
            "reporting_pct": percent_text(reporting), "timely_pct": percent_text(timely)}


def reporting_section(raw: dict, unit: dict) -> dict | None:
    """报送纪律: 报送率 and 及时率 of the scorecard's year per child unit (a county's townships, each
    with its villages) and in total, from the raw snapshot's per-unit figures. None for a raw
    snapshot sealed before these figures were collected."""
    reporting = raw.get("reporting")
    if reporting is None:
        return None
    figures = reporting["units"]

    def summed(low: str, high: str, only: str = "") -> list[int]:
        rows = [v for c, v in figures.items() if (c == only if only else low <= c <= high)]
        return [sum(v[i] for v in rows) for i in range(3)]

    rows = []
    for child in sorted((u for u in raw["units"] if u.get("parent") == unit["code"]), key=lambda u: u["code"]):
        rng = subtree_range(child["code"], child["level"])
        rows.append(_reporting_figures(child["name"], child["code"], *summed(rng.low, rng.high)))
    own = summed("", "", only=unit["code"])
    if own[0]:
        rows.insert(0, _reporting_figures(f"{unit['name']}本级", unit["code"], *own))
    rng = subtree_range(unit["code"], unit["level"])
    return {"period": reporting["period"], "deadline_days": reporting["deadline_days"], "rows": rows,
            "total": _reporting_figures("合计", unit["code"], *summed(rng.low, rng.high))}


def build_payload(raw: dict, code: str, seal: dict | None = None) -> dict:
    """The scorecard content for unit ``code`` of the raw snapshot's subtree."""
    by_code = {u["code"]: u for u in raw.get("ancestors", [])}
    by_code.update({u["code"]: u for u in raw["units"]})
    unit = by_code[code]
    info = _unit_info(unit, by_code)
    overdue = _overdue_rows(raw, unit)
    excellent, passing = raw.get("thresholds") or (90, 60)
    payload = {
        "as_of": raw["as_of"],
        "unit": info,
        "kind": "county" if unit["level"] in (Level.PROVINCE, Level.CITY, Level.COUNTY) else unit["level"],
        "summary": _summary(raw["rollups"].get(code), raw["evaluations"].get(code)),
        "requirements": requirement_rows(raw["evaluations"].get(code)),
        "superseded": superseded_rows(raw["evaluations"].get(code)),
        "overdue": overdue,  # the PDF prints the first OVERDUE_ROWS_IN_PDF, the Excel twin all
        "children": _child_rows(raw, code),
        "sections": [],
        "reporting": None,  # county scorecards: 报送率、及时率 per township (reporting_section)
        "thresholds": {"excellent": excellent, "pass": passing},
        "seal": seal,
    }
    if payload["kind"] == "county":
        payload["reporting"] = reporting_section(raw, unit)
        for child in payload["children"]:
            payload["sections"].append(
                {
                    "unit": _unit_info(by_code[child["code"]], by_code),
                    "summary": {k: child[k] for k in ("own_score", "subtree_score", "grade", "counts")},
                    "requirements": requirement_rows(raw["evaluations"].get(child["code"])),
                    "children": _child_rows(raw, child["code"]),
                }
            )
    return payload


def method_text(thresholds: dict) -> str:
    return (
        "评分方法：对本单位在基准日适用的各项约束性要求，按其分值比例折算为合计 100 分；"
        "得分 = 100 − 各项扣分之和（扣分见明细表“扣分”栏），未达标或逾期的要求按缺项比例扣除其折算分值"
        "（每缺一项扣分），应有对象未录入的“无数据（扣分）”扣除全部折算分值；由本省要求替代的中央要求不重复计分。"
        "倡导性（非约束性）要求仅列示，不计分，也不列入逾期任务。"
        f"等级：{thresholds['excellent']} 分及以上为“优秀”，{thresholds['pass']} 分及以上为“合格”，"
        "其余为“不合格”。下级汇总得分为本单位及其下级各单位得分的汇总。"
    )
