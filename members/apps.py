from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self) -> None:
        # They register themselves: dashboard and overview panels, the yearly report's
        # sections, segments, demo data, and the receiver that accepts an invitation opened
        # before logging in.
        from members import (  # noqa: F401
            demo,
            panels,
            personal_data,
            report_sections,
            segments,
            staff_panels,
        )
        from members.network_import import demo as network_demo  # noqa: F401
        from members.network_import import members_sheet  # noqa: F401
        from members.people import receivers  # noqa: F401
