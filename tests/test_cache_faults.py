"""Redis away: the cache counts as a miss and the portal goes on from PostgreSQL."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse

from portal.cache import ResilientRedisCache
from tests.factories import PASSWORD, EventFactory

# Nothing listens on port 9 (discard) on these machines.
DEAD_REDIS = {
    "default": {"BACKEND": "portal.cache.ResilientRedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}


@pytest.fixture
def redis_away(settings):
    settings.CACHES = DEAD_REDIS


def test_reads_miss_and_writes_are_skipped_when_redis_is_away(redis_away):
    assert cache.get("anything", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set("anything", 1) is None
    assert cache.add("anything", 1) is True  # fails open: see portal/cache.py
    assert cache.delete("anything") is False


@pytest.mark.django_db
def test_public_pages_and_writes_go_on_when_redis_is_away(redis_away, client):
    event = EventFactory(title="Netzwerktreffen im Dunkeln")
    response = client.get(reverse("meetings:event_detail", args=[event.pk]))
    assert response.status_code == 200
    assert "Netzwerktreffen im Dunkeln" in response.content.decode()


@pytest.mark.django_db
def test_people_log_in_and_see_their_pages_when_redis_is_away(redis_away, client, contact_a):
    response = client.post(
        reverse("account_login"), {"login": contact_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 200
    assert dashboard.wsgi_request.user == contact_a


def test_the_cache_reuses_one_redis_client_for_its_connection_pool(settings):
    backend = ResilientRedisCache(settings.CACHES["default"]["LOCATION"], {})
    client = backend._cache
    assert client.get_client() is client.get_client()
    assert client.get_client(write=True) is client.get_client()
    backend.set("reused", 1)
    assert backend.get("reused") == 1
