"""The declaration's text: Markdown as HTML, for its pages, admin's preview and the PDF."""

from __future__ import annotations

from django.utils.safestring import SafeString

from portal import markdown

ALLOWED_TAGS = {"p", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "br"}


def render_body(text: str) -> SafeString:
    """The version's Markdown as HTML with only a safe subset of tags."""
    return markdown.to_html(text, tags=ALLOWED_TAGS, link_style=None)
