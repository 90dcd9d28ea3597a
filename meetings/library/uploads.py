"""Checking a file for the library: PDF, Word, Excel, PowerPoint and their OpenDocument kin.

The name and the content type of an upload come from the sender, so neither is trusted: the
file's first bytes decide what it is, and the file must then prove it. A PDF must be readable
(portal.uploads.validate_pdf); an Office Open XML file (.docx, .xlsx, .pptx) must be a zip
package that declares the right main part (portal.uploads.office_type); an
OpenDocument file (.odt, .ods, .odp) must be a zip package whose `mimetype` entry names the
kind and that holds its content.

Refused on purpose:

- macro-enabled variants (.docm, .xlsm, .pptm: other main part types; OpenDocument packages
  with Basic or script folders), since the library hands files to many people;
- the old binary Office formats (.doc, .xls, .ppt): they share their container (OLE) with
  installers (.msi) and cannot be told apart by their first bytes. Staff save them as PDF.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from portal.uploads import (
    CONTENT_TYPES_PART,
    DOCX_TYPE,
    PDF_TYPE,
    PPTX_TYPE,
    XLSX_TYPE,
    ZIP_ERRORS,
    ZIP_TYPE,
    office_type,
    read_entry,
    sniff,
    validate_pdf,
)

MAX_BYTES = 20 * 1024 * 1024
# The `mimetype` entry of an OpenDocument package is its first entry and holds only the type.
MIMETYPE_ENTRY = "mimetype"
MIMETYPE_MAX_BYTES = 100
ODF_CONTENT = "content.xml"
ODF_MACRO_FOLDERS = ("Basic/", "Scripts/")
FILE_NAME_MAX_LENGTH = 200


@dataclass(frozen=True)
class DocumentType:
    content_type: str
    extension: str
    label: str  # what people call the format


PDF = DocumentType(PDF_TYPE, ".pdf", "PDF")
DOCX = DocumentType(DOCX_TYPE, ".docx", "Word")
XLSX = DocumentType(XLSX_TYPE, ".xlsx", "Excel")
PPTX = DocumentType(PPTX_TYPE, ".pptx", "PowerPoint")
ODT = DocumentType("application/vnd.oasis.opendocument.text", ".odt", "OpenDocument Text")
ODS = DocumentType(
    "application/vnd.oasis.opendocument.spreadsheet", ".ods", "OpenDocument Spreadsheet"
)
ODP = DocumentType(
    "application/vnd.oasis.opendocument.presentation", ".odp", "OpenDocument Presentation"
)
DOCUMENT_TYPES = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP)
BY_EXTENSION = {kind.extension: kind for kind in DOCUMENT_TYPES}
OOXML_TYPES = {kind.content_type: kind for kind in (DOCX, XLSX, PPTX)}
ODF_TYPES = {kind.content_type: kind for kind in (ODT, ODS, ODP)}


def _refused() -> ValidationError:
    return ValidationError(
        _(
            "This kind of file cannot be added to the library. Please upload a PDF document, "
            "a Word, Excel or PowerPoint file (.docx, .xlsx, .pptx) or an OpenDocument file "
            "(.odt, .ods, .odp). Files with macros are not accepted."
        ),
        code="file_type",
    )


def _package_type(uploaded_file: Any) -> DocumentType:
    """The kind of an Office Open XML or OpenDocument package; else ValidationError."""
    try:
        with zipfile.ZipFile(uploaded_file) as package:
            names = set(package.namelist())
            if CONTENT_TYPES_PART in names:
                office = office_type(package)
                if office is None:
                    raise _refused()
                return OOXML_TYPES[office]
            if MIMETYPE_ENTRY in names and ODF_CONTENT in names:
                declared = read_entry(package, MIMETYPE_ENTRY, MIMETYPE_MAX_BYTES) or ""
                kind = ODF_TYPES.get(declared.strip())
                if kind is not None and not any(
                    name.startswith(ODF_MACRO_FOLDERS) for name in names
                ):
                    return kind
    except ZIP_ERRORS:
        raise _refused() from None
    raise _refused()


def validate_document(uploaded_file: Any, max_bytes: int | None = None) -> DocumentType:
    """Check a file for the library and return what it is; raises ValidationError.

    Codes: "too_large", "file_type", and those of validate_pdf ("not_pdf", "encrypted_pdf",
    "empty_pdf"). Leaves the file at its start, so that it can be saved afterwards.
    """
    limit = MAX_BYTES if max_bytes is None else max_bytes
    content_type = sniff(uploaded_file, limit)
    try:
        if content_type == PDF_TYPE:
            validate_pdf(uploaded_file, max_bytes=limit)
            return PDF
        if content_type == ZIP_TYPE:
            return _package_type(uploaded_file)
    finally:
        uploaded_file.seek(0)
    raise _refused()


def type_of(name: str) -> DocumentType | None:
    """The kind of a stored file by its extension, which the upload check has set."""
    return BY_EXTENSION.get(PurePath(name).suffix.lower())


def display_name(uploaded_name: str, kind: DocumentType) -> str:
    """The name people see and download: the upload's name with the extension of what the
    file really is, without folders or control characters."""
    base = PurePath(uploaded_name.replace("\\", "/")).name
    stem = PurePath(base).stem if PurePath(base).suffix else base
    stem = "".join(ch for ch in stem if unicodedata.category(ch)[0] != "C")
    stem = re.sub(r"\s+", " ", stem).strip(" .") or "dokument"
    return stem[: FILE_NAME_MAX_LENGTH - len(kind.extension)] + kind.extension


def storage_name(uploaded_name: str, kind: DocumentType) -> str:
    """A plain ASCII name for the storage, which the random folder keeps apart."""
    stem = slugify(PurePath(display_name(uploaded_name, kind)).stem)[:80] or "dokument"
    return stem + kind.extension
