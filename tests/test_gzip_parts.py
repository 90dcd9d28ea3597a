"""Gzip bodies put together from parts compressed once and a token stored between them."""

from __future__ import annotations

import gzip
import zlib

import pytest
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from portal import gzip_parts


@given(
    parts=st.lists(st.binary(max_size=3000), min_size=1, max_size=5),
    between=st.binary(max_size=100),
)
def test_any_parts_and_token_decompress_to_the_joined_page(parts, between):
    packed = gzip_parts.deflate(parts)
    body = gzip_parts.assemble(parts, packed, between)
    assert gzip.decompress(body) == between.join(parts)
    # The way browsers read it: one stream, checked against its CRC and length.
    assert zlib.decompress(body, wbits=31) == between.join(parts)


def test_a_page_shrinks_and_the_token_stays_readable_in_the_body():
    page = b"<li><a class='kern-link' href='/netzwerk/mitglieder/'>Mitglied</a></li>" * 500
    token = b"A" * 64
    body = gzip_parts.assemble([page, page], gzip_parts.deflate([page, page]), token)
    assert len(body) < len(page) / 10
    # Stored, not compressed: the token's bytes appear as they are.
    assert token in body


def test_a_token_too_long_for_one_stored_block_is_refused():
    with pytest.raises(ValueError, match="65,535"):
        gzip_parts.assemble([b"a", b"b"], gzip_parts.deflate([b"a", b"b"]), b"x" * 70_000)


@pytest.mark.parametrize(
    ("header", "expected"),
    [("gzip, deflate, br, zstd", True), ("GZIP", True), ("br", False), ("", False)],
)
def test_it_sees_whether_the_browser_accepts_gzip(header, expected):
    request = RequestFactory().get("/", headers={"Accept-Encoding": header} if header else {})
    assert gzip_parts.accepts_gzip(request) is expected
