from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("Gemeinsame Erklärung")

    def ready(self) -> None:
        from declarations import (  # noqa: F401 - they register themselves
            demo,
            network_import,
            panels,
            personal_data,
            report_sections,
            staff_panels,
            stored_files,
        )
