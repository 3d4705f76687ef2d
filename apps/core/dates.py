"""The one ``as_of`` parser. Every interface (web pages, API, tasks, commands) reads the date it
evaluates on through ``parse_as_of`` and only words the error its own way."""

from __future__ import annotations

import re
from datetime import date

from django.core.management.base import CommandError
from django.utils import timezone

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
