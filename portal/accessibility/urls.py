from django.urls import path

from portal.accessibility import views

app_name = "access"

urlpatterns = [
    path("leichte-sprache/", views.easy_read_index, name="easy_read"),
    path("leichte-sprache/<slug:slug>/", views.easy_read_page, name="easy_read_page"),
    path("gebaerdensprache/", views.sign_language, name="sign_language"),
    path("gebaerdensprache/video/<int:pk>/", views.sign_language_video, name="video"),
    path("gebaerdensprache/untertitel/<int:pk>.vtt", views.sign_language_captions, name="captions"),
    path("barriere-melden/", views.report, name="report"),
    path("barriere-melden/gesendet/", views.report_sent, name="report_sent"),
]
