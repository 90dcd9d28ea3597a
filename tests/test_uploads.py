"""The upload checks trust neither the file name nor the content type, only the content."""

from __future__ import annotations

import io

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from PIL import Image

from portal.uploads import validate_image, validate_pdf


def real_pdf(pages: int = 1) -> bytes:
    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def real_image(image_format: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 86, 107)).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(content: bytes, name: str, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def code_of(check, file, **kwargs) -> str | None:
    with pytest.raises(ValidationError) as caught:
        check(file, **kwargs)
    return caught.value.code


# --- PDF --------------------------------------------------------------------------------------


def test_a_real_pdf_passes_and_stays_readable_from_the_start():
    file = upload(real_pdf(), "nachweis.pdf", "application/pdf")
    validate_pdf(file)
    assert file.tell() == 0
    assert file.read(5) == b"%PDF-"


def test_a_real_pdf_in_a_temporary_file_passes():
    content = real_pdf(pages=3)
    file = TemporaryUploadedFile("gross.pdf", "application/pdf", len(content), None)
    file.write(content)
    file.seek(0)
    try:
        validate_pdf(file)
    finally:
        file.close()


def test_a_text_file_renamed_to_pdf_is_refused():
    file = upload(b"Dies ist kein PDF, nur Text.\n", "nachweis.pdf", "application/pdf")
    assert code_of(validate_pdf, file) == "not_pdf"


def test_the_pdf_magic_followed_by_junk_is_refused():
    file = upload(b"%PDF-1.7\n" + b"\x00junk\xff" * 200, "nachweis.pdf", "application/pdf")
    assert code_of(validate_pdf, file) == "not_pdf"


def test_a_truncated_pdf_is_refused():
    content = real_pdf()
    file = upload(content[: len(content) // 2], "nachweis.pdf", "application/pdf")
    assert code_of(validate_pdf, file) == "not_pdf"


def test_an_image_named_pdf_is_refused():
    file = upload(real_image(), "nachweis.pdf", "application/pdf")
    assert code_of(validate_pdf, file) == "not_pdf"


def test_an_empty_file_is_refused_as_pdf():
    assert code_of(validate_pdf, upload(b"", "leer.pdf", "application/pdf")) == "not_pdf"


def test_a_password_protected_pdf_is_refused():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("geheim")
    buffer = io.BytesIO()
    writer.write(buffer)
    file = upload(buffer.getvalue(), "geschuetzt.pdf", "application/pdf")
    assert code_of(validate_pdf, file) == "encrypted_pdf"


def test_an_oversize_pdf_is_refused_before_it_is_parsed():
    file = upload(real_pdf(), "nachweis.pdf", "application/pdf")
    assert code_of(validate_pdf, file, max_bytes=100) == "too_large"


def test_the_default_pdf_limit_is_ten_megabytes():
    big = upload(b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "gross.pdf", "application/pdf")
    assert code_of(validate_pdf, big) == "too_large"


def test_the_size_message_names_the_limit():
    with pytest.raises(ValidationError) as caught:
        validate_pdf(upload(real_pdf(), "x.pdf", "application/pdf"), max_bytes=200)
    assert "200" in caught.value.messages[0]


def test_the_pdf_check_works_as_a_form_field_validator():
    from django import forms

    class AttachmentForm(forms.Form):
        file = forms.FileField(validators=[validate_pdf])

    good = AttachmentForm(files={"file": upload(real_pdf(), "a.pdf", "application/pdf")})
    bad = AttachmentForm(files={"file": upload(b"hallo", "a.pdf", "application/pdf")})
    assert good.is_valid()
    assert not bad.is_valid()
    assert bad.errors["file"]


# --- Images -----------------------------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP"])
def test_real_png_jpeg_and_webp_images_pass(image_format):
    file = upload(real_image(image_format), "bild.bin", "application/octet-stream")
    validate_image(file)
    assert file.tell() == 0


def test_a_fake_image_is_refused():
    file = upload(b"\x89PNG\r\n\x1a\nnot really a picture", "bild.png", "image/png")
    assert code_of(validate_image, file) == "not_image"


def test_a_text_file_renamed_to_jpg_is_refused():
    file = upload(b"<script>alert(1)</script>", "bild.jpg", "image/jpeg")
    assert code_of(validate_image, file) == "not_image"


def test_a_pdf_is_not_an_image():
    file = upload(real_pdf(), "bild.png", "image/png")
    assert code_of(validate_image, file) == "not_image"


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_refused(image_format):
    file = upload(real_image(image_format), "bild.png", "image/png")
    assert code_of(validate_image, file) == "image_format"


def test_an_oversize_image_is_refused():
    file = upload(real_image(), "bild.png", "image/png")
    assert code_of(validate_image, file, max_bytes=10) == "too_large"


def test_the_default_image_limit_is_five_megabytes():
    big = upload(real_image() + b"\0" * (5 * 1024 * 1024), "bild.png", "image/png")
    assert code_of(validate_image, big) == "too_large"
