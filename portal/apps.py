from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        # Registers itself: the information e-mails' section of the yearly report.
        from portal.mailings import report_sections  # noqa: F401
