"""Hostile input: schemathesis generates requests from the OpenAPI schema, both valid ones and
deliberately invalid ones (odd unicode, huge numbers, wrong types, malformed dates, missing or
extra fields), against every GET endpoint and every evidence create endpoint, sent with an API
token as an integration would.

Every response must be a non-5xx that conforms to the schema (body and content type wherever the
status is documented). Each case is sent twice: as generated, and with its unit code (path or
body) replaced by a unit of the caller, so generated values reach validation and evaluation code
instead of stopping at a 404. Examples are bounded and derandomized: the same cases on every run,
and the whole file runs well under a minute.
"""

import os
import re

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from apps.policies.services import load_catalog
from tests.api.helpers import schema, seed_evidence_in_both_townships, seed_scorecards

QINGYUAN = "140121100000"
EVIDENCE_CREATE = r"/api/v1/evidence/(?!import/)[a-z]+/"
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Bounded for CI; run deeper locally with e.g. API_FUZZ_EXAMPLES=200 pytest tests/api/test_fuzz.py
EXAMPLES_PER_OPERATION = int(os.environ.get("API_FUZZ_EXAMPLES", "15"))

LOADED = schemathesis.openapi.from_dict(schema())
LOADED.app = get_wsgi_application()
OPERATIONS = [
    op for op in (result.ok() for result in LOADED.get_all_operations())
    if op.method.upper() == "GET" or (op.method.upper() == "POST" and re.fullmatch(EVIDENCE_CREATE, op.path))
]


def test_it_fuzzes_the_reads_and_the_evidence_creates():
    assert len([op for op in OPERATIONS if op.method.upper() == "POST"]) == 8  # one per kind of evidence
    assert len(OPERATIONS) > 30


@pytest.fixture
def _keep_the_test_connection():
    # The real WSGI handler closes the database connection after each request (request_started /
    # request_finished -> close_old_connections), which would end the test's transaction; Django's
    # own test client disconnects the same receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(units, people, token_for, _keep_the_test_connection):
    load_catalog()
    seed_evidence_in_both_townships()
    seed_scorecards(units, [QINGYUAN])
    # Township staff may read and submit in 清源镇: creates reach the services, not a 403.
    return {"Authorization": f"Bearer {token_for(people['township'])}"}


def _on_a_real_unit(case) -> bool:
    changed = False
    if case.path_parameters and "code" in case.path_parameters:
        case.path_parameters["code"] = QINGYUAN
        changed = True
    if isinstance(case.body, dict) and "unit_code" in case.body:
        case.body["unit_code"] = QINGYUAN
        changed = True
    return changed


def _fuzz(operation, headers) -> None:
    cases = st.one_of(operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                      operation.as_strategy(generation_mode=GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)
        if _on_a_real_unit(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_no_input_makes_the_api_fail_or_break_its_contract(token):
    # One test for all operations: the catalog and the evidence are seeded once, not per operation.
    failures = {}
    for operation in OPERATIONS:
        try:
            _fuzz(operation, token)
        except Exception as exc:  # report every broken operation, not only the first
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)
    assert failures == {}, "\n\n".join(f"{label}:\n{error}" for label, error in failures.items())
