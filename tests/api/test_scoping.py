"""A token sees exactly what its owner's grants allow: every list endpoint of the API returns only
units of the owner's subtree, and every per-unit endpoint answers 404 (no data) outside it.

The endpoints are read from the OpenAPI schema, so a new endpoint is covered without editing this file."""

import re

import pytest

from tests.api.helpers import TODAY, schema, seed_evidence_in_both_townships, seed_scorecards

QINGYUAN, XUGOU, TIANJIN = "140121100000", "140121101000", "120118000000"
SUBTREE = {
    "township": {QINGYUAN, "140121100201", "140121100202"},
    "other_township": {XUGOU, "140121101201"},
    "county": {"140121000000", QINGYUAN, "140121100201", "140121100202", XUGOU, "140121101201"},
}
UNIT_CODE = re.compile(r"^\d{12}$")
# References upward from a unit the caller may see (its parent, its province) name no foreign data.
UPWARD_REFERENCES = {"parent_code", "province_code"}


def _get_paths(with_code: bool) -> list[str]:
    paths = [p for p, ops in schema()["paths"].items() if "get" in ops]
    if with_code:
        return [p for p in paths if p.startswith("/api/v1/units/{code}/")]
    return [p for p in paths if "{" not in p]


def _unit_codes(body) -> set[str]:
    """Every 12-digit unit code anywhere in a JSON body."""
    if isinstance(body, dict):
        values = [v for k, v in body.items() if k not in UPWARD_REFERENCES]
        return set().union(*(_unit_codes(v) for v in values)) if values else set()
    if isinstance(body, list):
        return set().union(*(_unit_codes(v) for v in body)) if body else set()
    return {body} if isinstance(body, str) and UNIT_CODE.match(body) else set()


@pytest.fixture
def seeded(units, people):
    seed_evidence_in_both_townships()
    seed_scorecards(units, [QINGYUAN, XUGOU, TIANJIN])


def test_the_list_endpoints_are_the_ones_integrations_rely_on():
    paths = _get_paths(with_code=False)
    assert {"/api/v1/units/", "/api/v1/evidence/personnel/", "/api/v1/evidence/drills/",
            "/api/v1/scorecards/", "/api/v1/policies/requirements/"} <= set(paths)


@pytest.mark.parametrize("role", list(SUBTREE))
def test_a_token_lists_only_units_of_its_owners_subtree(role, seeded, people, api_client):
    client = api_client(people[role])
    seen = set()
    for path in _get_paths(with_code=False):
        response = client.get(path, {"limit": 500})
        assert response.status_code == 200, path
        codes = _unit_codes(response.json())
        assert codes <= SUBTREE[role], f"{path} leaks {codes - SUBTREE[role]}"
        seen |= codes
        if path.startswith("/api/v1/evidence/"):
            assert response.json()["count"] > 0, f"{path}: nothing seeded, the check proves nothing"
    # Not vacuous: the token sees its own units' records, and the county both townships'.
    assert {QINGYUAN, XUGOU} & seen == {QINGYUAN, XUGOU} & SUBTREE[role]


@pytest.mark.parametrize("role, foreign", [("township", XUGOU), ("other_township", QINGYUAN),
                                           ("county", TIANJIN)])
def test_a_token_gets_404_for_every_unit_endpoint_outside_its_subtree(role, foreign, seeded, people, api_client,
                                                                        units):
    client = api_client(people[role])
    paths = _get_paths(with_code=True)
    assert len(paths) >= 5
    for path in paths:
        url = path.replace("{code}", foreign)
        response = client.get(url, {"as_of": TODAY.isoformat()})
        assert response.status_code == 404, f"{url} -> {response.status_code}"
        assert units[foreign].name not in response.content.decode(), url
        own = client.get(path.replace("{code}", sorted(SUBTREE[role])[0]), {"as_of": TODAY.isoformat()})
        assert own.status_code == 200, f"{path} refuses the token's own unit: {own.status_code}"
