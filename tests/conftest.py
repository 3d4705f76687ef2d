import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import build_hierarchy, make_people

# Personal-data keys of the test run (issue 17): fixed, test-only, set before any test and inherited
# by the processes tests start (workers, concurrent writers). Never used outside tests.
TEST_PII_KEYS = "t1:dGVzdC1vbmx5LXNtNC1rZQ=="  # 16 bytes: SM4
TEST_PII_INDEX_KEY = "dGVzdC1vbmx5LWJsaW5kLWluZGV4LWtleS0zMmJ5dGU="  # 32 bytes
for _name, _value in (("PII_KEYS", TEST_PII_KEYS), ("PII_INDEX_KEY", TEST_PII_INDEX_KEY)):
    os.environ.setdefault(_name, _value)
    if not getattr(settings, _name):
        setattr(settings, _name, os.environ[_name])


@pytest.fixture(autouse=True)
def _no_lockout_between_tests(settings):
    # Tests log in a lot; the lockout itself is tested explicitly in tests/foundation.
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def _account_controls_for_force_login(settings):
    # Tests log users in with force_login, which skips the TOTP step, and often log one account
    # in from two clients. tests/accounts/test_controls.py and test_mfa.py turn these back on.
    settings.MFA_REQUIRED_ROLES = []
    settings.SESSION_ONE_PER_ACCOUNT = False


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs ~0.3 s per user; tests create many users. Production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def units(db):
    """The fixed test hierarchy, keyed by code (see tests/factories.py)."""
    return build_hierarchy()


@pytest.fixture
def people(units):
    """Users keyed by role name: county, township, other_township, auditor, tianjin_county, admin (system
    administrator), security_admin, audit_admin."""
    return make_people(units)


@pytest.fixture
def client_for(client):
    """client_for(user) -> a test client logged in as user."""

    def _login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


def pytest_report_header(config):
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"database: {db}; celery: {'redis' if settings.REDIS_URL else 'eager (in-process)'}"


# Run one at a time after the parallel part of the suite (Makefile "test"): they start browsers,
# Celery workers or other processes and servers, or fuzz at length. Marked by folder, so a new test
# there is serial the day it is added.
SERIAL_BY_PATH = {("browser",): "browser", ("faults",): "worker", ("api", "test_fuzz.py"): "fuzz"}
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        parts = Path(str(item.path)).resolve().relative_to(TESTS).parts
        for prefix, marker in SERIAL_BY_PATH.items():
            if parts[: len(prefix)] == prefix:
                item.add_marker(marker)


@pytest.fixture(scope="session", autouse=True)
def _celery_queue_per_xdist_worker(worker_id):
    """Under pytest-xdist each worker process has its own test database (pytest-django appends
    the worker id to its name), so tasks it queues on a real broker go to its own queue, which no
    Celery worker of another test reads; the queue is deleted at the end."""
    if worker_id == "master" or not settings.REDIS_URL:
        yield
        return
    import redis

    from config.celery import app

    queue = f"ecp-test-{worker_id}"
    app.conf.task_default_queue = queue
    yield
    redis.Redis.from_url(settings.REDIS_URL).delete(queue)


@pytest.fixture(autouse=True)
def _fresh_night_catalog():
    # The per-process specs cache (compliance.selectors.night_catalog) is keyed by the catalog
    # key; every test has a fresh database (ids may be reused, time may be frozen), so it starts empty.
    from apps.compliance import selectors

    selectors._NIGHT_CATALOG.clear()
    yield
    selectors._NIGHT_CATALOG.clear()


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    # Figures cached under a unit's data_version (conflict_selectors.county_conflict_count): a
    # fresh database reuses ids and versions, so a process-local cache starts empty for each test
    # (a shared Redis cache, used by a few tests on purpose, is left alone).
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
    yield
