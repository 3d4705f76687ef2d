import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The shared `people` fixture creates six users; PBKDF2 would dominate these tests' time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def eager():
    """Run tasks in-process even when REDIS_URL points at a real broker: most tests are about
    what a job does; test_nightly.py::test_it_runs_the_nightly_job_twice_on_a_real_worker is about
    the worker."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def with_emails(people):
    """The shared users, each with an email address (the nightly job mails reports and reminders)."""
    for user in people.values():
        user.email = f"{user.username}@example.cn"
        user.save()
    return people
