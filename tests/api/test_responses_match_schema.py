"""Every list and detail response of every GET endpoint validated against the live schema
(/api/schema/) with a strict validator: the documented types, formats and required fields, and
no undeclared property (clients generated with strict models reject a record carrying a field the
schema does not declare, as `labels` on warnings and trainings once was)."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml
from django.test import Client
from jsonschema import Draft4Validator, FormatChecker
from openapi_schema_validator import OAS30Validator

from apps.policies.services import load_catalog
from apps.reports.models import Scorecard
from apps.reports.services import scorecard_job_create
from tests.api.helpers import TODAY, seed_evidence_in_both_townships, seed_scorecards

QINGYUAN = "140121100000"


def _live_schema() -> dict:
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def strict(node, components: dict, seen: tuple = ()):
    """The schema node with every $ref inlined and every object closed: an object schema that
    lists its properties and says nothing about others gets additionalProperties: false."""
    if isinstance(node, list):
        return [strict(n, components, seen) for n in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        assert name not in seen, f"recursive schema {name}"
        return strict(copy.deepcopy(components[name]), components, (*seen, name))
    out = {k: strict(v, components, seen) for k, v in node.items()}
    if out.get("type") == "object" and "additionalProperties" not in out:
        out["additionalProperties"] = False
        out.setdefault("properties", {})
    return out


def _validator(spec: dict, path: str, status: int, method: str = "get"):
    operation = spec["paths"][path][method]
    response = operation["responses"][str(status)]
    schema = strict(response["content"]["application/json"]["schema"], spec["components"]["schemas"])
    return OAS30Validator(schema, format_checker=FormatChecker())


def _errors(validator, body) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(body)]


def test_the_strict_closure_rejects_an_undeclared_property():
    schema = strict({"type": "object", "properties": {"a": {"$ref": "#/components/schemas/B"}}},
                    {"B": {"type": "object", "properties": {"x": {"type": "string"}}}})
    validator = Draft4Validator(schema)
    assert validator.is_valid({"a": {"x": "1"}})
    assert not validator.is_valid({"a": {"x": "1", "labels": {}}})
    assert not validator.is_valid({"a": {}, "extra": 1})


@pytest.fixture
def seeded(units, people, api_client):
    load_catalog()
    seed_evidence_in_both_townships()
    seed_scorecards(units, [QINGYUAN])
    scorecard_job_create(unit=units[QINGYUAN], as_of=TODAY, user=people["county"])
    return api_client(people["county"])


def _ids_from(body) -> list:
    results = body.get("results", body) if isinstance(body, dict) else body
    return results if isinstance(results, list) else []


def test_every_get_response_matches_the_live_schema_strictly(seeded):
    from apps.reports.models import ScorecardJob

    spec = _live_schema()
    client = seeded
    lists, details = [], []
    for path, item in spec["paths"].items():
        if "get" in item:
            (details if re.search(r"\{(id|code)\}", path) else lists).append(path)
    checked, failures, first_item = [], {}, {}
    for path in lists:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        body = response.json()
        items = _ids_from(body)
        assert items, f"{path}: the seeded data gives an empty list, nothing to validate"
        first_item[path] = items[0]
        errors = _errors(_validator(spec, path, 200), body)
        if errors:
            failures[path] = errors[:5]
        checked.append(path)
    job = ScorecardJob.objects.get()
    card = Scorecard.objects.first()
    for path in details:
        base = path.split("{", 1)[0]
        if "{id}" in path and base == "/api/v1/scorecard-jobs/":
            url = path.replace("{id}", str(job.pk))
        elif "{id}" in path:
            url = path.replace("{id}", str(first_item[base]["id"]))
        elif base == "/api/v1/scorecards/verify/":
            url = path.replace("{code}", card.verification_code)
        elif base in first_item:
            url = path.replace("{code}", str(first_item[base]["code"]))
        else:
            url = path.replace("{code}", QINGYUAN)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        errors = _errors(_validator(spec, path, 200), response.json())
        if errors:
            failures[url] = errors[:5]
        checked.append(path)
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)
    assert len(checked) == len(lists) + len(details) >= 30


def test_the_write_responses_match_the_live_schema_strictly(seeded, people, api_client):
    """The record returned by a review and by a partial update, and the import result."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.evidence.helpers import csv_bytes
    from tests.evidence.test_importing import ROWS

    spec = _live_schema()
    county, township = seeded, api_client(people["township"])
    failures = {}
    for path in [p for p in spec["paths"] if re.fullmatch(r"/api/v1/evidence/[a-z]+/\{id\}/review/", p)]:
        base = path.removesuffix("{id}/review/")
        record = county.get(base, {"unit": QINGYUAN}).json()["results"][0]
        detail = base + f"{record['id']}/"
        response = township.patch(detail, data={}, content_type="application/json")
        assert response.status_code == 200, (detail, response.content[:300])
        errors = _errors(_validator(spec, base + "{id}/", 200, "patch"), response.json())
        revision = response.json()["revision"]  # the review names the revision it was based on
        response = county.post(detail + "review/", data={"decision": "verify"}, content_type="application/json",
                               headers={"If-Match": f'"{revision}"'})
        assert response.status_code == 200, (detail, response.content[:300])
        errors += _errors(_validator(spec, path, 200, "post"), response.json())
        if errors:
            failures[detail] = errors[:5]
    upload = SimpleUploadedFile("drills.csv", csv_bytes("drills", ROWS["drills"]))
    response = township.post("/api/v1/evidence/import/", {"kind": "drills", "file": upload})
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert body["skipped"] == len(ROWS["drills"])  # seeded already: recognised, not duplicated
    errors = _errors(_validator(spec, "/api/v1/evidence/import/", 201, "post"), body)
    if errors:
        failures["import"] = errors
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)


def _create_body(kind) -> dict:
    """A valid body for a kind's create: the import template's example row, as API values."""
    from apps.evidence import workbooks
    from apps.evidence.kinds import CHOICE, DATE, DATETIME

    body = {}
    for f in kind.fields:
        if f.type == CHOICE:
            if f.required:
                body[f.name] = f.choices[0][0]
            continue
        value = workbooks._example_value(f, QINGYUAN)
        if f.type in (DATE, DATETIME):
            value = value.isoformat()
        body[f.name] = value
    return body


def test_the_create_responses_match_the_live_schema_strictly(seeded, people, api_client):
    """Every evidence kind's create (201) answers with exactly the declared record."""
    from apps.evidence.kinds import KINDS

    spec = _live_schema()
    township = api_client(people["township"])
    failures, created = {}, []
    for name, kind in KINDS.items():
        path = f"/api/v1/evidence/{name}/"
        if "post" not in spec["paths"].get(path, {}):
            continue
        response = township.post(path, data=_create_body(kind), content_type="application/json")
        assert response.status_code == 201, (path, response.content[:400])
        errors = _errors(_validator(spec, path, 201, "post"), response.json())
        if errors:
            failures[path] = errors[:5]
        created.append(path)
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)
    assert len(created) >= 7, created
