from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.utils import timezone

PAGE_SIZE = 50


def parse_as_of(request) -> tuple[date, str]:
    """The as-of date from ?as_of=YYYY-MM-DD (today when absent); an error text when invalid."""
    raw = (request.GET.get("as_of") or "").strip()
    today = timezone.localdate()
    if not raw:
        return today, ""
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        return today, "日期格式应为 年-月-日（例如 2026-11-22），已按今天显示。"
    if not date(2000, 1, 1) <= value <= date(2100, 12, 31):
        return today, "日期超出范围，已按今天显示。"
    return value, ""


def paginate(request, items, per_page: int = PAGE_SIZE):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


