"""Markdown written by staff, turned into the two bodies of an e-mail.

The HTML is sanitised: staff write Markdown, not HTML, and whatever raw HTML slips in is
reduced to a small set of tags that every mail program shows alike. The plain-text body is
derived from that same HTML, so both alternatives of a mail always say the same.
"""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "ul",
    "ol",
    "li",
    "strong",
    "em",
    "a",
    "blockquote",
    "br",
    "hr",
    "code",
    "pre",
}
# Mail programs ignore style sheets, so links get the portal's colour on the tag itself.
LINK_STYLE = "color:#00566b;"
TEXT_WIDTH = 72


def to_html(
    text: str, *, tags: set[str] = ALLOWED_TAGS, link_style: str | None = LINK_STYLE
) -> SafeString:
    """The Markdown as HTML with only the allowed tags and http(s)/mailto links.

    A web page passes its own `tags` and no `link_style`: its style sheet colours the links."""
    html = markdown.markdown(text, extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=tags,
        attributes={"a": {"href"}},
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"style": link_style}} if link_style else None,
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above  # nosec B308 B703


def html_to_text(html: str) -> str:
    """Readable plain text of HTML made by to_html: paragraphs, lists, links with addresses."""
    converter = _TextConverter()
    converter.feed(html)
    converter.close()
    return converter.result()


def to_text(text: str) -> str:
    return html_to_text(to_html(text))


def render(text: str) -> tuple[SafeString, str]:
    """Both bodies at once: (HTML, plain text)."""
    html = to_html(text)
    return html, html_to_text(html)


class _TextConverter(HTMLParser):
    """Collects blocks of text; each block is wrapped and indented when it ends."""

    BLOCKS = {"p", "h1", "h2", "h3", "h4", "li", "pre", "blockquote", "ul", "ol", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[int, str]] = []  # (number of the outer list or 0, text)
        self.list_count = 0
        self.current: list[str] = []
        self.lists: list[list[int]] = []  # per open list: [next number] or [] for bullets
        self.quote_depth = 0
        self.pre_depth = 0
        self.prefix_pending = ""
        self.links: list[str] = []
        self.heading = ""

    # -- blocks ---------------------------------------------------------------------------------

    def _flush(self) -> None:
        raw = "".join(self.current)
        self.current = []
        if self.pre_depth:
            lines = raw.strip("\n").splitlines()
            body = "\n".join("    " + line for line in lines)
        else:
            words = " ".join(raw.split())
            if not words:
                return
            indent = "   " * max(len(self.lists) - 1, 0)
            first = indent + self.prefix_pending
            rest = indent + " " * len(self.prefix_pending)
            body = textwrap.fill(
                words,
                width=TEXT_WIDTH,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
            if self.heading:
                underline = "=" if self.heading in {"h1", "h2"} else "-"
                body += "\n" + underline * min(len(words), TEXT_WIDTH)
        self.prefix_pending = ""
        if self.quote_depth:
            body = "\n".join(("> " * self.quote_depth + line).rstrip() for line in body.split("\n"))
        self.blocks.append((self.list_count if self.lists else 0, body))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self._flush()
        if tag in {"h1", "h2", "h3", "h4"}:
            self.heading = tag
        elif tag in {"ul", "ol"}:
            if not self.lists:
                self.list_count += 1
            self.lists.append([1] if tag == "ol" else [])
        elif tag == "li" and self.lists:
            numbering = self.lists[-1]
            if numbering:
                self.prefix_pending = f"{numbering[0]}. "
                numbering[0] += 1
            else:
                self.prefix_pending = "- "
        elif tag == "blockquote":
            self.quote_depth += 1
        elif tag == "pre":
            self.pre_depth += 1
        elif tag == "br":
            self.current.append("\n" if self.pre_depth else " ")
        elif tag == "hr":
            self.blocks.append((0, "-" * 20))
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.current.append("\x00")  # where the link's text starts

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self.links:
            href = self.links.pop()
            joined = "".join(self.current)
            start = joined.rfind("\x00")
            label = joined[start + 1 :]
            target = href.removeprefix("mailto:")
            shown = label if not href or label.strip() == target else f"{label} ({target})"
            self.current = [joined[:start] + shown]
            return
        if tag in self.BLOCKS:
            self._flush()
        if tag in {"h1", "h2", "h3", "h4"}:
            self.heading = ""
        elif tag in {"ul", "ol"} and self.lists:
            self.lists.pop()
        elif tag == "blockquote" and self.quote_depth:
            self.quote_depth -= 1
        elif tag == "pre" and self.pre_depth:
            self.pre_depth -= 1

    def handle_data(self, data: str) -> None:
        self.current.append(data)

    def result(self) -> str:
        self._flush()
        parts: list[str] = []
        previous_list = 0
        for in_list, text in self.blocks:
            # Items of one list stand on consecutive lines; everything else is a paragraph.
            if parts:
                parts.append("\n" if in_list and in_list == previous_list else "\n\n")
            parts.append(text)
            previous_list = in_list
        return "".join(parts)
