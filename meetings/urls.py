from django.urls import path

from meetings import calendar, views

app_name = "meetings"

urlpatterns = [
    path("veranstaltungen/", views.event_list, name="event_list"),
    path("veranstaltungen/<int:pk>/", views.event_detail, name="event_detail"),
    path("veranstaltungen/<int:pk>/anmelden/", views.register, name="register"),
    path("veranstaltungen/<int:pk>/kalender.ics", calendar.event_ics, name="event_ics"),
    path("anmeldung/<int:pk>/", views.registration_detail, name="registration"),
    path("anmeldung/<int:pk>/stornieren/", views.registration_cancel, name="cancel"),
    path("anmeldung/<int:pk>/kalender.ics", calendar.registration_ics, name="registration_ics"),
    path("kalender/<str:token>.ics", calendar.feed, name="feed"),
]
