"""The OpenAPI contract (/api/schema/) and the docs page (/api/docs/).

The schema is what provincial platforms generate clients from: it must be valid OpenAPI 3, every
operation needs a unique operationId (client method names) and a summary or description, and the
token scheme must be declared. The docs page must work on an offline government network: every
asset it loads is served by the portal itself."""

import re
from collections import Counter
from urllib.parse import urlparse

import yaml
from django.contrib.staticfiles import finders
from django.test import Client
from openapi_spec_validator import validate

from tests.api.helpers import schema

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
PUBLIC_OPERATIONS = {"scorecard_verify_retrieve", "scorecard_verify_upload"}  # anyone may verify a scorecard


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_the_served_schema_is_valid_openapi_3(people, client_for):
    response = Client().get("/api/schema/")
    assert response.status_code == 200
    spec = yaml.safe_load(response.content)
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert spec["info"]["version"] == "1.0.0"
    assert all(path.startswith("/api/v1/") for path in spec["paths"])


def test_every_operation_has_a_unique_operation_id_and_a_description():
    operations = list(_operations(schema()))
    assert len(operations) > 30
    ids = Counter(op.get("operationId") for _, _, op in operations)
    assert None not in ids
    assert [i for i, n in ids.items() if n > 1] == []
    undescribed = [f"{m.upper()} {p}" for p, m, op in operations if not (op.get("summary") or op.get("description"))]
    assert undescribed == []


def test_it_declares_the_token_scheme_on_every_non_public_operation():
    spec = schema()
    assert spec["components"]["securitySchemes"]["tokenAuth"] == {
        **spec["components"]["securitySchemes"]["tokenAuth"], "type": "http", "scheme": "bearer"}
    assert "basicAuth" not in spec["components"]["securitySchemes"]
    for path, method, op in _operations(spec):
        if op["operationId"] in PUBLIC_OPERATIONS:
            continue
        assert {"tokenAuth": []} in op.get("security", []), f"{method.upper()} {path}"


def test_the_docs_page_loads_nothing_from_another_origin(units):
    client = Client()
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls), urls
    for url in urls:
        parsed = urlparse(url)
        assert not parsed.scheme and not parsed.netloc and url.startswith("/"), f"off-origin URL: {url}"
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), f"{url} is not a local static file"
    assert not re.search(r"https?://", html), "absolute URL in the docs page"
    # The portal's Content-Security-Policy forbids inline scripts: every script must be a file.
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert html.count("<script") == len(re.findall(r"<script src=", html)) >= 3
    # The set-up script (served by the same view) points Swagger UI at the local schema only.
    setup = client.get(next(u for u in urls if u.startswith("/api/docs/")))
    assert setup.status_code == 200 and setup["Content-Type"].startswith("application/javascript")
    script = setup.content.decode()
    assert 'url: "/api/schema/"' in script
    assert not re.search(r"https?://", script), "the set-up script calls another origin"
