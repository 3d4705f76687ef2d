"""The one ``as_of`` parser. Every interface (web pages, API, tasks, commands) reads the date it
evaluates on through ``parse_as_of`` and only words the error its own way."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.management.base import CommandError
from django.utils import timezone

from apps.core.text import chinese_date

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
FORMAT_HELP = "日期格式应为 YYYY-MM-DD（例如 2026-11-22）"


def parse_as_of(value: str | None) -> date:
    """``YYYY-MM-DD`` (surrounding spaces ignored); today in the portal's time zone when empty.
    Raises ValueError for anything else."""
    value = (value or "").strip()
    if not value:
        return timezone.localdate()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):  # fromisoformat would also take 20261122, 2026-W47
        raise ValueError(f"not YYYY-MM-DD: {value}")
    return date.fromisoformat(value)  # ValueError for an impossible date (2026-02-30)


def as_of_or_today(value: str | None) -> tuple[date, str]:
    """For pages: the date, or today with a message saying the given one was not understood or
    is outside 2000–2100 (a typo such as 0226-11-22)."""
    today = timezone.localdate()
    try:
        day = parse_as_of(value)
    except ValueError:
        return today, f"{FORMAT_HELP}，已按今天 {today.isoformat()} 显示。"
    if not EARLIEST <= day <= LATEST:
        return today, f"日期超出范围（2000–2100），已按今天 {today.isoformat()} 显示。"
    return day, ""


def as_of_option(value: str | None, option: str = "--as-of") -> date:
    """For management commands: the date, or a CommandError naming the option."""
    try:
        return parse_as_of(value)
    except ValueError as exc:
        raise CommandError(f"{option} must be YYYY-MM-DD (应为 YYYY-MM-DD), got {value!r}") from exc


PERIOD_HELP = "期间格式应为 YYYY、YYYYQn 或 YYYY-MM（例如 2026、2026Q3、2026-07）"


def parse_period(value: str | None) -> tuple[date, date]:
    """A reporting period: ``2026`` (year), ``2026Q3`` (quarter) or ``2026-07`` (month), as its
    first and last day. Raises ValueError for anything else."""
    value = (value or "").strip()
    if m := re.fullmatch(r"(\d{4})", value):
        year = int(m[1])
        return date(year, 1, 1), date(year, 12, 31)
    if m := re.fullmatch(r"(\d{4})Q([1-4])", value):
        year, first = int(m[1]), 3 * (int(m[2]) - 1) + 1
        end = date(year + 1, 1, 1) if first == 10 else date(year, first + 3, 1)
        return date(year, first, 1), date.fromordinal(end.toordinal() - 1)
    if m := re.fullmatch(r"(\d{4})-(\d{2})", value):
        year, month = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"bad month: {value}")
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return date(year, month, 1), date.fromordinal(end.toordinal() - 1)
    raise ValueError(f"not a period: {value}")


# -- one date style (issue 15) -----------------------------------------------------------------
# Prose (sentences, headings, banners, facts, messages): 2026年12月1日. Data columns, URLs, form
# values and files: 2026-12-01. Templates reach these through the cn_date / iso_date filters.


def prose_date(value) -> str:
    """2026-11-22 -> 2026年11月22日; a datetime in local time with hours and minutes."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return f"{chinese_date(value)} {value:%H:%M}"
    return chinese_date(value)


def data_date(value, seconds: bool = False) -> str:
    """2026-11-22; a datetime in local time, 2026-11-22 14:05 (with seconds when asked)."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
