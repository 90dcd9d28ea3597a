"""A PDF render leaves nothing for a later full garbage collection (issue 19: the signed
declaration's p95 was made by full collections of the whole process every ten renders).
"""

from __future__ import annotations

import gc

import pytest

from declarations import pdf
from tests.factories import SignatureFactory

pytestmark = pytest.mark.django_db


def test_a_render_frees_its_documents_reference_cycles_before_it_returns():
    signature = SignatureFactory()
    pdf.render_signature(signature)
    gc.collect()

    pdf.render_signature(signature)

    # WeasyPrint's boxes are reference cycles; left to the collector they reach its oldest
    # generation and are freed in a full collection many renders later.
    assert gc.collect() == 0


def test_after_a_pdf_the_process_keeps_its_lasting_objects_out_of_full_collections():
    pdf.render_signature(SignatureFactory())

    # Fonts, stylesheets and the loaded Django: a full collection need not walk them again.
    assert gc.get_freeze_count() > 100_000
