from tests.evidence.conftest import _media, today  # noqa: F401 - shared fixtures
from tests.reports.conftest import fake_compliance  # noqa: F401 - shared fixture
