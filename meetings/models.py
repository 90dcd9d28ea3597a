"""Every model of the app, for Django and for `meetings.models.X` elsewhere.

Each model lives in the models module of its capability (meetings.events, .sessions,
.documents, .library). `_new_feed_token` and `publication_upload_path` are named here because
the app's first migrations refer to them by this path.
"""

from meetings.documents.models import EventDocument
from meetings.events.models import (
    CalendarFeed,
    Event,
    ProgrammeItem,
    Registration,
    RegistrationQuestion,
    _new_feed_token,
)
from meetings.library.models import LibraryTopic, Publication, publication_upload_path
from meetings.sessions.models import Session, SessionChoice, TimeSlot

__all__ = [
    "CalendarFeed",
    "Event",
    "EventDocument",
    "LibraryTopic",
    "ProgrammeItem",
    "Publication",
    "Registration",
    "RegistrationQuestion",
    "Session",
    "SessionChoice",
    "TimeSlot",
    "_new_feed_token",
    "publication_upload_path",
]
