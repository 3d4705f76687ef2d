"""API rate limits: a user over the rate gets 429 with Retry-After. The counters live in Django's
cache; with CACHE_URL pointing at Redis every web process shares them."""

import os
import uuid

import pytest
import redis
from django.core.cache import cache
from rest_framework.throttling import SimpleRateThrottle

UNITS = "/api/v1/units/"
REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.fixture
def three_per_hour(monkeypatch):
    # DRF copies the rates into the throttle class when it is imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"user": "3/hour"})
    cache.clear()  # the local-memory cache: earlier tests' users had the same ids


def _calls(client, n):
    return [client.get(UNITS) for _ in range(n)]


def test_a_user_over_the_rate_gets_429_with_retry_after(people, api_client, three_per_hour):
    responses = _calls(api_client(people["township"]), 4)
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    assert int(responses[-1]["Retry-After"]) > 0
    # Another user has a budget of their own.
    assert api_client(people["county"]).get(UNITS).status_code == 200


def test_all_tokens_of_one_user_share_the_budget(people, api_client, three_per_hour):
    first, second = api_client(people["township"]), api_client(people["township"], name="第二平台")
    statuses = [c.get(UNITS).status_code for c in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]


@pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL: the shared-cache case runs in CI on Redis")
def test_with_a_redis_cache_the_counters_are_in_redis_for_every_process(settings, people, api_client,
                                                                        three_per_hour):
    prefix = f"ecp-test-{uuid.uuid4().hex}"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": REDIS_URL, "KEY_PREFIX": prefix}}
    client = api_client(people["township"])
    assert [r.status_code for r in _calls(client, 3)] == [200, 200, 200]

    server = redis.Redis.from_url(REDIS_URL)
    keys = server.keys(f"{prefix}:*throttle_user_*")
    try:
        assert len(keys) == 1  # what another web process reads before it answers
        assert client.get(UNITS).status_code == 429
    finally:
        server.delete(*server.keys(f"{prefix}:*"))
