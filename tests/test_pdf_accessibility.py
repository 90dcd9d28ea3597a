"""Every PDF the portal makes is accessible (BITV, PDF/UA-1), read back with pikepdf.

For each kind (signed declaration, blank form, the combined file of signatures, both
participant lists, name badges): tagged (structure tree, marked), language and title set and
shown, the XMP claims PDF/UA-1, and no Figure in the structure tree lacks its text.
"""

from __future__ import annotations

import io
import logging
import secrets
from collections import Counter
from collections.abc import Callable, Iterator

import pikepdf
import pytest
from django.utils import translation

from declarations import pdf as declaration_pdf
from declarations import services
from meetings.events import pdf as event_pdf
from meetings.models import Registration
from tests.factories import EventFactory, OrganisationFactory, SignatureFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = "https://portal.example"


def _signed():
    return declaration_pdf.render_signature(SignatureFactory())


def _blank_form():
    return declaration_pdf.render_blank_form(SignatureFactory().version)


def _combined():
    signatures = [SignatureFactory(organisation=OrganisationFactory()) for _ in range(2)]
    return services.combined_pdf(signatures)


def _event_with_a_guest():
    event = EventFactory(title="Netzwerktreffen 2026", capacity=None)
    Registration.objects.create(
        event=event,
        guest_name="Gerda Gast",
        guest_email="gast@verein.example",
        guest_organisation="Freiwilligenagentur Bonn",
        guest_token=secrets.token_urlsafe(32),
        status=Registration.Status.CONFIRMED,
        listed_consent=True,
    )
    return event


def _list_for_participants():
    return event_pdf.participant_list(_event_with_a_guest(), for_participants=True)


def _list_for_the_team():
    return event_pdf.participant_list(_event_with_a_guest(), for_participants=False)


def _badges():
    return event_pdf.badges(_event_with_a_guest())


KINDS: dict[str, Callable[[], bytes]] = {
    "signed declaration": _signed,
    "blank form": _blank_form,
    "combined signatures": _combined,
    "list for participants": _list_for_participants,
    "list for the team": _list_for_the_team,
    "name badges": _badges,
}


@pytest.fixture(params=list(KINDS))
def document(request) -> pikepdf.Pdf:
    # The event lists use the active language; German is what staff see by default.
    with translation.override("de"):
        content = KINDS[request.param]()
    return pikepdf.open(io.BytesIO(content))


def structure_elements(document: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every structure element below the structure tree root, depth first."""
    seen: set[tuple[int, int]] = set()
    stack = [document.Root.StructTreeRoot.K]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            yield node
            if "/K" in node:
                stack.append(node.K)
        # Anything else is marked content (an MCID number, a marked-content or object
        # reference): content, not structure.


def figures(document: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    return [element for element in structure_elements(document) if element.S == "/Figure"]


def xmp(document: pikepdf.Pdf) -> pikepdf.models.PdfMetadata:
    """The XMP metadata, read only (nothing is written back without a `with` block)."""
    return document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)


def test_every_kind_of_pdf_is_tagged_and_marked(document):
    assert "/StructTreeRoot" in document.Root
    assert bool(document.Root.MarkInfo.Marked) is True
    kinds = {str(element.S) for element in structure_elements(document)}
    assert "/Document" in kinds
    assert kinds & {"/P", "/Table", "/H1"}, "the content is in the tree, not only a Document"


def test_every_kind_of_pdf_has_a_language_and_a_title_that_viewers_show(document):
    assert str(document.Root.Lang) == "de"
    title = str(document.docinfo["/Title"])
    assert title.strip()
    assert xmp(document)["dc:title"] == title
    assert bool(document.Root.ViewerPreferences.DisplayDocTitle) is True


def test_every_kind_of_pdf_claims_pdf_ua_1_in_its_xmp(document):
    assert str(xmp(document)["pdfuaid:part"]) == "1"
    assert document.pdf_version == "1.7"


def test_no_figure_in_any_kind_of_pdf_lacks_its_alternative_text(document):
    for figure in figures(document):
        assert "/Alt" in figure, "a Figure without Alt (decoration belongs in a background)"
        assert str(figure.Alt).strip()


def test_the_flag_in_the_declarations_letterhead_is_an_artifact_not_a_figure():
    with pikepdf.open(io.BytesIO(_signed())) as document:
        texts = sorted(str(figure.Alt) for figure in figures(document) if "/Alt" in figure)
        count = len(figures(document))
    with translation.override("de"):
        expected = sorted(
            [
                translation.gettext("Logo of the Kommunen-Netzwerk"),
                translation.gettext("QR code with the address for checking this document"),
            ]
        )
    # The logo and the QR code carry meaning and have their text; the flag is no Figure.
    assert texts == expected
    assert count == 2


@pytest.mark.parametrize("kind", list(KINDS))
def test_weasyprint_reports_nothing_missing_while_rendering(kind, caplog):
    # WeasyPrint logs an error for an image without alt or a document without lang, and
    # still writes the file.
    with caplog.at_level(logging.WARNING, logger="weasyprint"), translation.override("de"):
        KINDS[kind]()
    assert [record.getMessage() for record in caplog.records if record.name == "weasyprint"] == []


def kinds_of_structure(content: bytes) -> Counter[str]:
    """How many headings, tables, figures and list items a PDF's structure tree holds."""
    meaningful = {"/H1", "/H2", "/H3", "/Table", "/TH", "/Figure", "/L", "/LI"}
    with pikepdf.open(io.BytesIO(content)) as document:
        return Counter(
            str(element.S)
            for element in structure_elements(document)
            if str(element.S) in meaningful
        )


def test_the_combined_file_keeps_the_structure_of_every_signed_copy():
    first, second = (SignatureFactory(organisation=OrganisationFactory()) for _ in range(2))
    alone = kinds_of_structure(declaration_pdf.render_signature(first)) + kinds_of_structure(
        declaration_pdf.render_signature(second)
    )

    combined = kinds_of_structure(services.combined_pdf([first, second]))

    # Appending the stored PDFs kept none of this: the file had no structure tree at all.
    assert combined == alone
    assert combined["/H1"] == 2
    assert combined["/Figure"] == 4
