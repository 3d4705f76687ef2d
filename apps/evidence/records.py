"""Between a kind's fields (kinds.py) and its model instance: read values, set values, hash.

Two kinds have fields that live on a related object: a roster row names its team
(队伍名称/队伍类型 → Team) and a training names its person (身份证号/姓名 → Person).
"""

from __future__ import annotations

from typing import Any

from apps.core.pii import mask_id_number, mask_mobile, mask_text
from apps.evidence.kinds import ID_NUMBER, MOBILE, TEXT, UNIT, KindSpec
from apps.evidence.validation import fingerprint

RELATED = {
    "roster": {"team_name": ("team", "name"), "team_type": ("team", "team_type")},
    "trainings": {"id_number": ("person", "id_number"), "name": ("person", "name")},
}


def value_of(kind: KindSpec, obj, name: str) -> Any:
    if name == "unit_code":
        return obj.unit.code
    related = RELATED.get(kind.key, {}).get(name)
    if related:
        holder = getattr(obj, related[0], None)
        return getattr(holder, related[1]) if holder is not None else ""
    return getattr(obj, name)


def values_of(kind: KindSpec, obj, *, template_only: bool = False) -> dict[str, Any]:
    fields = kind.template_fields if template_only else kind.fields
    return {f.name: value_of(kind, obj, f.name) for f in fields}


def apply_values(kind: KindSpec, obj, values: dict[str, Any]) -> None:
    """Set the model's own fields; related ones (team, person) are resolved by the caller."""
    related = RELATED.get(kind.key, {})
    for spec in kind.fields:
        if spec.type == UNIT or spec.name in related or spec.name not in values:
            continue
        value = values[spec.name]
        if value is None and spec.type == "int" and spec.name == "quantity":
            value = 1
        setattr(obj, spec.name, value if value is not None or _nullable(obj, spec.name) else "")


def _nullable(obj, name: str) -> bool:
    return obj._meta.get_field(name).null


def record_fingerprint(kind: KindSpec, obj, *, blind: bool = True) -> str:
    values = values_of(kind, obj, template_only=True)
    unit_code = values.pop("unit_code")
    return fingerprint(kind.key, unit_code, values, blind=blind)


def display_values(kind: KindSpec, obj, *, reveal: bool) -> list[tuple[str, str, Any]]:
    """(name, label, value for display) with choices as labels and personal data masked unless
    ``reveal`` (the record's own township staff): the ID and phone fields, and ID or mobile
    numbers typed into free text (a subject, a remark)."""
    rows = []
    for spec in kind.fields:
        value = value_of(kind, obj, spec.name)
        if spec.choices and value:
            value = spec.choice_labels.get(value, value)
        elif spec.type == ID_NUMBER and value and not reveal:
            value = mask_id_number(value)
        elif spec.type == MOBILE and value and not reveal:
            value = mask_mobile(value)
        elif spec.type == TEXT and value and not reveal:
            value = mask_text(value)
        rows.append((spec.name, spec.label, value))
    return rows
