from __future__ import annotations

import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from members.applications import services
from members.errors import WorkflowError
from members.models import Affiliation, Application, Authority, Membership, Organisation
from portal.models import OutboundEmail
from tests.factories import AffiliationFactory, ApplicationFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
Status = Application.Status


@pytest.fixture
def application(contact_a, organisation_a):
    return ApplicationFactory(organisation=organisation_a, created_by=contact_a)


def submitted(application, contact):
    services.applicant_step(application, contact, Status.SUBMITTED)
    application.refresh_from_db()
    return application


def test_starting_an_application_makes_the_applicant_contact_of_a_new_organisation():
    user = UserFactory()
    authority = Authority.objects.get(ags="05515000")
    application = services.start_application(user, authority)
    assert application.status == Status.DRAFT
    assert application.organisation.authority == authority
    affiliation = Affiliation.objects.get(user=user)
    assert affiliation.role == Affiliation.Role.CONTACT
    assert application.transitions.get().to_status == Status.DRAFT


def test_a_second_open_application_for_the_same_municipality_is_refused(contact_a, application):
    with pytest.raises(WorkflowError, match="bereits einen offenen Antrag"):
        services.start_application(contact_a, application.organisation.authority)


def test_a_member_cannot_apply_again(contact_a, member_a):
    with pytest.raises(WorkflowError, match="bereits Mitglied"):
        services.start_application(contact_a, member_a.authority)


def test_a_stranger_applying_for_a_member_learns_nobodys_address(contact_a, member_a):
    with pytest.raises(WorkflowError) as error:
        services.start_application(UserFactory(), member_a.authority)
    assert "bereits Mitglied" in error.value.message
    assert contact_a.email not in error.value.message
    assert contact_a.get_full_name() not in error.value.message
    assert error.value.code == "in_portal"


def test_a_stranger_learns_nobodys_address_when_the_municipality_is_registered(contact_a):
    stranger = UserFactory()
    with pytest.raises(WorkflowError) as error:
        services.start_application(stranger, contact_a.affiliation.organisation.authority)
    assert contact_a.email not in error.value.message
    assert error.value.code == "in_portal"
    assert not Affiliation.objects.filter(user=stranger).exists()


def test_someone_of_another_municipality_cannot_apply_for_this_one(contact_b, organisation_a):
    with pytest.raises(WorkflowError, match="nur für diese Kommune"):
        services.start_application(contact_b, organisation_a.authority)


def test_a_colleague_cannot_start_the_application(colleague_a, organisation_a):
    with pytest.raises(WorkflowError, match="Ansprechperson oder die Verwaltungsspitze"):
        services.start_application(colleague_a, organisation_a.authority)


def test_a_complete_draft_meets_all_criteria(application):
    assert services.unmet_criteria(application) == {}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"contact_name": " "}, "contact_name"),
        ({"cross_cutting_task": "kurz"}, "cross_cutting_task"),
        ({"willing_to_sign": False}, "willing_to_sign"),
        ({"ehrenamtskarte_status": ""}, "ehrenamtskarte_status"),
        ({"ehrenamtskarte_status": "planned"}, "ehrenamtskarte_planned_for"),
        ({"ehrenamtskarte_status": "comparable"}, "comparable_instrument"),
        ({"commits_to_participate": False}, "commits_to_participate"),
    ],
)
def test_each_missing_piece_of_evidence_is_named(application, change, field):
    for key, value in change.items():
        setattr(application, key, value)
    assert field in services.unmet_criteria(application)


def test_an_incomplete_draft_cannot_be_submitted(application, contact_a):
    application.willing_to_sign = False
    application.save()
    with pytest.raises(WorkflowError, match="fünf Kriterien"):
        services.applicant_step(application, contact_a, Status.SUBMITTED)
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_submitting_records_the_step_and_mails_applicant_and_team(application, contact_a):
    application = submitted(application, contact_a)
    assert application.status == Status.SUBMITTED
    assert application.submitted_at is not None
    step = application.transitions.last()
    assert (step.from_status, step.to_status, step.actor) == ("draft", "submitted", contact_a)
    kinds = set(OutboundEmail.objects.values_list("kind", "to"))
    assert ("members/application_submitted", contact_a.email) in kinds
    assert ("members/team_application_submitted", "netzwerk@kommunen-netzwerk.example") in kinds


def test_the_whole_review_with_a_question_ends_in_a_membership(application, contact_a, staff_user):
    application = submitted(application, contact_a)
    services.staff_step(application, staff_user, Status.IN_REVIEW)
    services.staff_step(application, staff_user, Status.QUERY, "Wer koordiniert das Ehrenamt?")
    services.applicant_step(application, contact_a, Status.IN_REVIEW, "Frau Engagiert.")
    services.staff_step(application, staff_user, Status.APPROVED)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert application.decided_at is not None
    # The factory's draft has no opening step; start_application records that one.
    assert [t.to_status for t in application.transitions.all()] == [
        "submitted",
        "in_review",
        "query",
        "in_review",
        "approved",
    ]
    membership = Membership.objects.get(organisation=application.organisation)
    assert membership.is_current
    assert membership.application == application
    assert application.organisation in Organisation.objects.members()
    mails = OutboundEmail.objects.filter(to=contact_a.email).values_list("kind", flat=True)
    assert "members/application_query" in mails
    assert "members/application_approved" in mails
    question = OutboundEmail.objects.get(kind="members/application_query")
    assert "Wer koordiniert das Ehrenamt?" in question.body_text


def test_a_rejection_needs_a_reason(application, contact_a, staff_user):
    application = submitted(application, contact_a)
    with pytest.raises(WorkflowError, match="Begründung"):
        services.staff_step(application, staff_user, Status.REJECTED, "  ")
    services.staff_step(application, staff_user, Status.REJECTED, "Keine Ansprechperson.")
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.transitions.last().note == "Keine Ansprechperson."
    assert not Membership.objects.exists()


def test_a_draft_cannot_be_approved(application, staff_user):
    with pytest.raises(WorkflowError):
        services.staff_step(application, staff_user, Status.APPROVED)
    assert not Membership.objects.exists()


def test_only_staff_take_staff_steps(application, contact_a):
    application = submitted(application, contact_a)
    with pytest.raises(PermissionDenied):
        services.staff_step(application, contact_a, Status.APPROVED)


def test_only_the_municipalitys_contacts_take_applicant_steps(application, contact_b, colleague_a):
    for outsider in (contact_b, colleague_a):
        with pytest.raises(PermissionDenied):
            services.applicant_step(application, outsider, Status.SUBMITTED)


def test_an_answer_must_not_be_empty(application, contact_a, staff_user):
    application = submitted(application, contact_a)
    services.staff_step(application, staff_user, Status.QUERY, "Frage?")
    with pytest.raises(WorkflowError, match="Antwort"):
        services.applicant_step(application, contact_a, Status.IN_REVIEW, "")


def test_the_applicant_can_withdraw_and_apply_again(application, contact_a):
    services.applicant_step(application, contact_a, Status.WITHDRAWN, "Später.")
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    again = services.start_application(contact_a, application.organisation.authority)
    assert again.pk != application.pk


def test_leaving_the_network_records_date_and_reason(staff_user, organisation_a):
    membership = MembershipFactory(organisation=organisation_a)
    with pytest.raises(WorkflowError, match="Grund für den Austritt"):
        services.end_membership(organisation_a, staff_user, membership.since, "")
    services.end_membership(organisation_a, staff_user, membership.since, "Ratsbeschluss")
    membership.refresh_from_db()
    assert membership.until == membership.since
    assert membership.exit_reason == "Ratsbeschluss"
    assert organisation_a not in Organisation.objects.members()


@pytest.mark.django_db(transaction=True)
def test_two_applications_started_at_the_same_moment_give_one_draft():
    authority = Authority.objects.get(ags="05754008")
    organisation = Organisation.objects.create(authority=authority)
    users = [UserFactory(), UserFactory()]
    for user in users:
        AffiliationFactory(user=user, organisation=organisation)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def apply(user):
        barrier.wait()
        try:
            services.start_application(user, authority)
            outcomes.append("created")
        except WorkflowError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created", "refused"]
    assert Application.objects.filter(organisation=organisation).count() == 1
