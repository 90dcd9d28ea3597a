"""Redis away: the cache counts as a miss and the portal goes on from PostgreSQL."""

from __future__ import annotations

import pytest
import redis
from django.core.cache import cache
from django.urls import reverse

from tests.factories import PASSWORD, EventFactory

# Nothing listens on port 9 (discard) on these machines.
DEAD_REDIS = {
    "default": {
        "BACKEND": "portal.caching.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True},
    }
}


@pytest.fixture
def redis_away(settings):
    settings.CACHES = DEAD_REDIS


def test_reads_miss_and_writes_are_skipped_when_redis_is_away(redis_away):
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set("anything", 1) is None
    assert cache.add("anything", 1) is True  # fails open: see portal.caching.FailOpenRedisCache
    assert cache.delete("anything") is None


def test_without_ignore_exceptions_the_backend_would_fail(settings):
    settings.CACHES = {"default": {**DEAD_REDIS["default"], "OPTIONS": {}}}
    with pytest.raises(redis.ConnectionError):
        cache.add("anything", 1)


@pytest.mark.django_db
def test_public_pages_and_writes_go_on_when_redis_is_away(redis_away, client):
    event = EventFactory(title="Netzwerktreffen im Dunkeln")
    response = client.get(reverse("meetings:event_detail", args=[event.pk]))
    assert response.status_code == 200
    assert "Netzwerktreffen im Dunkeln" in response.content.decode()
    assert client.get(reverse("members:directory")).status_code == 200


@pytest.mark.django_db
def test_people_log_in_and_see_their_pages_when_redis_is_away(redis_away, client, contact_a):
    response = client.post(
        reverse("account_login"), {"login": contact_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert dashboard.wsgi_request.user == contact_a
