from django.urls import path

from meetings.documents import views as documents
from meetings.events import calendar, guests, views
from meetings.library import views as library
from meetings.sessions import views as sessions

app_name = "meetings"

urlpatterns = [
    path("veranstaltungen/", views.event_list, name="event_list"),
    path("veranstaltungen/<int:pk>/", views.event_detail, name="event_detail"),
    path("veranstaltungen/<int:pk>/anmelden/", views.register, name="register"),
    path("veranstaltungen/<int:pk>/kalender.ics", calendar.event_ics, name="event_ics"),
    path("veranstaltungen/dokumente/<int:pk>/", documents.download, name="document"),
    path("wissen/", library.library, name="library"),
    path("wissen/<int:pk>/", library.publication_detail, name="library_detail"),
    path("wissen/<int:pk>/datei/", library.publication_file, name="library_file"),
    path("anmeldung/<int:pk>/", views.registration_detail, name="registration"),
    path("anmeldung/<int:pk>/stornieren/", views.registration_cancel, name="cancel"),
    path("anmeldung/<int:pk>/kalender.ics", calendar.registration_ics, name="registration_ics"),
    path("anmeldung/<int:pk>/workshops/", sessions.registration_sessions, name="sessions"),
    path("kalender/<str:token>.ics", calendar.feed, name="feed"),
    path("kalender/neue-adresse/", calendar.renew_feed, name="feed_renew"),
    path("veranstaltungen/<int:pk>/anmelden/gast/", guests.guest_register, name="guest_register"),
    path(
        "veranstaltungen/<int:pk>/anmelden/gast/e-mail/",
        guests.guest_check_email,
        name="guest_check_email",
    ),
    path("anmeldung/gast/bestaetigen/<str:code>/", guests.guest_confirm, name="guest_confirm"),
    path("anmeldung/gast/<str:token>/", guests.guest_registration, name="guest_registration"),
    path("anmeldung/gast/<str:token>/kalender.ics", guests.guest_ics, name="guest_ics"),
    path("anmeldung/gast/<str:token>/stornieren/", guests.guest_cancel, name="guest_cancel"),
    path("anmeldung/gast/<str:token>/workshops/", sessions.guest_sessions, name="guest_sessions"),
]
