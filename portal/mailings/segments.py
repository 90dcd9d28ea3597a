"""Segments of the audience of information e-mails.

A mailing stores its audience as data: lists of choices such as
{"segment": "meetings.registrants", "event": 3, "status": "confirmed"}. The domain apps know
who belongs to a segment, and portal must not import them, so each app registers its segments
here in its AppConfig.ready(), as with the dashboard's panels. A segment may ask for
parameters (an event, a status, a topic): form fields that admin shows and this module uses
to check and describe a stored choice.

Whether one person is in a segment (a survey's list of who may answer asks this on every
visit) is a question of its own: an app registers it with `register_member_check`, a query
for that one person, so that nobody has to resolve a segment of hundreds to find one. It must
answer as `resolve` would; a segment without such a check is resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.mailings.models import Subscription, Topic

Label = str | Promise
Resolver = Callable[[dict[str, Any]], Iterable["Recipient"]]
FieldsFactory = Callable[[], dict[str, forms.Field]]
MemberCheck = Callable[[dict[str, Any], int], bool]


@dataclass(frozen=True)
class Recipient:
    email: str
    user_id: int | None
    language: str


@dataclass(frozen=True)
class Segment:
    key: str
    label: Label
    resolver: Resolver
    fields: FieldsFactory | None = None

    def parameter_fields(self) -> dict[str, forms.Field]:
        """Fresh form fields of the parameters: their querysets are evaluated anew each time."""
        return self.fields() if self.fields else {}


_segments: dict[str, Segment] = {}
_member_checks: dict[str, MemberCheck] = {}


def register_segment(
    key: str, label: Label, *, fields: FieldsFactory | None = None
) -> Callable[[Resolver], Resolver]:
    """Register a resolver `(params) -> recipients` as the segment `key`."""

    def decorator(resolver: Resolver) -> Resolver:
        _segments[key] = Segment(key, label, resolver, fields)
        return resolver

    return decorator


def register_member_check(key: str) -> Callable[[MemberCheck], MemberCheck]:
    """Register `(params, user_id) -> bool` as the answer to "is this account among the
    recipients of the segment `key`?", the same answer as looking for it in the resolved list."""

    def decorator(check: MemberCheck) -> MemberCheck:
        _member_checks[key] = check
        return check

    return decorator


def segments() -> list[Segment]:
    """The registered segments in the order they were registered."""
    return list(_segments.values())


def get_segment(key: str) -> Segment:
    try:
        return _segments[key]
    except KeyError:
        raise ValueError(f"Unknown audience segment: {key!r}") from None


def clean_choice(choice: Mapping[str, Any]) -> dict[str, Any]:
    """The choice with its parameters checked and stored as plain JSON values.

    Raises ValueError for an unknown segment and ValidationError (a dict by parameter) for
    missing or wrong parameters, e.g. an event that does not exist (any more).
    """
    segment = get_segment(str(choice.get("segment", "")))
    cleaned: dict[str, Any] = {"segment": segment.key}
    errors: dict[str, list[ValidationError]] = {}
    for name, field in segment.parameter_fields().items():
        try:
            value = field.clean(_as_form_value(choice.get(name)))
        except ValidationError as error:
            errors[name] = error.error_list
        else:
            cleaned[name] = _as_json_value(value)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _as_form_value(value: Any) -> Any:
    return "" if value is None else value


def _as_json_value(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet):
        return [item.pk for item in value]
    return value


def _checked(choice: Mapping[str, Any]) -> tuple[Segment, dict[str, Any]]:
    try:
        cleaned = clean_choice(choice)
    except ValidationError as error:
        raise ValueError(f"{describe(choice)}: {'; '.join(error.messages)}") from error
    return get_segment(cleaned.pop("segment")), cleaned


def resolve(choice: Mapping[str, Any]) -> list[Recipient]:
    """The recipients of one segment choice ({"segment": key, **params})."""
    segment, params = _checked(choice)
    return list(segment.resolver(params))


def includes(choice: Mapping[str, Any], user_id: int) -> bool:
    """Whether the account `user_id` is among the recipients of one segment choice, as in
    `resolve(choice)`, but with one query for that person where the segment has a check.
    Raises ValueError where `resolve` does."""
    segment, params = _checked(choice)
    check = _member_checks.get(segment.key)
    if check is None:
        return any(recipient.user_id == user_id for recipient in segment.resolver(params))
    return check(params, user_id)


def resolve_audience(
    include: Iterable[Mapping[str, Any]], exclude: Iterable[Mapping[str, Any]]
) -> list[Recipient]:
    """Everyone of the included segments who is in none of the excluded ones.

    Addresses are compared without regard to case; of several recipients with the same address
    the first one counts (the order of `include`). The result is sorted by address.
    """
    excluded = {
        recipient.email.strip().lower() for choice in exclude for recipient in resolve(choice)
    }
    chosen: dict[str, Recipient] = {}
    for choice in include:
        for recipient in resolve(choice):
            address = recipient.email.strip().lower()
            if address and address not in excluded and address not in chosen:
                chosen[address] = recipient
    return [chosen[address] for address in sorted(chosen)]


def describe(choice: Mapping[str, Any]) -> str:
    """A label for staff, such as "Registrants of an event: Netzwerktreffen (12.03.2027),
    confirmed"; choices that cannot be resolved any more say so instead of failing."""
    key = str(choice.get("segment", ""))
    segment = _segments.get(key)
    if segment is None:
        return gettext("Unknown audience “%(key)s”") % {"key": key}
    details = [
        _describe_value(field, choice.get(name))
        for name, field in segment.parameter_fields().items()
    ]
    label = str(segment.label)
    return f"{label}: {', '.join(details)}" if details else label


def _describe_value(field: forms.Field, value: Any) -> str:
    if value in (None, ""):
        return gettext("(not chosen)")
    if isinstance(field, forms.ModelChoiceField):
        queryset = field.queryset
        found = None
        if queryset is not None and str(value).isdigit():
            found = queryset.filter(pk=value).first()
        return field.label_from_instance(found) if found else gettext("(no longer there)")
    if isinstance(field, forms.ChoiceField):
        for option, option_label in cast(Iterable[tuple[Any, Any]], field.choices):
            if str(option) == str(value):
                return str(option_label)
        return gettext("(no longer there)")
    return str(value)


def recipient_language(language: str | None) -> str:
    """A language the portal writes in: the one given, else the portal's language."""
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


# --- The portal's own segment -----------------------------------------------------------------


def _topic_fields() -> dict[str, forms.Field]:
    return {
        "topic": forms.ModelChoiceField(
            queryset=Topic.objects.all(),
            label=_("Topic"),
            error_messages={
                "required": _("Please choose a topic."),
                "invalid_choice": _("This topic does not exist (any more)."),
            },
        )
    }


@register_segment("portal.topic_subscribers", _("Subscribers of a topic"), fields=_topic_fields)
def topic_subscribers(params: dict[str, Any]) -> Iterable[Recipient]:
    subscriptions = Subscription.objects.filter(
        topic_id=params["topic"], user__is_active=True
    ).values_list("user_id", "user__email", "user__language")
    for user_id, email, language in subscriptions:
        yield Recipient(email, user_id, recipient_language(language))


@register_member_check("portal.topic_subscribers")
def is_topic_subscriber(params: dict[str, Any], user_id: int) -> bool:
    return Subscription.objects.filter(
        topic_id=params["topic"], user__is_active=True, user_id=user_id
    ).exists()
