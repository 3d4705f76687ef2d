"""Writes to the hierarchy. The CSV import validates every row first and saves all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import F, Q

from apps.core.audit import record_event
from apps.core.csvio import FileFormatError, read_csv_rows
from apps.jurisdictions.codes import (
    FLAG_LABELS,
    SIGNIFICANT_DIGITS,
    Level,
    allowed_child_levels,
    is_padded_for_level,
    is_valid_code,
    normalize_flags,
)
from apps.jurisdictions.models import Unit


def units_touch(units) -> int:
    """Mark ``units`` (ids, or a ``values("pk")`` queryset, which stays a subquery) and their
    counties as changed: ``data_version = data_version + 1`` in ONE UPDATE, never read-modify-
    write, so concurrent writers each add their increment. Call it in the writer's transaction,
    as late as possible (the county row stays locked until commit). The one freshness bump of
    every write that can change an evaluation (docs/performance.md, "Freshness"): evidence
    services, unit saves and the hierarchy import. Returns the rows updated."""
    chosen = Q(pk__in=units)
    counties = Unit.objects.filter(chosen).exclude(county_code="").values("county_code")
    return Unit.objects.filter(chosen | Q(code__in=counties)).update(data_version=F("data_version") + 1)


REQUIRED_COLUMNS = ["code", "name", "level", "parent_code"]
OPTIONAL_COLUMNS = ["flags", "tracking_start"]
_NAME_MAX = Unit._meta.get_field("name").max_length


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行，{self.column} 列：{self.message}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Row:
    number: int
    code: str
    name: str
    level: str
    parent_code: str
    flags: str
    tracking_start: date | None


def _parse_date(value: str) -> date:
    value = value.strip().replace("/", "-").replace("年", "-").replace("月", "-").replace("日", "")
    y, m, d = (int(p) for p in value.split("-"))
    return date(y, m, d)


def _validate(header, rows) -> tuple[list[_Row], list[RowError]]:
    errors: list[RowError] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, c, "缺少必需的列") for c in missing]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    errors += [RowError(1, c, "未知的列") for c in unknown]

    codes_in_file = {r["code"]: (n, r["level"]) for n, r in rows}
    existing = {
        u.code: u.level for u in Unit.objects.filter(code__in=[r["parent_code"] for _, r in rows if r["parent_code"]])
    }
    seen: dict[str, int] = {}
    parsed = []
    for number, r in rows:
        row_errors = []
        code, level, parent_code = r["code"], r["level"], r["parent_code"]
        if not is_valid_code(code):
            row_errors.append(RowError(number, "code", "区划代码必须是 12 位数字"))
        elif code in seen:
            row_errors.append(RowError(number, "code", f"区划代码与第 {seen[code]} 行重复"))
        seen.setdefault(code, number)
        if not r["name"]:
            row_errors.append(RowError(number, "name", "名称不能为空"))
        elif len(r["name"]) > _NAME_MAX:
            row_errors.append(RowError(number, "name", f"名称不能超过 {_NAME_MAX} 个字"))
        if level not in SIGNIFICANT_DIGITS:
            row_errors.append(RowError(number, "level", f"层级“{level}”无效，应为 {'/'.join(Level.ORDER)}"))
        elif is_valid_code(code) and not is_padded_for_level(code, level):
            row_errors.append(RowError(number, "code", f"区划代码与层级 {level} 不符（末尾位数应为 0）"))
        if level and level != Level.PROVINCE and not parent_code:
            row_errors.append(RowError(number, "parent_code", "非省级单位必须填写上级代码"))
        if parent_code and level in SIGNIFICANT_DIGITS and is_valid_code(code):
            parent_level = None
            if parent_code in codes_in_file and codes_in_file[parent_code][0] < number:
                parent_level = codes_in_file[parent_code][1]
            elif parent_code in existing:
                parent_level = existing[parent_code]
            if parent_level is None:
                row_errors.append(RowError(number, "parent_code", f"上级代码 {parent_code} 不存在，且未在前面的行中出现"))
            elif parent_level not in SIGNIFICANT_DIGITS or level not in allowed_child_levels(parent_level):
                row_errors.append(RowError(number, "level", f"层级 {level} 不能直接隶属于 {parent_level}"))
            elif not code.startswith(parent_code[: SIGNIFICANT_DIGITS[parent_level]]):
                row_errors.append(RowError(number, "code", f"区划代码与上级代码 {parent_code} 的前缀不一致"))
        flags = normalize_flags(r.get("flags", ""))
        bad_flags = [f for f in flags if f not in FLAG_LABELS]
        if bad_flags:
            row_errors.append(RowError(number, "flags", f"未知的风险标识：{'; '.join(bad_flags)}"))
        tracking = None
        if r.get("tracking_start"):
            try:
                tracking = _parse_date(r["tracking_start"])
            except ValueError:
                row_errors.append(RowError(number, "tracking_start", "日期格式应为 YYYY-MM-DD"))
        if row_errors:
            errors += row_errors
            continue
        parsed.append(_Row(number, code, r["name"], level, parent_code, ",".join(flags), tracking))
    return parsed, errors


def _chunks(items: list, size: int = 900):
    # SQLite limits the number of bound parameters in one statement.
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _existing_units(codes: set[str]) -> dict[str, Unit]:
    found: dict[str, Unit] = {}
    for chunk in _chunks(sorted(codes)):
        found.update({u.code: u for u in Unit.objects.filter(code__in=chunk)})
    return found


def import_jurisdictions(*, data: bytes, actor=None) -> ImportResult:
    """Validate the whole file; if any row is bad, save nothing and return every error.

    Writes are bulk, level by level (parents before children), so a national file of about
    700,000 units is a few hundred statements, not 700,000.
    """
    try:
        header, rows = read_csv_rows(data)
    except FileFormatError as exc:
        return ImportResult(errors=[RowError(1, "-", str(exc))])
    parsed, errors = _validate(header, rows)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    touched: list[str] = []
    with transaction.atomic():
        by_code = _existing_units({r.code for r in parsed} | {r.parent_code for r in parsed if r.parent_code})
        for level in Level.ORDER:
            to_create, to_update = [], []
            for row in (r for r in parsed if r.level == level):
                unit = by_code.get(row.code) or Unit(code=row.code)
                before = (unit.name, unit.level, unit.parent_id, unit.flags, unit.tracking_start)
                unit.name, unit.level = row.name, row.level
                unit.parent = by_code.get(row.parent_code) if row.parent_code else None
                unit.set_flags(row.flags.split(",") if row.flags else [])
                unit.tracking_start = row.tracking_start
                unit.fill_ancestor_codes()
                if unit.pk is None:
                    to_create.append(unit)
                elif before != (unit.name, unit.level, unit.parent_id, unit.flags, unit.tracking_start):
                    to_update.append(unit)
                else:
                    result.unchanged += 1
            Unit.objects.bulk_create(to_create, batch_size=2000)
            Unit.objects.bulk_update(
                to_update, ["name", "level", "parent", "flags", "tracking_start", "province_code",
                            "county_code", "township_code"], batch_size=2000,
            )
            if to_create and to_create[0].pk is None:  # backends that do not return ids
                by_code.update(_existing_units({u.code for u in to_create}))
            else:
                by_code.update({u.code: u for u in to_create})
            result.created += len(to_create)
            result.updated += len(to_update)
            touched += [u.code for u in to_create + to_update]
        for chunk in _chunks(touched):  # a new or changed unit changes its county's report
            units_touch(Unit.objects.filter(code__in=chunk).values("pk"))
        record_event(
            actor=actor, action="import_jurisdictions", created=result.created, updated=result.updated, rows=len(parsed)
        )
    return result
