"""The audience of information e-mails: the segments the apps register and how they combine."""

from __future__ import annotations

import secrets

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from meetings.models import Registration
from members.models import Affiliation, Application, Membership
from portal.mailings import segments
from portal.mailings.segments import Recipient
from portal.models import Subscription, Topic, User
from tests.factories import (
    AffiliationFactory,
    ApplicationFactory,
    EventFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
Role = Affiliation.Role
Status = Registration.Status


def addresses(choice):
    return sorted(recipient.email for recipient in segments.resolve(choice))


def person(organisation, role, **user):
    return AffiliationFactory(organisation=organisation, role=role, **_user(user)).user


def _user(fields):
    return {f"user__{name}": value for name, value in fields.items()}


@pytest.fixture
def people():
    """A member with all three roles, a former member, an applicant and a bystander."""
    member = OrganisationFactory()
    MembershipFactory(organisation=member)
    former = OrganisationFactory()
    Membership.objects.create(
        organisation=former, since="2020-01-01", until="2024-12-31", exit_reason="Haushalt"
    )
    applicant = OrganisationFactory()
    ApplicationFactory(organisation=applicant, status=Application.Status.SUBMITTED)
    decided = OrganisationFactory()
    ApplicationFactory(organisation=decided, status=Application.Status.REJECTED)
    return {
        "contact": person(member, Role.CONTACT, language="en"),
        "colleague": person(member, Role.COLLEAGUE),
        "head": person(member, Role.HEAD),
        "inactive": person(member, Role.CONTACT, is_active=False),
        "former_contact": person(former, Role.CONTACT),
        "former_head": person(former, Role.HEAD),
        "applicant_contact": person(applicant, Role.CONTACT),
        "applicant_head": person(applicant, Role.HEAD),
        "rejected_contact": person(decided, Role.CONTACT),
        "nobody": UserFactory(),
    }


def emails(people, *names):
    return sorted(people[name].email for name in names)


def test_every_segment_of_the_apps_is_registered():
    keys = [segment.key for segment in segments.segments()]

    assert set(keys) == {
        "portal.topic_subscribers",
        "members.contacts",
        "members.engagement_officers",
        "members.heads",
        "members.applicants",
        "meetings.registrants",
    }


def test_contacts_are_the_contact_persons_of_current_members_only(people):
    assert addresses({"segment": "members.contacts"}) == emails(people, "contact")


def test_engagement_officers_are_everyone_of_current_members_but_the_head(people):
    assert addresses({"segment": "members.engagement_officers"}) == emails(
        people, "contact", "colleague"
    )


def test_heads_are_the_heads_of_administration_of_current_members(people):
    assert addresses({"segment": "members.heads"}) == emails(people, "head")


def test_applicants_are_the_people_of_organisations_with_an_open_application(people):
    assert addresses({"segment": "members.applicants"}) == emails(
        people, "applicant_contact", "applicant_head"
    )


def test_a_recipient_carries_the_user_and_the_language_of_the_account(people):
    (recipient,) = segments.resolve({"segment": "members.contacts"})

    assert recipient == Recipient(people["contact"].email, people["contact"].pk, "en")


def test_topic_subscribers_are_the_active_people_who_subscribed_to_that_topic():
    news = Topic.objects.create(name="Förderung", slug="foerderung")
    other = Topic.objects.create(name="Kurzformate", slug="kurzformate")
    reader, other_reader, gone = UserFactory(), UserFactory(), UserFactory(is_active=False)
    for user in (reader, gone):
        Subscription.objects.create(user=user, topic=news)
    Subscription.objects.create(user=other_reader, topic=other)

    assert addresses({"segment": "portal.topic_subscribers", "topic": news.pk}) == [reader.email]


# --- Registrants of an event -----------------------------------------------------------------


@pytest.fixture
def event_people():
    event = EventFactory(title="Netzwerktreffen in Bielefeld")
    other_event = EventFactory()

    def member(status, **fields):
        user = UserFactory(language=fields.pop("language", "de"))
        Registration.objects.create(event=event, user=user, status=status, **fields)
        return user.email

    def guest(status, language="en", **fields):
        address = f"gast-{secrets.token_hex(3)}@Verein.example"
        Registration.objects.create(
            event=event,
            guest_name="Gerda Gast",
            guest_email=address,
            guest_language=language,
            guest_token=secrets.token_urlsafe(16),
            status=status,
            **fields,
        )
        return address

    found = {
        "confirmed": member(Status.CONFIRMED),
        "attended": member(Status.CONFIRMED, attended_at=timezone.now()),
        "waiting": member(Status.WAITLISTED),
        "cancelled": member(Status.CANCELLED),
        "guest_confirmed": guest(Status.CONFIRMED),
        "guest_attended": guest(Status.CONFIRMED, attended_at=timezone.now()),
        "guest_waiting": guest(Status.WAITLISTED),
        "guest_pending": guest(Status.PENDING),
    }
    Registration.objects.create(event=other_event, user=UserFactory(), status=Status.CONFIRMED)
    return event, found


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (
            "all",
            [
                "confirmed",
                "attended",
                "waiting",
                "guest_confirmed",
                "guest_attended",
                "guest_waiting",
            ],
        ),
        ("confirmed", ["confirmed", "attended", "guest_confirmed", "guest_attended"]),
        ("attended", ["attended", "guest_attended"]),
        ("waitlisted", ["waiting", "guest_waiting"]),
    ],
)
def test_registrants_of_an_event_are_members_and_guests_by_status(event_people, status, expected):
    event, found = event_people

    result = addresses({"segment": "meetings.registrants", "event": event.pk, "status": status})

    assert result == sorted(found[name] for name in expected)


def test_guests_get_the_language_they_registered_in(event_people):
    event, found = event_people

    recipients = segments.resolve(
        {"segment": "meetings.registrants", "event": event.pk, "status": "waitlisted"}
    )

    guest = next(r for r in recipients if r.email == found["guest_waiting"])
    assert guest.user_id is None
    assert guest.language == "en"


def test_a_registrant_with_a_deactivated_account_gets_nothing(event_people):
    event, found = event_people
    User.objects.filter(email=found["waiting"]).update(is_active=False)

    result = addresses({"segment": "meetings.registrants", "event": event.pk, "status": "all"})

    assert found["waiting"] not in result
    assert found["guest_waiting"] in result


# --- Checking and describing choices ---------------------------------------------------------


def test_an_unknown_segment_is_a_value_error():
    with pytest.raises(ValueError, match="Unknown audience segment"):
        segments.resolve({"segment": "members.everyone"})


def test_a_choice_with_a_missing_or_wrong_parameter_is_refused_by_parameter():
    with pytest.raises(ValidationError) as caught:
        segments.clean_choice({"segment": "meetings.registrants", "event": 999999, "status": "x"})

    assert set(caught.value.message_dict) == {"event", "status"}
    with pytest.raises(ValueError, match="gibt es nicht"):
        segments.resolve({"segment": "meetings.registrants", "event": 999999, "status": "all"})


def test_a_clean_choice_stores_plain_json_values():
    event = EventFactory()

    cleaned = segments.clean_choice(
        {"segment": "meetings.registrants", "event": str(event.pk), "status": "attended"}
    )

    assert cleaned == {"segment": "meetings.registrants", "event": event.pk, "status": "attended"}


def test_describe_names_the_segment_with_its_parameters():
    event = EventFactory(title="Netzwerktreffen in Bielefeld")

    with translation.override("en"):
        text = segments.describe(
            {"segment": "meetings.registrants", "event": event.pk, "status": "confirmed"}
        )
        missing = segments.describe(
            {"segment": "meetings.registrants", "event": 999999, "status": "confirmed"}
        )
        unknown = segments.describe({"segment": "nothing.here"})
        plain = segments.describe({"segment": "members.heads"})

    assert text.startswith("Registrants of an event: Netzwerktreffen in Bielefeld (")
    assert text.endswith(", with a place")
    assert "(no longer there)" in missing
    assert "nothing.here" in unknown
    assert plain == "Heads of administration of member municipalities"


# --- Combining: include, exclude, one mail per address ---------------------------------------


def test_the_audience_is_the_union_of_include_minus_exclude_once_per_address(people):
    event = EventFactory()
    Registration.objects.create(event=event, user=people["head"], status=Status.CONFIRMED)
    Registration.objects.create(event=event, user=people["contact"], status=Status.CONFIRMED)
    # A guest who typed the colleague's address in other letters is the same address.
    Registration.objects.create(
        event=event,
        guest_name="Doppelt",
        guest_email=people["colleague"].email.upper(),
        guest_language="en",
        guest_token=secrets.token_urlsafe(16),
        status=Status.CONFIRMED,
    )

    audience = segments.resolve_audience(
        include=[
            {"segment": "members.engagement_officers"},
            {"segment": "meetings.registrants", "event": event.pk, "status": "confirmed"},
            {"segment": "members.applicants"},
        ],
        exclude=[{"segment": "members.heads"}],
    )

    assert [r.email for r in audience] == sorted(
        [
            people["colleague"].email,
            people["contact"].email,
            people["applicant_contact"].email,
            people["applicant_head"].email,
        ]
    )
    colleague = next(r for r in audience if r.email == people["colleague"].email)
    assert colleague.user_id == people["colleague"].pk, "the first segment's entry counts"


def test_an_excluded_address_is_excluded_whatever_its_case(people):
    event = EventFactory()
    Registration.objects.create(
        event=event,
        guest_name="Groß",
        guest_email=people["contact"].email.upper(),
        guest_token=secrets.token_urlsafe(16),
        status=Status.WAITLISTED,
    )

    audience = segments.resolve_audience(
        include=[{"segment": "members.contacts"}, {"segment": "members.heads"}],
        exclude=[{"segment": "meetings.registrants", "event": event.pk, "status": "all"}],
    )

    assert [r.email for r in audience] == [people["head"].email]


def test_an_empty_include_list_is_nobody(people):
    assert segments.resolve_audience([], [{"segment": "members.heads"}]) == []
