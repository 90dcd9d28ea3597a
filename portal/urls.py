from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from portal import health
from portal.accounts import views as accounts
from portal.mailings import views as mailing_views
from portal.pages import views as pages
from portal.personal_data import views as personal_data_views
from portal.staff_dashboard import views as staff_dashboard

admin.site.site_header = _("Kommunen-Netzwerk NRW – administration")
admin.site.site_title = _("Kommunen-Netzwerk NRW")
admin.site.index_title = _("Network administration")

urlpatterns = [
    path("", pages.home, name="home"),
    path("mitmachen/", pages.join, name="join"),
    path("impressum/", pages.imprint, name="imprint"),
    path("datenschutz/", pages.privacy, name="privacy"),
    path("barrierefreiheit/", pages.accessibility, name="accessibility"),
    path("datenquellen/", pages.data_sources, name="data_sources"),
    path("", include("portal.accessibility.urls")),
    path("mein-bereich/", pages.dashboard, name="dashboard"),
    path(
        "mein-bereich/e-mail-einstellungen/",
        mailing_views.email_preferences,
        name="email_preferences",
    ),
    path("mein-bereich/meine-daten/", personal_data_views.personal_data, name="personal_data"),
    path(
        "mein-bereich/meine-daten/export.json",
        personal_data_views.export,
        name="personal_data_export",
    ),
    path("mein-bereich/konto-loeschen/", personal_data_views.account_delete, name="account_delete"),
    path("abmelden/<str:token>/", mailing_views.unsubscribe, name="unsubscribe"),
    path("sprache/", accounts.set_language, name="set_language"),
    path("health/", health.health, name="health"),
    path("konto/login/", accounts.login, name="account_login"),
    path("konto/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("declarations.urls")),
    path("", include("meetings.urls")),
    path("admin/login/", accounts.admin_login, name="admin_login"),
    # Admin with the staff's overview (/admin/uebersicht/) in its namespace.
    path("admin/", staff_dashboard.admin_urls(admin.site)),
]

if settings.PORTAL_BENCHMARK_VIEWS:
    urlpatterns.append(path("_bench/bare/", health.bare, name="bench_bare"))
# No route serves MEDIA_ROOT, not even with DEBUG: it holds private application attachments,
# mailed declarations and signed PDFs. Every stored file reaches people through a view that
# checks who may see it (portal.downloads).
