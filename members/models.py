"""Every model of the app, defined in its capability's package and re-exported here.

Django finds the app's models through this module, other apps and the tests may import them
from here, and the migrations refer to the upload paths by these names.
"""

from members.applications.models import (
    Application,
    ApplicationAttachment,
    ApplicationTransition,
    Membership,
    application_upload_path,
)
from members.directory.models import PracticeExample, Profile, practice_image_path
from members.network_import.models import ImportedPerson, ImportLog
from members.people.models import (
    Affiliation,
    ConsentRecord,
    Invitation,
    Organisation,
    OrganisationQuerySet,
)
from members.reference.models import Authority, AuthorityOutline
from members.surveys.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse

__all__ = [
    "Affiliation",
    "Application",
    "ApplicationAttachment",
    "ApplicationTransition",
    "Authority",
    "AuthorityOutline",
    "ConsentRecord",
    "ImportLog",
    "ImportedPerson",
    "Invitation",
    "Membership",
    "Organisation",
    "OrganisationQuerySet",
    "PracticeExample",
    "Profile",
    "Survey",
    "SurveyAnswer",
    "SurveyQuestion",
    "SurveyResponse",
    "application_upload_path",
    "practice_image_path",
]
