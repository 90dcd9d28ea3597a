"""Stored files handed out to people, named after what they are.

The name of an upload is chosen by whoever uploaded it: `Ratsbeschluss.html` may well be the
PDF the upload check let in. A download named and typed after that name would open as a web
page, or not at all. So every view that hands out a stored file answers with `file_response`:
its content type is the one the upload check found, or, where the check stored none, the one
the file's first bytes name (portal.uploads.kind_of, the same sniffer the checks use); the
name keeps its stem and gets that type's extension. A file that is none of the known kinds
goes out as `application/octet-stream`, always as an attachment.

Only images may be shown in the page (`inline=True`); everything else is an attachment, so a
browser never renders a stored file as a document of the portal's own origin.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import PurePath
from typing import IO, Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from portal.uploads import (
    DOCX_TYPE,
    HEAD_BYTES,
    JPEG_TYPE,
    PDF_TYPE,
    PNG_TYPE,
    PPTX_TYPE,
    WEBP_TYPE,
    XLSX_TYPE,
    ZIP_ERRORS,
    ZIP_TYPE,
    kind_of,
    office_type,
)

UNKNOWN_TYPE = "application/octet-stream"
EXTENSIONS = {
    PDF_TYPE: ".pdf",
    JPEG_TYPE: ".jpg",
    PNG_TYPE: ".png",
    WEBP_TYPE: ".webp",
    DOCX_TYPE: ".docx",
    XLSX_TYPE: ".xlsx",
    PPTX_TYPE: ".pptx",
}
INLINE_TYPES = frozenset({JPEG_TYPE, PNG_TYPE, WEBP_TYPE})
DEFAULT_STEM = "dokument"


def download_name(name: str, content_type: str, extension: str = "") -> str:
    """`name` without folders, with the extension of `content_type` (or `extension`) in place
    of its own; unchanged where the type has no known extension."""
    base = PurePath(name.replace("\\", "/")).name.strip() or DEFAULT_STEM
    extension = extension or EXTENSIONS.get(content_type, "")
    if not extension:
        return base
    stem = PurePath(base).stem if PurePath(base).suffix else base
    return (stem.strip(" .") or DEFAULT_STEM) + extension


def stored_type(handle: IO[bytes] | Any) -> str:
    """What a stored file is by its content; leaves it at its start."""
    handle.seek(0)
    kind = kind_of(handle.read(HEAD_BYTES))
    handle.seek(0)
    if kind == ZIP_TYPE:
        try:
            with zipfile.ZipFile(handle) as package:
                kind = office_type(package) or UNKNOWN_TYPE
        except ZIP_ERRORS:
            kind = UNKNOWN_TYPE
        handle.seek(0)
    return kind or UNKNOWN_TYPE


def file_response(
    file: Any,
    name: str,
    content_type: str = "",
    *,
    extension: str = "",
    inline: bool = False,
) -> FileResponse:
    """A stored file (a FieldFile) as a download named `name` with the extension of its type.

    `content_type`: what the upload check found; without it the file's first bytes decide.
    `inline`: show an image in the page; anything else is an attachment all the same.
    404 if there is no file (yet) or it is gone from the storage."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    kind = content_type or stored_type(handle)
    return FileResponse(
        handle,
        as_attachment=not (inline and kind in INLINE_TYPES),
        filename=download_name(name, kind, extension),
        content_type=kind,
    )


# One range only ("bytes=0-99", "bytes=100-", "bytes=-100"): what players ask for when seeking.
SINGLE_RANGE = re.compile(r"\Abytes=(\d*)-(\d*)\Z")
CHUNK_BYTES = 64 * 1024


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) of a single range within `size` bytes; None if the header asks for no
    single range we serve (the whole file goes out then, as HTTP allows); ValueError if the
    range cannot be satisfied."""
    match = SINGLE_RANGE.match(header.strip())
    if not match or not any(match.groups()):
        return None
    first_text, last_text = match.groups()
    if not first_text:  # the last n bytes
        length = int(last_text)
        if length == 0 or size == 0:
            raise ValueError
        return max(size - length, 0), size - 1
    first = int(first_text)
    last = min(int(last_text), size - 1) if last_text else size - 1
    if first >= size or (last_text and int(last_text) < first):
        raise ValueError
    return first, last


def _read(handle: Any, first: int, length: int):
    try:
        handle.seek(first)
        while length > 0:
            chunk = handle.read(min(CHUNK_BYTES, length))
            if not chunk:
                break
            length -= len(chunk)
            yield chunk
    finally:
        handle.close()


def ranged_file_response(request: HttpRequest, file: Any, content_type: str) -> HttpResponseBase:
    """A stored media file (video, captions) shown in the page, with single byte ranges, so
    that a player can seek: 206 with Content-Range for a range, 416 for one beyond the end,
    200 with the whole file otherwise. Django's FileResponse answers ranges with everything."""
    if not file:
        raise Http404
    try:
        size = file.size
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response: HttpResponseBase
    try:
        wanted = _byte_range(request.headers.get("Range", ""), size)
    except ValueError:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
    else:
        if wanted is None:
            response = FileResponse(handle, content_type=content_type)
        else:
            first, last = wanted
            response = StreamingHttpResponse(
                _read(handle, first, last - first + 1), status=206, content_type=content_type
            )
            response["Content-Range"] = f"bytes {first}-{last}/{size}"
            response["Content-Length"] = str(last - first + 1)
    response["Accept-Ranges"] = "bytes"
    return response
