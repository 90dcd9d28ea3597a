from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from portal import pagecache
        from portal.middleware import remember_account_language

        pagecache.watch_database_writes()
        user_logged_in.connect(remember_account_language, dispatch_uid="portal-account-language")
