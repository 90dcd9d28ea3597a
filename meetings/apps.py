from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and events")

    def ready(self) -> None:
        # They register themselves (demo loader, panels, segments, signal receivers).
        from meetings import (  # noqa: F401
            demo,
            documents,
            library,
            panels,
            personal_data,
            segments,
            staff_panels,
        )
