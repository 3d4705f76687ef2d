"""The one as_of parser (pages, API, tasks and commands all read dates through it)."""

from datetime import date

import pytest
import time_machine
from django.core.management.base import CommandError

from apps.core.dates import as_of_option, as_of_or_today, parse_as_of

TODAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _clock():
    # 23:30 UTC on the 22nd is already the 23rd in Asia/Shanghai: "today" is the portal's date.
    with time_machine.travel("2026-11-22T23:30:00+00:00", tick=False):
        yield


def test_it_reads_iso_dates_and_defaults_to_todays_local_date():
    assert parse_as_of("2026-06-30") == date(2026, 6, 30)
    assert parse_as_of(" 2026-06-30 ") == date(2026, 6, 30)
    assert parse_as_of("") == parse_as_of(None) == TODAY


@pytest.mark.parametrize("value", ["2026-02-30", "20261122", "2026-W47-1", "2026/11/22", "22.11.2026", "x"])
def test_it_rejects_anything_but_a_real_yyyy_mm_dd(value):
    with pytest.raises(ValueError):
        parse_as_of(value)


def test_it_falls_back_to_today_with_a_message_on_pages():
    assert as_of_or_today("2026-06-30") == (date(2026, 6, 30), "")
    day, message = as_of_or_today("2026/06/30")
    assert day == TODAY and "YYYY-MM-DD" in message
    day, message = as_of_or_today("0226-06-30")
    assert day == TODAY and "超出范围" in message


def test_it_names_the_option_in_commands():
    assert as_of_option(None) == TODAY
    with pytest.raises(CommandError, match="--as-of must be YYYY-MM-DD"):
        as_of_option("30.06.2026")
