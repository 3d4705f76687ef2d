"""runtime.in_lanes: a batch's items in a few threads, each with its own database connection."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from apps.core.runtime import in_lanes

on_postgres = pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"),
                                 reason="lanes run only on PostgreSQL (SQLite: one after the other)")


def _thread_and_backend(item):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()" if connection.vendor == "postgresql" else "SELECT 1")
        backend = cursor.fetchone()[0]
    return item, threading.current_thread().name, backend


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_it_runs_items_in_lanes_each_on_its_own_connection_and_keeps_their_order():
    gate = threading.Barrier(2, timeout=30)

    def both_at_once(item):
        if item < 2:
            gate.wait()  # the first two items are in progress together: two lanes, not one after the other
        return _thread_and_backend(item)

    results = in_lanes(both_at_once, list(range(6)), lanes=2)
    assert [item for item, _, _ in results] == list(range(6))
    assert {name for _, name, _ in results} == {threading.current_thread().name, "lane-1"}  # the caller is a lane
    assert len({backend for _, _, backend in results}) == 2


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_it_finishes_every_item_before_raising_the_first_error():
    done = []

    def flaky(item):
        if item == 1:
            raise ValueError("county 1")
        done.append(item)
        return item

    with pytest.raises(ValueError, match="county 1"):
        in_lanes(flaky, list(range(5)), lanes=2)
    assert sorted(done) == [0, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_it_runs_in_the_calling_thread_inside_a_transaction_or_with_one_lane():
    main = threading.current_thread().name
    with transaction.atomic():  # another connection would not see this transaction's rows
        assert {name for _, name, _ in in_lanes(_thread_and_backend, [1, 2, 3], lanes=2)} == {main}
    assert {name for _, name, _ in in_lanes(_thread_and_backend, [1, 2, 3], lanes=1)} == {main}


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_stopping_process_takes_no_further_item():
    import time

    main = threading.current_thread()
    done = []

    def stops_in_the_calling_thread(item):
        time.sleep(0.05)
        if threading.current_thread() is main:
            raise SystemExit("worker shutdown")
        done.append(item)

    with pytest.raises(SystemExit):
        in_lanes(stops_in_the_calling_thread, list(range(20)), lanes=2)
    time.sleep(0.2)  # the helper finishes the item it holds, then stops
    assert len(done) <= 2
