from tests.evidence.conftest import _media, today  # noqa: F401 - shared fixtures
