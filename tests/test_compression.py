"""Pages go out compressed to browsers that ask for it (GZipMiddleware, issue 19)."""

from __future__ import annotations

import gzip

import pytest

pytestmark = pytest.mark.django_db

GZIP = {"accept-encoding": "gzip, deflate, br"}


def test_a_public_page_goes_out_gzipped_to_a_browser_that_accepts_it(client):
    plain = client.get("/netzwerk/mitglieder/")
    packed = client.get("/netzwerk/mitglieder/", headers=GZIP)

    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert gzip.decompress(packed.content) == plain.content
    assert len(packed.content) < len(plain.content) / 3


def test_a_page_goes_out_plain_to_a_client_that_does_not_ask(client):
    response = client.get("/")

    assert not response.has_header("Content-Encoding")
    assert response.content.startswith(b"<!DOCTYPE html>")


def test_a_logged_in_page_is_padded_differently_each_time_against_guessing_its_token(
    client, contact_a
):
    client.force_login(contact_a)

    sizes = {len(client.get("/mein-bereich/", headers=GZIP).content) for _ in range(6)}

    assert len(sizes) > 1
