import pytest

from apps.policies.services import load_catalog


@pytest.fixture
def catalog(db):
    """The whole policy catalog loaded from fixtures/ (returns the load counts)."""
    return load_catalog()
