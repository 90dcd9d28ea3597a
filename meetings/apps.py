from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings and events")

    def ready(self) -> None:
        from meetings import demo, documents, panels, segments  # noqa: F401 - they register themselves
