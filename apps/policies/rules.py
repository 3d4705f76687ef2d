"""Pure rules of the catalog: which version applies to which unit, and why; quote matching.

No ORM here: functions take any objects with the right attributes (a RequirementVersion or a
stand-in; a Unit or a (province_code, level, flags) group) and an explicit ``as_of`` date.
"""

from __future__ import annotations

import re
from datetime import date

from apps.jurisdictions.codes import FLAG_LABELS, Level

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


def matches(version, *, province_code: str, level: str, flags: str, as_of: date) -> bool:
    """The matching rule (docs/catalog.md): level, province scope, any-of flags, effective date."""
    if f",{level}," not in version.levels:
        return False
    if version.scope_province_code and version.scope_province_code != province_code:
        return False
    if version.flags_any and not set(split_marked(version.flags_any)) & set(split_marked(flags)):
        return False
    return version.effective_from <= as_of


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
        hit = [FLAG_LABELS.get(f, f) for f in wanted if f in split_marked(unit.flags)]
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
