from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and events")

    def ready(self) -> None:
        # They register themselves: demo loader, panels, segments, personal data, the sessions'
        # receiver of registration_cancelled, and Celery's jobs (its autodiscovery looks for a
        # `tasks` module at the app's top only).
        from meetings import (  # noqa: F401
            demo,
            panels,
            personal_data,
            segments,
            staff_panels,
        )
        from meetings.events import tasks  # noqa: F401
        from meetings.sessions import services  # noqa: F401
