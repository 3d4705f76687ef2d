import pytest
from django.test import Client

from apps.accounts.services import api_token_create


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def token_for(db):
    """token_for(user, **kw) -> the secret of a new API token of ``user``."""

    def _issue(user, **kw):
        return api_token_create(user=user, name=kw.pop("name", "测试平台"), **kw).secret

    return _issue


@pytest.fixture
def api_client(token_for):
    """api_client(user) -> a test client (no session, CSRF enforced) sending a Bearer token of ``user``."""

    def _client(user, **kw):
        return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token_for(user, **kw)}"})

    return _client
