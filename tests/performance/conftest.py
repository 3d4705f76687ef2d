import pytest

from tests.compliance.helpers import make_every_kind_catalog


@pytest.fixture
def catalog(db):
    """One requirement of every evidence kind the loader reads, so every query is exercised."""
    make_every_kind_catalog()


@pytest.fixture
def eager():
    """Run the county task in-process even when REDIS_URL points at a real broker."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before
