from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator

from apps.core.dates import as_of_or_today

PAGE_SIZE = 50


def parse_as_of(request) -> tuple[date, str]:
    """The as-of date from ?as_of=YYYY-MM-DD (today when absent); an error text when invalid."""
    return as_of_or_today(request.GET.get("as_of"))


def paginate(request, items, per_page: int = PAGE_SIZE):
    return Paginator(items, per_page).get_page(request.GET.get("page"))


