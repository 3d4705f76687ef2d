"""API errors are JSON on every /api/ path, 500 included (with or without DEBUG); a Redis
outage under the throttle cache leaves the API answering."""

import pytest
from django.test import Client
from django.urls import resolve

UNITS = "/api/v1/units/"


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


@pytest.fixture
def exploding_units_view(monkeypatch):
    view = resolve(UNITS).func.cls

    def explode(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(view, "list", explode)


@pytest.mark.parametrize("path", ["/api/", "/api/v2/units/", "/api/docs/missing/", "/api/schema/x"])
def test_it_answers_json_404_outside_api_v1(db, path):
    response = Client().get(path)
    assert response.status_code == 404 and _json(response) == {"detail": "未找到。"}


@pytest.mark.parametrize("debug", [False, True])
def test_it_answers_json_500_when_an_endpoint_fails(people, api_client, exploding_units_view, settings, debug,
                                                    caplog):
    settings.DEBUG = debug  # never the debug page on the API either
    client = api_client(people["township"])
    client.raise_request_exception = False
    response = client.get(UNITS)
    assert response.status_code == 500
    assert _json(response) == {"detail": "服务器内部错误，已记录，请稍后重试。"}
    assert "a bug" in caplog.text  # still logged by Django


def test_it_answers_json_when_a_session_post_lacks_its_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["township"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/api/v2/anything/", {})
    assert response.status_code in (403, 404) and "detail" in _json(response)


def test_it_keeps_answering_the_api_when_the_throttle_cache_is_down(people, api_client, settings, caplog):
    # Nothing listens on port 1: every cache call raises ConnectionError at once.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0", "OPTIONS": {"socket_connect_timeout": 1}}}
    response = api_client(people["township"]).get(UNITS)
    assert response.status_code == 200 and "results" in _json(response)
    assert "throttle cache unavailable" in caplog.text
