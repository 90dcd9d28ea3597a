"""How far an information e-mail is, counted without reading the whole outbox (issue 19): at
the network's full size the outbox holds 200,000 rows, and the staff overview asks on every
visit."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.mailings.models import Mailing, MailingRecipient
from portal.mailings.services import Progress, progress, progress_of_many
from portal.outbox.models import OutboundEmail

pytestmark = pytest.mark.django_db
Status = OutboundEmail.Status


def _mailing(states, *, recipient_count=0):
    """A mailing with one recipient per state; None is a recipient whose mail is not stored."""
    mailing = Mailing.objects.create(
        subject="Neuigkeiten",
        body="Liebe Engagierte",
        include=[{"segment": "members.contacts"}],
        recipient_count=recipient_count,
    )
    for number, state in enumerate(states):
        address = f"person-{mailing.pk}-{number}@kommune.example"
        outbound = None
        if state is not None:
            outbound = OutboundEmail.objects.create(
                kind="mailing", to=address, subject="s", body_text="b", language="de", status=state
            )
        MailingRecipient.objects.create(
            mailing=mailing, email=address, language="de", outbound=outbound
        )
    return mailing


def test_progress_counts_each_state_of_the_outbox_once():
    mailing = _mailing(
        [Status.SENT, Status.SENT, Status.FAILED, Status.QUEUED, Status.SENDING, None]
    )

    assert progress(mailing) == Progress(total=6, sent=2, failed=1, remaining=3)


def test_several_mailings_each_get_their_own_counts_and_the_promised_total():
    first = _mailing([Status.SENT, Status.FAILED])
    second = _mailing([Status.SENT], recipient_count=4)
    unsent = _mailing([])

    assert progress_of_many([first, second, unsent]) == {
        first.pk: Progress(total=2, sent=1, failed=1, remaining=0),
        second.pk: Progress(total=4, sent=1, failed=0, remaining=3),
        unsent.pk: Progress(total=0, sent=0, failed=0, remaining=0),
    }


def test_a_mailing_whose_mails_all_went_out_has_nothing_remaining():
    mailing = _mailing([Status.SENT] * 3, recipient_count=3)

    assert progress(mailing) == Progress(total=3, sent=3, failed=0, remaining=0)


def test_the_count_is_one_query_that_does_not_join_the_outbox():
    mailings = [_mailing([Status.SENT, Status.QUEUED]), _mailing([Status.FAILED])]

    with CaptureQueriesContext(connection) as queries:
        progress_of_many(mailings)

    (query,) = queries.captured_queries
    # Joined, PostgreSQL reads every outbox row; as a subquery on the states not sent it
    # uses the index on the status and finds the few.
    assert "JOIN" not in query["sql"]
    assert """U0."status" IN ('queued', 'sending', 'failed')""" in query["sql"]
