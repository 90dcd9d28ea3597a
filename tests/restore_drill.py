"""The world of the restore drill (tests/test_backup.py): what the portal must not lose, how to
look at it from outside, and the SQLite drill's stages, which run in `manage.py shell` against
a database file of their own.

Not a test module: pytest does not collect it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from io import StringIO
from pathlib import Path

from django.core import mail
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from meetings.events import services as meeting_services
from members.models import Affiliation
from portal.backup.database import current_state
from portal.models import Erasure, Mailing, MailingRecipient, OutboundEmail, User
from portal.outbox.services import unsaved_email
from portal.outbox.tasks import deliver_email
from portal.personal_data.registry import delete_account
from tests.factories import AffiliationFactory, EventFactory, MembershipFactory, SignatureFactory

PDF = b"%PDF-1.4\n% Gemeinsame Erklaerung, unterschrieben\n%%EOF\n"
LOCMEM = "django.core.mail.backends.locmem.EmailBackend"


def _mail(subject, to, **fields):
    email = unsaved_email(
        kind="test_message",
        to=to,
        subject=subject,
        body_text=f"{subject}.",
        body_html="",
        language="de",
    )
    for name, value in fields.items():
        setattr(email, name, value)
    email.save()
    return email


def make_world():
    """A member with its people, a signed declaration with its PDF, a registration, a sent
    information e-mail, a waiting mail, one being sent, a scheduled mailing and a deleted
    account; returns the numbers and texts to find them again."""
    now = timezone.now()
    organisation = MembershipFactory().organisation
    contact = AffiliationFactory(organisation=organisation, role=Affiliation.Role.CONTACT).user
    head = AffiliationFactory(
        organisation=organisation, role=Affiliation.Role.HEAD, office="Bürgermeisterin"
    ).user
    signature = SignatureFactory(organisation=organisation, submitted_by=head)
    signature.pdf.save(f"{signature.verification_code}.pdf", ContentFile(PDF), save=False)
    signature.pdf_sha256 = hashlib.sha256(PDF).hexdigest()
    signature.save()
    event = EventFactory(title="Netzwerktreffen Drill")
    meeting_services.register(event, contact, contact)
    mailing = Mailing.objects.create(
        subject="Neuigkeiten aus dem Netzwerk",
        body="Hallo",
        include=[{"segment": "members.contacts"}],
        status=Mailing.Status.SENT,
        started_at=now,
        finished_at=now,
    )
    sent = _mail("Neuigkeiten aus dem Netzwerk", contact.email, status="sent", sent_at=now)
    MailingRecipient.objects.create(
        mailing=mailing, email=contact.email, user=contact, language="de", outbound=sent
    )
    queued = _mail("Wartet noch", "wartet@kommune.example")
    in_flight = _mail(
        "Wird gerade gesendet",
        "unterwegs@kommune.example",
        status="sending",
        attempts=1,
        last_attempt_at=now,
        next_attempt_at=now + datetime.timedelta(minutes=2),
    )
    scheduled = Mailing.objects.create(
        subject="Einladung zum Kongress",
        body="Bald",
        include=[{"segment": "members.contacts"}],
        status=Mailing.Status.SCHEDULED,
        scheduled_at=now + datetime.timedelta(days=7),
    )
    gone_before = AffiliationFactory(organisation=organisation, role=Affiliation.Role.COLLEAGUE)
    delete_account(gone_before.user)
    gone_after = AffiliationFactory(organisation=organisation, role=Affiliation.Role.COLLEAGUE)
    return {
        "name": organisation.authority.name,
        "contact": contact.pk,
        "signature": signature.pk,
        "code": signature.verification_code,
        "sha256": signature.pdf_sha256,
        "event": event.pk,
        "mails": {"sent": sent.pk, "queued": queued.pk, "in_flight": in_flight.pk},
        "scheduled": scheduled.pk,
        "gone_before": gone_before.user_id,
        "gone_after": gone_after.user_id,
        "gone_after_email": gone_after.user.email,
    }


def delete_after_backup(world):
    delete_account(User.objects.get(pk=world["gone_after"]))


def _page(url, *needles, user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    if response.get("Content-Type", "").startswith("application/pdf"):
        return [response.status_code, hashlib.sha256(response.content).hexdigest()]
    text = response.content.decode()
    return [response.status_code, [needle for needle in needles if needle in text]]


def observe(world):
    """What the public, a member and the database show of the world."""
    contact = User.objects.get(pk=world["contact"])
    scheduled = Mailing.objects.get(pk=world["scheduled"])
    return {
        "pages": {
            "home": _page("/"),
            "directory": _page(reverse("members:directory"), world["name"]),
            "signatories": _page(reverse("declarations:signatories"), world["name"]),
            "verification": _page(
                reverse("declarations:verify_code", args=[world["code"]]),
                world["name"],
                world["sha256"],
            ),
            "pdf": _page(
                reverse("declarations:signature_pdf", args=[world["signature"]]), user=contact
            ),
            "event": _page(
                reverse("meetings:event_detail", args=[world["event"]]),
                "Netzwerktreffen Drill",
                user=contact,
            ),
        },
        "counts": current_state().counts,
        "outbox": {
            name: OutboundEmail.objects.get(pk=pk).status for name, pk in world["mails"].items()
        },
        "scheduled": [scheduled.status, scheduled.scheduled_at.isoformat()],
        "accounts": {
            name: User.objects.filter(pk=world[name]).exists()
            for name in ("contact", "gone_before", "gone_after")
        },
        "erasures": sorted(
            [row.object_pk, row.replayed_at is not None]
            for row in Erasure.objects.filter(model="portal.user")
        ),
    }


def deliver_everything_twice():
    """Run the delivery of every outbox row twice, as an over-eager worker and beat would;
    returns the subjects of what went out."""
    with override_settings(EMAIL_BACKEND=LOCMEM):
        mail.outbox = []
        for _round in range(2):
            for pk in OutboundEmail.objects.order_by("pk").values_list("pk", flat=True):
                deliver_email.apply(args=(pk,))
        return sorted(message.subject for message in mail.outbox)


# --- The SQLite drill's stages (tests/test_backup.py runs them in `manage.py shell`) ---------


def before_disaster(folder):
    """Make the database and the world, back it up into `folder`, delete an account after
    the backup."""
    call_command("migrate", verbosity=0)
    with override_settings(EMAIL_BACKEND=LOCMEM):
        world = make_world()
        call_command("backup_portal", folder)
        delete_after_backup(world)
        seen = observe(world)
    Path(folder, "world.json").write_text(json.dumps({"world": world, "seen": seen}))


def after_restore(folder, backup):
    """Restore `backup` into the empty database, then look and deliver."""
    world = json.loads(Path(folder, "world.json").read_text())["world"]
    report = StringIO()
    call_command("restore_portal", backup, stdout=report)
    with override_settings(EMAIL_BACKEND=LOCMEM):
        seen = observe(world)
        sent = deliver_everything_twice()
        outbox = observe(world)["outbox"]
    result = {
        "report": report.getvalue(),
        "seen": seen,
        "delivered": sent,
        "outbox_after_delivery": outbox,
    }
    Path(folder, "restored.json").write_text(json.dumps(result))
