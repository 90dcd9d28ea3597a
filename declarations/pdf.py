"""WeasyPrint documents of the declaration (written by its owner in this session)."""

from declarations.models import Signature


def render_signature(signature: Signature) -> bytes:
    raise NotImplementedError
