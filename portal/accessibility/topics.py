"""The topics that the Leichte Sprache pages and the sign-language page both explain, in the
order of the start page's duties (BITV 2.0 § 4: main content, navigation, the statement,
where to ask)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Topic:
    slug: str
    # The heading on the sign-language page; the Leichte Sprache pages are German only and
    # carry their own headings in their templates.
    label: str | Promise


TOPICS = (
    Topic("netzwerk", _("What the network is")),
    Topic("mitmachen", _("Who may join")),
    Topic("bewerben", _("How to apply")),
    Topic("treffen", _("How to sign up for a meeting")),
    Topic("webseite", _("How this website works")),
    Topic("barrierefreiheit", _("What the accessibility statement says")),
    Topic("kontakt", _("Whom to ask")),
)
SLUGS = tuple(topic.slug for topic in TOPICS)
TOPIC_CHOICES = [(topic.slug, topic.label) for topic in TOPICS]
