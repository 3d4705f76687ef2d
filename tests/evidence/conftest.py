import pytest

from tests.evidence.helpers import TODAY


@pytest.fixture
def today(monkeypatch):
    """Freeze "today" for the rule "dates not in the future" (forms, API and imports)."""
    monkeypatch.setattr("apps.evidence.services.today", lambda: TODAY)
    monkeypatch.setattr("apps.evidence.importing.local_today", lambda: TODAY)
    monkeypatch.setattr("apps.evidence.forms.today", lambda: TODAY)
    monkeypatch.setattr("apps.evidence.api.today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The shared fixtures create six users per test; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
