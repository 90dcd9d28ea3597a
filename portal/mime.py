"""The bytes of an outgoing mail, written directly when the mail has the common shape.

Python's email package builds a tree of message objects and folds every header through
several layers of classes; for a mailing to thousands of recipients that took longer than the
SMTP conversation itself (docs/quality.md, mailing benchmark). Nearly every mail the portal
sends has one simple shape: a plain ASCII recipient address, a text and an HTML body in UTF-8
with no line longer than SMTP allows, and a few headers. For that shape this module writes the
MIME itself; the header values that are the same for a whole mailing (sender, subject, reply
address) still go through Django's and Python's encoding, once, and are kept.

Everything else (attachments, non-ASCII addresses, overlong lines, headers that take over
Django's own) returns None from `encode`, and the caller takes Django's way. Tests compare the
two ways by parsing both back (tests/test_mime.py).
"""

from __future__ import annotations

import functools
import re
import secrets
import smtplib
from email.generator import BytesGenerator
from email.message import Message
from email.utils import formatdate, make_msgid
from io import BytesIO
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.core.mail.utils import DNS_NAME

if TYPE_CHECKING:
    from portal.models import OutboundEmail

CRLF = b"\r\n"
# Line breaks as Python's email generator recognises them (email.feedparser.NLCRE_crack).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# An address that needs neither quoting nor encoding in a header or the SMTP envelope.
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")
# Headers the message writes itself; a mail whose extra headers name one goes Django's way,
# which knows how to let them take precedence.
_OWN_HEADERS = frozenset(
    [
        "content-type",
        "mime-version",
        "content-transfer-encoding",
        "subject",
        "date",
        "from",
        "to",
        "cc",
        "bcc",
        "reply-to",
        "message-id",
    ]
)


def _encoded_header(name: str, value: str) -> bytes:
    """One header line as Django's message would carry it (encoded and folded by Python)."""
    name, value = forbid_multi_line_headers(name, value, settings.DEFAULT_CHARSET)
    holder = Message()
    holder[name] = value
    flat = BytesIO()
    BytesGenerator(flat, mangle_from_=False).flatten(holder, linesep="\r\n")
    # A message of one header and no body flattens to that header and an empty line.
    return flat.getvalue()[: -len(CRLF)]


_shared_header = functools.lru_cache(maxsize=64)(_encoded_header)


@functools.lru_cache(maxsize=16)
def _envelope_sender(from_email: str) -> str:
    return sanitize_address(from_email, settings.DEFAULT_CHARSET)


def _plain_header(name: str, value: str) -> bytes | None:
    """A header of ASCII text written as it is (unfolded, which RFC 5322 allows up to 998
    characters), or None if it needs encoding."""
    line = f"{name}: {value}"
    if not line.isascii() or len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
        return None
    if "\r" in line or "\n" in line:
        return None
    return line.encode("ascii") + CRLF


def _body_lines(text: str) -> bytes | None:
    """The body as 8-bit UTF-8 lines, or None where Django would switch to quoted-printable
    (a line longer than SMTP allows) or the text cannot be encoded."""
    try:
        lines = [line.encode("utf-8") for line in _LINE_BREAK.split(text)]
    except UnicodeEncodeError:
        return None
    if any(len(line) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in lines):
        return None
    return CRLF.join(lines)


def _text_part(content_type: str, body: bytes) -> bytes:
    # 8bit only where needed: a server without 8BITMIME still takes a 7-bit body unchanged.
    encoding = "7bit" if body.isascii() else "8bit"
    return (
        f'Content-Type: {content_type}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode("ascii") + body


def _boundary(*bodies: bytes) -> bytes:
    while True:
        boundary = b"=_portal_" + secrets.token_hex(16).encode("ascii")
        if not any(boundary in body for body in bodies):
            return boundary


def encode(email: OutboundEmail) -> bytes | None:
    """The whole message of a stored mail with the common shape, ready for SMTP, else None.

    The caller must know that the mail has no attachments (the batches fetch them with the
    mails; a prefetched empty list costs no query).
    """
    if not _PLAIN_ADDRESS.fullmatch(email.to) or not email.body_text:
        # (Without a text Django leaves out the text part; rare enough to leave it that way.)
        return None
    extra = email.headers or {}
    if any(name.lower() in _OWN_HEADERS for name in extra):
        return None
    text = _body_lines(email.body_text)
    html = _body_lines(email.body_html) if email.body_html else None
    if text is None or (email.body_html and html is None):
        return None
    per_mail = [
        _plain_header("To", email.to),
        _plain_header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
        _plain_header("Message-ID", make_msgid(domain=str(DNS_NAME))),
    ]
    for name, value in extra.items():
        line = _plain_header(name, value)
        per_mail.append(line if line is not None else _encoded_header(name, value))
    if any(line is None for line in per_mail):
        return None
    head = [
        b"MIME-Version: 1.0\r\n",
        _shared_header("Subject", email.subject),
        _shared_header("From", email.from_email),
    ]
    if email.reply_to:
        head.append(_shared_header("Reply-To", email.reply_to))
    head.extend(line for line in per_mail if line is not None)
    if html is None:
        return b"".join(head) + _text_part("text/plain", text)
    boundary = _boundary(text, html)
    delimiter = b"\r\n--" + boundary + CRLF
    return (
        b"".join(head)
        + b'Content-Type: multipart/alternative; boundary="'
        + boundary
        + b'"\r\n\r\n--'
        + boundary
        + CRLF
        + _text_part("text/plain", text)
        + delimiter
        + _text_part("text/html", html)
        + b"\r\n--"
        + boundary
        + b"--\r\n"
    )


def can_send_directly(connection: object) -> bool:
    """Whether the connection is Django's SMTP backend, whose smtplib client can take bytes."""
    return isinstance(connection, SmtpBackend)


def send(connection: SmtpBackend, email: OutboundEmail, data: bytes) -> None:
    """Send encoded bytes over the connection, opening (and then closing) it if needed, as
    Django's backend does for a message. Errors are raised, never swallowed."""
    opened = connection.open()
    try:
        client = connection.connection
        if client is None:  # open() sets it or raises; fail_silently would leave it unset
            raise smtplib.SMTPServerDisconnected("no connection to the mail server")
        client.sendmail(_envelope_sender(email.from_email), [email.to], data)
    finally:
        if opened:
            connection.close()
