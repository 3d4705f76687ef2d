"""Pure rules of the catalog: which version applies to which unit, and why; quote matching.

No ORM here: functions take any objects with the right attributes (a RequirementVersion or a
stand-in; a Unit or a (province_code, level, flags) group) and an explicit ``as_of`` date.
"""

from __future__ import annotations

import re
from datetime import date

from apps.jurisdictions.codes import FLAG_LABELS, Level, effective_flags

_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Text compared for quotes: whitespace and line breaks removed (the Shanxi text breaks lines
    mid-sentence, Beijing writes 「每 5 年」), and Markdown emphasis markers dropped (Tianjin
    wraps clause titles in ``**``)."""
    return _WHITESPACE.sub("", text or "").replace("**", "")


def quote_in(quote: str, text: str) -> bool:
    q = normalize_text(quote)
    return bool(q) and q in normalize_text(text)


def split_marked(value: str) -> list[str]:
    """",township,village," -> ["township", "village"]."""
    return [v for v in (value or "").split(",") if v]


def mark(values) -> str:
    """["village", "township"] -> ",township,village," (sorted, the stored form)."""
    if isinstance(values, str):
        values = split_marked(values) if "," in values else [values]
    values = sorted({v.strip() for v in values if v and v.strip()})
    return f",{','.join(values)}," if values else ""


def applies(*, levels, scope_province_code: str, flags_any, effective_from: date, code: str, level: str,
            province_code: str, flags, as_of: date) -> bool:
    """THE applicability rule (docs/catalog.md), used by the catalog pages and the evaluation alike:
    the unit's level is listed, the province scope is blank or the unit's, the unit carries one of
    the any-of flags (its effective flags: ``community`` is derived from a village's code), and
    the version is in force. ``levels`` / ``flags_any`` / ``flags``: iterables or marked strings."""
    if isinstance(levels, str):
        levels = split_marked(levels)
    if isinstance(flags_any, str):
        flags_any = split_marked(flags_any)
    if level not in levels:
        return False
    if scope_province_code and scope_province_code != province_code:
        return False
    if flags_any and not set(flags_any) & effective_flags(code, level, flags):
        return False
    return effective_from <= as_of


def matches(version, *, code: str = "", province_code: str, level: str, flags: str, as_of: date) -> bool:
    """``applies`` for a RequirementVersion (or anything with its attributes)."""
    return applies(levels=version.levels, scope_province_code=version.scope_province_code,
                   flags_any=version.flags_any, effective_from=version.effective_from, code=code, level=level,
                   province_code=province_code, flags=flags, as_of=as_of)


def own_citations(citations, province_code: str) -> list:
    """The citations a unit is shown: central documents and its own province's only, each clause
    once (the first quote of a clause stands for it). A Shanxi township never cites 北京 or 天津."""
    seen, result = set(), []
    for c in citations:
        scope = c.clause.document.scope_province_code
        if (scope and scope != province_code) or c.clause_id in seen:
            continue
        seen.add(c.clause_id)
        result.append(c)
    return result


def explain(version, unit, as_of: date, province_name: str = "") -> list[str]:
    """Why ``version`` applies to ``unit`` on ``as_of``: scope, level, flags, date, version."""
    if version.scope_province_code:
        scope = f"适用范围：{province_name or version.scope_province_code}（本单位所在省份）"
    else:
        scope = "适用范围：全国"
    levels = "、".join(Level.LABELS.get(lv, lv) for lv in split_marked(version.levels))
    reasons = [scope, f"适用层级：{levels}；本单位为{Level.LABELS.get(unit.level, unit.level)}"]
    wanted = split_marked(version.flags_any)
    if wanted:
        own = effective_flags(unit.code, unit.level, unit.flags)
        hit = [FLAG_LABELS.get(f, f) for f in wanted if f in own]
        reasons.append(f"风险条件：{'或'.join(FLAG_LABELS.get(f, f) for f in wanted)}（本单位已标识：{'、'.join(hit)}）")
    else:
        reasons.append("风险条件：无（所有同级单位适用）")
    reasons.append(f"生效日期：{version.effective_from.isoformat()}（评价日 {as_of.isoformat()} 已生效）")
    text = f"版本：第{version.version}版"
    if getattr(version, "change_reason", ""):
        text += f"（{version.change_reason}）"
    if not version.binding:
        text += "；倡导性要求，仅作提示，不计分"
    if version.deadline:
        text += f"；完成期限 {version.deadline.isoformat()}"
    reasons.append(text)
    return reasons
