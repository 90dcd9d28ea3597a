"""A gzip body made of parts compressed once, with the same short text stored between them.

A cached public page is the same for everyone except each visitor's CSRF token. Compressing
the whole page for every request would cost more than sending it plainly; so the parts around
the token are compressed once, when the page is cached (`deflate`), and each response is put
together from them with the visitor's token in between (`assemble`).

This works because DEFLATE data is a sequence of blocks: a sync flush ends a part's blocks on
a byte boundary, a "stored" block (uncompressed bytes) can follow there, and each part is
compressed without reference to what came before. The token is never compressed, so its
value cannot be guessed from the size of the response (BREACH).
"""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Sequence

from django.http import HttpRequest

# Magic, DEFLATE, no flags, no time, best compression, unknown system (RFC 1952).
_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
_RAW_DEFLATE = -15  # window bits for DEFLATE data without zlib's own header
_LEVEL = 6
# An empty last block: ends the DEFLATE data after the last part's sync flush.
_LAST_BLOCK = zlib.compressobj(_LEVEL, zlib.DEFLATED, _RAW_DEFLATE).flush()
_STORED_MAX = 0xFFFF
_ACCEPTS_GZIP = re.compile(r"\bgzip\b", re.IGNORECASE)


def accepts_gzip(request: HttpRequest) -> bool:
    return bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))


def deflate(parts: Sequence[bytes]) -> list[bytes]:
    """Each part as DEFLATE blocks of its own that end on a byte boundary."""
    packed = []
    for part in parts:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, _RAW_DEFLATE)
        packed.append(compressor.compress(part) + compressor.flush(zlib.Z_SYNC_FLUSH))
    return packed


def _stored(data: bytes) -> bytes:
    if len(data) > _STORED_MAX:
        raise ValueError("a stored block holds at most 65,535 bytes")
    # Not the last block, type "stored", padded to the byte; then the length and its complement.
    return b"\x00" + struct.pack("<HH", len(data), len(data) ^ 0xFFFF) + data


def assemble(parts: Sequence[bytes], packed: Sequence[bytes], between: bytes) -> bytes:
    """The gzip file of `between.join(parts)`, from `packed = deflate(parts)`."""
    body = [_HEADER]
    crc = 0
    size = 0
    for index, (part, blocks) in enumerate(zip(parts, packed, strict=True)):
        if index:
            body.append(_stored(between))
            crc = zlib.crc32(between, crc)
            size += len(between)
        body.append(blocks)
        crc = zlib.crc32(part, crc)
        size += len(part)
    body.append(_LAST_BLOCK)
    body.append(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return b"".join(body)
