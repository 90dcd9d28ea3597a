from __future__ import annotations

import hashlib
from datetime import timedelta

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from declarations import pdf
from declarations.models import Signature
from members.people.services import contacts_of
from portal.outbox.services import Attachment, queue_email_to_user


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def render_signature_pdf(signature_id: int) -> str:
    """Render the signed declaration once, store it, and send it to the municipality."""
    with transaction.atomic():
        signature = (
            # Only the signature's row: PostgreSQL cannot lock the nullable side of the outer
            # join to submitted_by (empty once that account is deleted).
            Signature.objects.select_for_update(of=("self",))
            .select_related("version", "organisation__authority", "submitted_by")
            .filter(pk=signature_id)
            .first()
        )
        if signature is None:
            return "missing"
        if signature.pdf:
            return "exists"
        if signature.on_paper:
            return "on paper"
        content = pdf.render_signature(signature)
        signature.pdf.save(f"{signature.verification_code}.pdf", ContentFile(content), save=False)
        signature.pdf_sha256 = hashlib.sha256(content).hexdigest()
        signature.pdf_rendered_at = timezone.now()
        signature.save(update_fields=["pdf", "pdf_sha256", "pdf_rendered_at"])
        # The account that entered it may have been deleted since (submitted_by is empty).
        people = (signature.submitted_by, *contacts_of(signature.organisation))
        recipients = {person for person in people if person is not None}
        attachment = Attachment(
            f"Gemeinsame-Erklaerung-{signature.version.label}.pdf", content, "application/pdf"
        )
        for person in recipients:
            queue_email_to_user(
                "declarations/signed",
                person,
                {"signature": signature, "organisation": signature.organisation},
                related=signature,
                attachments=[attachment],
            )
    return "rendered"


@shared_task
def render_missing_pdfs() -> int:
    """Hand over again the PDFs whose rendering never reached the queue (the broker was away)."""
    overdue = timezone.now() - timedelta(minutes=5)
    waiting = (
        Signature.objects.digital()
        .filter(pdf="", submitted_at__lt=overdue)
        .values_list("pk", flat=True)
    )
    ids = list(waiting[:100])
    for signature_id in ids:
        render_signature_pdf.delay(signature_id)
    return len(ids)
