"""Sending information e-mails: the stored mails, test mails, preview, headers, languages,
and a fan-out that is interrupted."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from portal.mailings import batches, fanout, letters
from portal.mailings import services as mailings
from portal.mailings.batches import send_mailing_batch
from portal.mailings.fanout import start_mailing
from portal.mailings.services import send_scheduled_mailings
from portal.mailings.unsubscribe import UnsubscribeRequest, read_token
from portal.models import Mailing, MailingRecipient, OutboundEmail, Unsubscribe
from portal.outbox.services import queue_email
from portal.outbox.tasks import build_message, deliver_email
from tests.support import mailing_delivery as support
from tests.support.mailing_delivery import emails, make_mailing, send_everything, subscribe

pytestmark = pytest.mark.django_db


# Fixtures of tests/support/mailing_delivery.py that these tests ask for by name.
_messages_in_english = support._messages_in_english
sender = support.sender
topic = support.topic


# --- Sending ----------------------------------------------------------------------------------


def test_sending_stores_one_mail_per_recipient_and_sends_it(
    topic, sender, django_capture_on_commit_callbacks
):
    users = subscribe(topic, 4)
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)

    assert mailing.status == Mailing.Status.SENT
    assert mailing.recipient_count == 4
    assert mailing.started_at <= mailing.finished_at
    assert sorted(m.to[0] for m in mail.outbox) == emails(users)
    assert mailings.progress(mailing) == mailings.Progress(total=4, sent=4, failed=0, remaining=0)
    rows = MailingRecipient.objects.filter(mailing=mailing).select_related("outbound")
    assert {row.outbound.kind for row in rows} == {"portal/mailing"}
    assert {row.outbound.related for row in rows} == {mailing}


def test_a_double_click_sends_once(topic, sender, django_capture_on_commit_callbacks):
    subscribe(topic, 3)
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="already been sent"):
        mailings.send_now(Mailing.objects.get(pk=mailing.pk), sender)
    assert len(mail.outbox) == 3
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_clicks_at_the_same_moment_start_the_mailing_once(topic, sender):
    subscribe(topic, 5)
    mailing = make_mailing(topic, sender)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def click():
        translation.activate("en")  # each thread starts in the portal's language
        start.wait()
        try:
            mailings.send_now(Mailing.objects.get(pk=mailing.pk), sender)
            outcomes.append("sent")
        except ValidationError as refused:
            outcomes.append(refused.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[-1] == "sent"
    assert sorted(outcomes)[0].startswith("This mailing")
    assert len(mail.outbox) == 5
    assert len({m.to[0] for m in mail.outbox}) == 5


def test_a_test_mail_goes_only_to_me(topic, sender, django_capture_on_commit_callbacks):
    subscribe(topic, 3)
    sender.language = "en"
    sender.save()
    mailing = make_mailing(topic, sender)
    with django_capture_on_commit_callbacks(execute=True):
        test_mail = mailings.send_test(mailing, sender)

    assert test_mail.to == sender.email
    assert test_mail.subject == "[Test] Neuigkeiten & Termine"
    assert [m.to for m in mail.outbox] == [[sender.email]]
    assert not MailingRecipient.objects.exists()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_the_preview_is_the_final_mail_in_my_language(topic, sender):
    sender.language = "en"
    sender.full_name = "Tina Team"
    sender.save()
    mailing = make_mailing(topic, sender)
    subject, text, html = letters.preview(mailing, sender)
    assert subject == "Neuigkeiten & Termine"
    assert "Dear Tina Team," in text
    assert "Alles Weitere auf unserer Seite (https://example.org/treffen)." in " ".join(
        text.split()
    )
    assert '<html lang="en">' in html
    assert "<h2>Neues aus dem Netzwerk</h2>" in html
    assert "Kurzformate" in text


@pytest.mark.parametrize("name", ["Anna & Ömer <Team>", ""])
@pytest.mark.parametrize("language", ["de", "en"])
def test_the_stored_mail_is_the_mail_rendered_for_that_recipient(
    topic, sender, name, language, django_capture_on_commit_callbacks
):
    (reader,) = subscribe(topic, 1, language=language)
    reader.full_name = name
    reader.save()
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    stored = OutboundEmail.objects.get(to=reader.email)

    # The fan-out renders once and fills in name and link; the result must not differ. (The
    # signed link carries the second it was made in, so links are compared by their address.)
    subject, text, html = letters.render(
        mailing, email=reader.email, language=language, topic_id=topic.pk, recipient_name=name
    )
    token = re.compile(r"/abmelden/[^/\s\"]+/")
    assert token.search(stored.body_text)
    assert token.search(stored.body_html)
    assert (stored.subject, token.sub("/abmelden/…/", stored.body_text)) == (
        subject,
        token.sub("/abmelden/…/", text),
    )
    assert token.sub("/abmelden/…/", stored.body_html) == token.sub("/abmelden/…/", html)
    assert read_token(token.search(stored.body_text).group().split("/")[2]) == (
        UnsubscribeRequest(reader.email, topic.pk)
    )
    if name:
        assert "Anna &amp; Ömer &lt;Team&gt;" in stored.body_html
        assert "Anna & Ömer <Team>" in stored.body_text


def test_the_mail_carries_one_click_unsubscribe_headers(
    topic, sender, settings, django_capture_on_commit_callbacks
):
    (reader,) = subscribe(topic, 1)
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    stored = OutboundEmail.objects.get(to=reader.email)

    parsed = message_from_bytes(build_message(stored).message().as_bytes(), policy=policy.default)
    # The long address is folded onto a continuation line; unfolded it keeps one space.
    link = parsed["List-Unsubscribe"].strip()
    assert link.startswith(f"<{settings.PORTAL_BASE_URL}/abmelden/")
    assert link.endswith("/>")
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = link[1:-1]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert read_token(token) == UnsubscribeRequest(reader.email, topic.pk)

    assert parsed.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content() for part in parsed.iter_parts()}
    assert set(parts) == {"text/plain", "text/html"}
    assert url in parts["text/plain"]
    assert f'href="{url}"' in parts["text/html"]
    assert parsed["Subject"] == "Neuigkeiten & Termine"


def test_each_recipient_gets_the_mail_in_their_language(
    topic, sender, django_capture_on_commit_callbacks
):
    (english,) = subscribe(topic, 1, prefix="english", language="en")
    (german,) = subscribe(topic, 1, prefix="deutsch", language="de")
    mailing = make_mailing(topic, sender)
    send_everything(mailing, sender, django_capture_on_commit_callbacks)
    html = {m.to[0]: m.alternatives[0][0] for m in mail.outbox}
    assert '<html lang="en">' in html[english.email]
    assert '<html lang="de">' in html[german.email]
    assert OutboundEmail.objects.get(to=english.email).language == "en"


def test_unsubscribing_does_not_stop_transactional_mails(topic, sender):
    Unsubscribe.objects.create(email="ada@kommune.example", source="link")
    email = queue_email("test_message", "ada@kommune.example", {})
    deliver_email.apply(args=(email.pk,))
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


# --- Fan-out that is interrupted -----------------------------------------------------------------


def test_a_fan_out_that_died_continues_where_it_stopped(
    topic, sender, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MAILING_CONNECTIONS = 2
    subscribe(topic, 5)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING)
    monkeypatch.setattr(fanout, "FAN_OUT_CHUNK", 2)
    store_chunk = fanout._store_chunk
    calls = 0

    def dies_at_the_second_chunk(*args):
        nonlocal calls
        calls += 1
        if calls == 2:
            raise SystemExit("worker killed")
        return store_chunk(*args)

    monkeypatch.setattr(fanout, "_store_chunk", dies_at_the_second_chunk)
    with pytest.raises(SystemExit):
        start_mailing.run(mailing.pk)
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 2
    assert OutboundEmail.objects.count() == 2, "a mail is stored only with its recipient"

    monkeypatch.setattr(fanout, "_store_chunk", store_chunk)
    queued: list[int] = []
    monkeypatch.setattr(send_mailing_batch, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout.fan_out(mailing.pk) == 3
    mailing.refresh_from_db()
    assert mailing.recipient_count == 5
    assert OutboundEmail.objects.count() == 5
    assert queued == [mailing.pk, mailing.pk], "one chain of batches per connection"

    # Fixed now: a late subscriber and a second run of the task add nothing.
    subscribe(topic, 1, prefix="spaet")
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout.fan_out(mailing.pk) == 0
    assert MailingRecipient.objects.filter(mailing=mailing).count() == 5
    assert queued == [mailing.pk, mailing.pk]


def test_with_a_worker_batches_start_after_the_first_chunk_and_are_queued_once(
    topic, sender, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.MAILING_CONNECTIONS = 2
    subscribe(topic, 5)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING, started_at=timezone.now())
    monkeypatch.setattr(fanout, "FAN_OUT_CHUNK", 2)
    stored_when_queued: list[int] = []
    chains: list[int] = []
    queue_batches = fanout.queue_batches

    def queued(mailing_id):
        stored_when_queued.append(MailingRecipient.objects.filter(mailing_id=mailing_id).count())
        queue_batches(mailing_id)

    monkeypatch.setattr(fanout, "queue_batches", queued)
    monkeypatch.setattr(send_mailing_batch, "delay", chains.append)
    with django_capture_on_commit_callbacks(execute=True):
        assert fanout.fan_out(mailing.pk, batches_alongside=True) == 5
    # The chains were queued once the first two mails were stored, not again at the end.
    assert stored_when_queued == [2]
    assert chains == [mailing.pk, mailing.pk]


def test_a_batch_that_caught_up_with_the_fan_out_looks_again_soon(topic, sender, monkeypatch):
    subscribe(topic, 1)
    mailing = make_mailing(topic, sender, status=Mailing.Status.SENDING, started_at=timezone.now())
    batch = batches.send_batch(mailing.pk)
    assert (batch.handled, batch.pause) == (0, batches.FAN_OUT_POLL_SECONDS)

    # A fan-out that started long ago has stalled: the beat starts it again with new batches.
    Mailing.objects.filter(pk=mailing.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert batches.send_batch(mailing.pk).pause is None


def test_a_mailing_whose_audience_emptied_before_its_time_ends_without_mail(
    topic, sender, django_capture_on_commit_callbacks
):
    (reader,) = subscribe(topic, 1)
    mailing = make_mailing(topic, sender)
    mailings.schedule(mailing, timezone.now() + timedelta(minutes=5), sender)
    Unsubscribe.objects.create(email=reader.email, source="link")
    Mailing.objects.filter(pk=mailing.pk).update(scheduled_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        send_scheduled_mailings()
    mailing.refresh_from_db()
    assert (mailing.status, mailing.recipient_count) == (Mailing.Status.SENT, 0)
    assert mail.outbox == []
