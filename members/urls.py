from django.urls import path

from members.applications import views as applications
from members.archive import views as archive
from members.directory import profile_views
from members.directory import views as directory
from members.people import views as people
from members.selfcheck import views as selfcheck
from members.surveys import views as surveys

app_name = "members"

urlpatterns = [
    # Public
    path("mitmachen/selbstcheck/", selfcheck.self_check, name="self_check"),
    path("netzwerk/mitglieder/", directory.directory, name="directory"),
    path("netzwerk/mitglieder/<str:ags>/", directory.profile, name="profile"),
    path("netzwerk/karte/", directory.network_map, name="map"),
    path(
        "netzwerk/karte/grundkarte-<str:digest>.svg",
        directory.network_map_base,
        name="map_base",
    ),
    path(
        "netzwerk/praxisbeispiele/<int:pk>/bild/", directory.practice_image, name="practice_image"
    ),
    # The application of the user's municipality
    path("antrag/neu/", applications.application_start, name="application_start"),
    path(
        "antrag/einladung-erbitten/",
        applications.invitation_request,
        name="invitation_request",
    ),
    path("antrag/<int:pk>/", applications.application_detail, name="application_detail"),
    path("antrag/<int:pk>/bearbeiten/", applications.application_edit, name="application_edit"),
    path("antrag/<int:pk>/antworten/", applications.application_answer, name="application_answer"),
    path(
        "antrag/<int:pk>/zurueckziehen/",
        applications.application_withdraw,
        name="application_withdraw",
    ),
    path(
        "antrag/<int:pk>/anhang/<int:attachment_pk>/",
        applications.attachment_download,
        name="attachment_download",
    ),
    path(
        "antrag/<int:pk>/anhang/<int:attachment_pk>/loeschen/",
        applications.attachment_delete,
        name="attachment_delete",
    ),
    # The members' archive of information e-mails
    path("mein-bereich/rundschreiben/", archive.archive_list, name="archive"),
    path("mein-bereich/rundschreiben/<int:pk>/", archive.archive_detail, name="archive_detail"),
    # Online surveys the user (or the user's municipality) is asked to answer
    path("mein-bereich/befragungen/", surveys.survey_list, name="surveys"),
    path("mein-bereich/befragungen/<int:pk>/", surveys.survey_detail, name="survey"),
    # People and profile of the user's municipality
    path("kommune/personen/", people.people, name="people"),
    path("kommune/personen/einladen/", people.invite, name="invite"),
    path("kommune/personen/<int:pk>/entfernen/", people.remove, name="remove_person"),
    path("einladung/<str:token>/", people.accept_invitation, name="accept_invitation"),
    path("kommune/profil/", profile_views.profile_edit, name="profile_edit"),
    path("kommune/profil/kontakt/", profile_views.public_contact, name="public_contact"),
    path(
        "kommune/profil/praxisbeispiele/neu/", profile_views.practice_create, name="practice_create"
    ),
    path(
        "kommune/profil/praxisbeispiele/<int:pk>/bearbeiten/",
        profile_views.practice_edit,
        name="practice_edit",
    ),
    path(
        "kommune/profil/praxisbeispiele/<int:pk>/loeschen/",
        profile_views.practice_delete,
        name="practice_delete",
    ),
]
