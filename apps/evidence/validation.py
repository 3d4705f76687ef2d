"""The one validation code path for evidence: imports, forms and the API all call
``validate_values``. No database access here: the unit, the person of a training and
duplicates are resolved by the callers (importing.py, services.py) with set-based queries.

Forgiving about what Excel produces (date cells, serial numbers, 2026/3/10, 2026年3月10日,
full-width digits and brackets, trailing ".0" on numbers), strict about what is accepted.

Free text (names, subjects, remarks) is stored exactly as typed, full-width brackets and all;
only control and bidi characters are refused (apps/core/text.py). Full-width forms are read as
half-width where a value is parsed: dates, times, numbers, ID and mobile numbers, unit codes,
enumeration labels and headers (docs/imports.md §2).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from apps.core.crypto import blind_index
from apps.core.pii import id_check_digit, is_valid_mobile, normalize_id_number, normalize_mobile
from apps.core.text import TextRefused, check_text
from apps.evidence.kinds import (
    CHOICE,
    DATE,
    DATETIME,
    DECIMAL,
    ID_NUMBER,
    INT,
    MOBILE,
    UNIT,
    FieldSpec,
    KindSpec,
)
from apps.evidence.models import BLIND_KEY

CHINA = ZoneInfo("Asia/Shanghai")
# Full-width digits, letters and punctuation that Chinese input methods produce, and the dashes
# people type in phone numbers (‐ ‑ – — －), as their half-width forms.
_FULL_WIDTH = str.maketrans(
    "０１２３４５６７８９（）：／－．　ＸｘＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＹＺ＋，‐‑–—",
    "0123456789():/-. XxABCDEFGHIJKLMNOPQRSTUVWYZ+,----",
)
# An Excel date serial typed as text (a CSV exported from a column formatted as a number): five
# digits, 10000–99999, i.e. 1927-05-18 to 2173-10-14. Eight digits stay a compact 20260310.
_SERIAL_RE = re.compile(r"^\d{5}(\.\d+)?$")
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_RE = re.compile(r"^(\d{1,2})\s*[:时點点]\s*(\d{1,2})\s*分?(?:\s*[:]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)

INT_MAX = 2_147_483_647  # the largest value of Django's PositiveIntegerField on every database


@dataclass(frozen=True)
class FieldError:
    field: str  # FieldSpec.name
    column: str  # the Chinese header / label
    message: str


class Invalid(ValueError):
    pass


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def normalize_text(value: Any) -> str:
    """A value to parse (date, number, code, label): full-width forms read as half-width."""
    return _plain(value).translate(_FULL_WIDTH).strip()


def typed_text(value: Any, *, multiline: bool = False) -> str:
    """Free text as typed (trimmed); raises Invalid for a control or bidi character."""
    try:
        return check_text(_plain(value), multiline=multiline).strip()
    except TextRefused as exc:
        raise Invalid(str(exc)) from None


def normalize_label(value: Any) -> str:
    """For comparing enumeration labels and headers: brackets and spaces do not matter."""
    return re.sub(r"\s+", "", normalize_text(value)).replace("*", "")


# -- scalar parsers --------------------------------------------------------------------------


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial number in a cell formatted as a number (1 = 1900-01-01).
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        raise Invalid("日期无效")
    text = normalize_text(value)
    if _SERIAL_RE.match(text):
        return parse_date(float(text))
    # Excel's CSV export may add a midnight time to a date.
    text = re.sub(r"[ T]0{1,2}:00(:00)?$", "", text)
    match = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if not match:
        raise Invalid("日期格式无法识别，请使用 2026-03-10、2026/3/10 或 2026年3月10日")
    try:
        return date(*(int(p) for p in match.groups()))
    except ValueError as exc:
        raise Invalid("日期不存在") from exc


def parse_datetime(value: Any) -> datetime:
    """To the minute, in China time unless the value carries its own zone."""
    if isinstance(value, datetime):
        result = value if value.tzinfo else value.replace(tzinfo=CHINA)
        return result.replace(second=0, microsecond=0)
    if isinstance(value, int | float) and not isinstance(value, bool):
        days = parse_date(value)
        minutes = round((value - int(value)) * 24 * 60)
        return datetime.combine(days, time(), tzinfo=CHINA) + timedelta(minutes=minutes)
    text = normalize_text(value).replace("T", " ")
    if _SERIAL_RE.match(text):
        return parse_datetime(float(text))
    match = re.match(r"^(.+?日|\d{4}[-/.]\d{1,2}[-/.]\d{1,2})\s*(.*)$", text)
    if not match or not match.group(2):
        raise Invalid("时间格式无法识别，请使用 2026-03-10 08:05（精确到分钟）")
    day = parse_date(match.group(1))
    tm = _TIME_RE.match(match.group(2).strip())
    if not tm:
        raise Invalid("时间格式无法识别，请使用 2026-03-10 08:05（精确到分钟）")
    hour, minute = int(tm.group(1)), int(tm.group(2))
    if hour > 23 or minute > 59:
        raise Invalid("时间不存在")
    return datetime.combine(day, time(hour, minute), tzinfo=CHINA)


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid("应为整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise Invalid("应为整数")
    text = normalize_text(value).replace(",", "")
    if re.fullmatch(r"-?\d+(\.0+)?", text):
        return int(text.split(".")[0])
    raise Invalid("应为整数")


def parse_decimal(value: Any) -> Decimal:
    try:
        result = Decimal(normalize_text(value) if not isinstance(value, int | float) else str(value))
    except InvalidOperation as exc:
        raise Invalid("应为数字") from exc
    if not result.is_finite():
        raise Invalid("应为数字")
    return result.quantize(Decimal("0.1"))


# Labels renamed since files were first filled in, still accepted: 应急管理专职人员 became
# 应急管理工作人员(专职或兼职) when CN-STAFF-DESIGNATED was read as designated staff, full- or part-time.
LEGACY_LABELS = {normalize_label("应急管理专职人员"): "emergency_staff"}


def parse_choice(value: Any, spec: FieldSpec) -> str:
    wanted = normalize_label(value)
    for stored, label in spec.choices:
        if wanted in (normalize_label(label), stored):
            return stored
    if LEGACY_LABELS.get(wanted) in dict(spec.choices):
        return LEGACY_LABELS[wanted]
    return _raise(f"“{normalize_text(value)}”不是有效的{spec.label}，应为：{'、'.join(lbl for _, lbl in spec.choices)}")


def parse_id_number(value: Any) -> str:
    text = normalize_id_number(normalize_text(value))
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise Invalid("身份证号应为 18 位（前 17 位为数字，末位为数字或 X）")
    if id_check_digit(text[:17]) != text[17]:
        raise Invalid("身份证号校验位不正确（GB 11643），请核对")
    return text


def parse_mobile(value: Any) -> str:
    text = normalize_mobile(normalize_text(value))
    if not is_valid_mobile(text):
        raise Invalid("手机号应为 11 位数字，以 13–19 开头")
    return text


def _raise(message: str):
    raise Invalid(message)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not normalize_text(value))


def parse_value(spec: FieldSpec, value: Any, *, today: date) -> Any:
    """One field. Raises Invalid with a Chinese reason."""
    if spec.type == DATE:
        result = parse_date(value)
        if not spec.future_ok and result > today:
            raise Invalid(f"日期不能晚于今天（{today:%Y-%m-%d}）")
        return result
    if spec.type == DATETIME:
        result = parse_datetime(value)
        if result.astimezone(CHINA).date() > today:
            raise Invalid(f"时间不能晚于今天（{today:%Y-%m-%d}）")
        return result
    if spec.type == INT:
        result = parse_int(value)
        # The columns are PositiveIntegerField: PostgreSQL refuses more (a 500), SQLite stored it.
        if result > INT_MAX:
            raise Invalid("数值过大")
    elif spec.type == DECIMAL:
        result = parse_decimal(value)
        if result >= 10000:
            raise Invalid("数值过大")
    elif spec.type == CHOICE:
        return parse_choice(value, spec)
    elif spec.type == ID_NUMBER:
        return parse_id_number(value)
    elif spec.type == MOBILE:
        return parse_mobile(value)
    elif spec.type == UNIT:
        text = normalize_text(value)
        if not re.fullmatch(r"\d{12}", text):
            raise Invalid("单位代码应为 12 位数字的统计用区划代码")
        return text
    else:
        text = typed_text(value, multiline=spec.multiline)
        if spec.max_length and len(text) > spec.max_length:
            raise Invalid(f"不能超过 {spec.max_length} 个字")
        return text
    if spec.minimum is not None and result < spec.minimum:
        raise Invalid(f"不能小于 {spec.minimum}")
    return result


# -- a whole record -------------------------------------------------------------------------


def _cross_field_errors(kind: KindSpec, c: dict[str, Any]) -> list[tuple[str, str]]:
    """Rules between fields of one record: (field name, reason)."""
    errors = []
    pairs = {
        "personnel": ("appointed_on", "left_on", "离任日期不能早于任职日期"),
        "roster": ("joined_on", "left_on", "离队日期不能早于入队日期"),
        "facilities": ("in_service_from", "in_service_to", "停用日期不能早于启用日期"),
        "warnings": ("received_at", "relayed_at", "传递时间不能早于接收时间"),
        "documents": ("dated", "valid_until", "有效期至不能早于日期"),
    }
    if kind.key in pairs:
        first, second, message = pairs[kind.key]
        if c.get(first) is not None and c.get(second) is not None and c[second] < c[first]:
            errors.append((second, message))
    if kind.key == "documents" and "campaign" in c:
        # CN-PUBLICITY-EVENTS counts one record per named campaign (central opinion (八)).
        if c.get("doc_type") == "publicity" and not c["campaign"]:
            errors.append(("campaign", "宣传活动记录须选择所属宣传活动"))
        elif c.get("doc_type") and c.get("doc_type") != "publicity" and c["campaign"]:
            errors.append(("campaign", "仅宣传活动记录可选择宣传活动"))
    if kind.key == "trainings" and "id_number" in c and "name" in c and not c["id_number"] and not c["name"]:
        errors.append(("name", "身份证号和姓名不能同时为空"))
    return errors


def validate_values(
    kind: KindSpec, raw: dict[str, Any], *, today: date, fields: list[FieldSpec] | None = None
) -> tuple[dict[str, Any], list[FieldError]]:
    """Parse and check one record given as {field name: raw value}.

    Returns the cleaned values (every field checked, missing optional ones as None / "") and
    the errors, each naming the field, its Chinese column and the reason.
    """
    fields = fields if fields is not None else list(kind.fields)
    cleaned: dict[str, Any] = {}
    errors: list[FieldError] = []
    for spec in fields:
        value = raw.get(spec.name)
        if _is_empty(value):
            if spec.required:
                errors.append(FieldError(spec.name, spec.label, f"{spec.label}不能为空"))
            cleaned[spec.name] = "" if spec.type in ("text", CHOICE, ID_NUMBER, MOBILE, UNIT) else None
            continue
        try:
            cleaned[spec.name] = parse_value(spec, value, today=today)
        except Invalid as exc:
            errors.append(FieldError(spec.name, spec.label, str(exc)))
    failed = {e.field for e in errors}
    for name, message in _cross_field_errors(kind, cleaned):
        if name not in failed:
            errors.append(FieldError(name, kind.field(name).label, message))
    return cleaned, errors


def person_key(id_number: str, name: str) -> str:
    """Who a person is inside one unit: the ID number's blind index where given, else the name.
    Never the clear number: this key is stored and compared by the database."""
    return f"{BLIND_KEY}{id_index(id_number)}" if id_number else f"name:{name}"


def id_index(id_number: str) -> str:
    """Blind index of an ID number (issue 17): lookups and duplicate checks by ID use it."""
    return blind_index(normalize_id_number(id_number))


# Fields hashed into a fingerprint through their blind index: a plain hash of a number with so
# little entropy (region, birth date, sequence) could be reversed by trying them all.
_BLIND_FIELDS = {"id_number": normalize_id_number, "phone": normalize_mobile}


def fingerprint(kind_key: str, unit_code: str, values: dict[str, Any], *, blind: bool = True) -> str:
    """A stable hash of a record's business fields, to recognise a row already stored."""
    parts = [kind_key, unit_code]
    for key in sorted(values):
        value = values[key]
        if isinstance(value, datetime):
            value = value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = format(value.normalize(), "f")
        if blind and key in _BLIND_FIELDS and value:
            value = "bi:" + blind_index(_BLIND_FIELDS[key](value))
        parts.append(f"{key}={'' if value is None else value}")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
