from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and events")

    def ready(self) -> None:
        # They register themselves when imported, which Django does here once the apps are
        # loaded: demo loader, panels, the yearly report's sections, segments, personal data
        # and the sessions' receiver of registration_cancelled. (The events' Celery tasks are
        # listed in CELERY_IMPORTS.)
        from meetings import (  # noqa: F401
            demo,
            panels,
            personal_data,
            report_sections,
            segments,
            staff_panels,
        )
        from meetings.sessions import services  # noqa: F401
