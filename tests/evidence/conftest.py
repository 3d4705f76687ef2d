from datetime import datetime, time

import pytest
from django.utils import timezone

from tests.evidence.helpers import TODAY


@pytest.fixture
def today(time_machine):
    """The clock reads TODAY, mid-morning in the portal's time zone (the rule "dates not in the
    future" in forms, API and imports); it keeps ticking from there."""
    time_machine.move_to(timezone.make_aware(datetime.combine(TODAY, time(10))), tick=True)
    return TODAY


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The shared fixtures create six users per test; a fast hasher keeps these tests quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
