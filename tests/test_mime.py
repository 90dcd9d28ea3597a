"""Mails written directly (portal.mime) read back as the same mail Django would have written."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from smtplib import SMTPServerDisconnected

import pytest
from django.core.files.base import ContentFile
from django.core.mail import get_connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import mime
from portal.mail import unsaved_email
from portal.models import OutboundEmail, OutboundEmailAttachment
from portal.tasks import build_message, send_one
from tests.smtp_sink import SmtpSink

UNSUBSCRIBE = {
    "List-Unsubscribe": "<https://kommunen-netzwerk.example/abmelden/" + "Ab1-_" * 24 + ">",
    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
}


def stored(**fields) -> OutboundEmail:
    values = {
        "kind": "mailing",
        "to": "leserin@kommune.example",
        "subject": "Neues aus dem Netzwerk – März",
        "body_text": "Guten Tag Frau Özdemir,\n\nwir laden Sie ein.\n",
        "body_html": "<p>Guten Tag Frau Özdemir,</p>\n<p>wir laden Sie ein.</p>",
        "language": "de",
        "headers": UNSUBSCRIBE,
        **fields,
    }
    email = unsaved_email(**values)
    email.save()
    return email


def parsed(data: bytes) -> EmailMessage:
    return message_from_bytes(data, policy=policy.default)


def django_way(email: OutboundEmail) -> EmailMessage:
    return parsed(build_message(email).message().as_bytes(linesep="\r\n"))


def assert_same_mail(direct: EmailMessage, django: EmailMessage) -> None:
    for name in ("Subject", "From", "To", "Reply-To", *UNSUBSCRIBE):
        # Django folds long headers onto a new line; unfolded, they carry the same value.
        assert str(direct[name] or "").strip() == str(django[name] or "").strip(), name
    assert direct.get_content_type() == django.get_content_type()
    for kind in ("plain", "html"):
        mine, theirs = direct.get_body((kind,)), django.get_body((kind,))
        assert (mine is None) == (theirs is None)
        if mine is not None and theirs is not None:
            assert mine.get_content() == theirs.get_content()
    assert direct["Date"]
    assert direct["Message-ID"]
    assert not direct.defects


@pytest.mark.django_db
def test_it_writes_the_mail_django_would_write():
    email = stored()
    data = mime.encode(email)
    assert data is not None
    assert_same_mail(parsed(data), django_way(email))
    assert b"Content-Transfer-Encoding: 8bit" in data


@pytest.mark.django_db
def test_a_text_only_mail_is_a_single_7bit_part():
    email = stored(body_text="Plain ASCII text.\n", body_html="")
    data = mime.encode(email)
    assert data is not None
    message = parsed(data)
    assert message.get_content_type() == "text/plain"
    assert message["Content-Transfer-Encoding"] == "7bit"
    assert_same_mail(message, django_way(email))


@pytest.mark.django_db
def test_every_line_ends_in_crlf_and_stays_within_smtps_limit():
    email = stored(body_text="eins\rzwei\r\ndrei\nvier", body_html="<p>a</p>\r<p>b</p>")
    data = mime.encode(email)
    assert data is not None
    assert not re.search(rb"\r(?!\n)|(?<!\r)\n", data)
    assert max(len(line) for line in data.split(b"\r\n")) <= 998
    assert parsed(data).get_body(("plain",)).get_content() == "eins\r\nzwei\r\ndrei\r\nvier"
    assert_same_mail(parsed(data), django_way(email))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"to": "jörg@kommune.example"}, id="non-ASCII address"),
        pytest.param({"to": "Jörg <joerg@kommune.example>"}, id="address with a name"),
        pytest.param({"body_text": "x" * 999}, id="line longer than SMTP allows"),
        pytest.param({"body_html": "<p>" + "x" * 999 + "</p>"}, id="long HTML line"),
        pytest.param({"body_text": ""}, id="no text, only HTML"),
        pytest.param({"headers": {"Reply-To": "a@b.example"}}, id="header Django writes"),
    ],
)
def test_it_leaves_unusual_mails_to_django(fields):
    assert mime.encode(stored(**fields)) is None


def test_text_that_cannot_be_utf8_is_left_to_django():
    # The database refuses such text, but a mail made in memory could carry it.
    assert mime._body_lines("broken \ud800 surrogate") is None


@pytest.mark.django_db
def test_a_header_with_a_line_break_is_refused_as_by_django():
    from django.core.mail import BadHeaderError

    with pytest.raises(BadHeaderError):
        mime.encode(stored(subject="Neu\nBcc: alle@example.org"))


@pytest.mark.django_db
def test_a_non_ascii_extra_header_is_encoded():
    email = stored(headers={"X-Thema": "Ehrenamt in Köln"})
    data = mime.encode(email)
    assert data is not None
    assert b"K\xc3\xb6ln" not in data.split(b"\r\n\r\n")[0]
    assert parsed(data)["X-Thema"] == "Ehrenamt in Köln"


# Text as people type it, with markup, umlauts, emoji and all kinds of line breaks.
prose = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=300
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(subject=prose.map(lambda s: " ".join(s.split())), text=prose.filter(bool), html=prose)
def test_any_text_reads_back_as_django_would_send_it(subject, text, html):
    email = stored(subject=subject, body_text=text, body_html=html)
    data = mime.encode(email)
    assert data is not None
    assert_same_mail(parsed(data), django_way(email))
    OutboundEmail.objects.filter(pk=email.pk).delete()


def smtp_connection(sink: SmtpSink):
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=sink.port,
        username="",
        password="",
        use_tls=False,
        use_ssl=False,
    )


@pytest.mark.django_db
def test_send_one_delivers_the_direct_bytes_over_smtp():
    email = stored()
    with SmtpSink() as sink:
        error = send_one(email, smtp_connection(sink))
    assert error is None
    assert email.status == OutboundEmail.Status.SENT
    assert sink.deliveries == {"leserin@kommune.example": 1}
    received = parsed(sink.handler.messages[0])
    assert_same_mail(received, django_way(email))
    assert b"=_portal_" in sink.handler.messages[0]


@pytest.mark.django_db
def test_a_mail_with_an_attachment_goes_djangos_way():
    email = stored()
    attachment = OutboundEmailAttachment(
        email=email, filename="erklaerung.pdf", mimetype="application/pdf"
    )
    attachment.file.save("erklaerung.pdf", ContentFile(b"%PDF-1.7 test"), save=True)
    with SmtpSink() as sink:
        assert send_one(email, smtp_connection(sink)) is None
    received = parsed(sink.handler.messages[0])
    assert received.get_content_type() == "multipart/mixed"
    assert [part.get_filename() for part in received.iter_attachments()] == ["erklaerung.pdf"]
    assert b"=_portal_" not in sink.handler.messages[0]


@pytest.mark.django_db
def test_an_unreachable_server_leaves_the_mail_queued_with_the_reason():
    email = stored()
    email.attempts = 1
    with SmtpSink() as sink:
        port = sink.port  # nothing listens there once the sink stopped
    connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=port,
        fail_silently=True,  # open() then returns without a connection instead of raising
    )
    error = send_one(email, connection)
    assert isinstance(error, SMTPServerDisconnected)
    assert email.status == OutboundEmail.Status.QUEUED
    assert "SMTPServerDisconnected" in email.last_error
