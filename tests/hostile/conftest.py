from tests.evidence.conftest import _media, today  # noqa: F401 - shared fixtures
from tests.reports.conftest import scorecard_catalog  # noqa: F401 - shared fixture
