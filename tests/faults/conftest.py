import pytest

from tests.evidence.helpers import TODAY
from tests.reports.conftest import fake_compliance  # noqa: F401 - shared fixture


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("apps.evidence.services.today", lambda: TODAY)
    monkeypatch.setattr("apps.evidence.importing.local_today", lambda: TODAY)
    monkeypatch.setattr("apps.evidence.forms.today", lambda: TODAY)
    monkeypatch.setattr("apps.evidence.api.today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
