import pytest
from django.db import connection


@pytest.fixture
def trigger_disabled(db):
    """Tamper as a database superuser could: on PostgreSQL with the append-only trigger disabled
    (inside the test's transaction, so it is back on afterwards); SQLite has no trigger."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only")
    yield
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER core_auditevent_append_only")
