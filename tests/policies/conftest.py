import pytest

from apps.policies.services import load_catalog


@pytest.fixture
def catalog(db):
    """The whole policy catalog loaded from fixtures/ (returns the load counts)."""
    return load_catalog()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The shared `people` fixture creates six users; the production PBKDF2 cost dominated the run
    # time of these tests, and no test here is about passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
