"""The sheet "Mitglieder": members with their membership period and their two people."""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.utils.translation import gettext as _

from members.applications.models import Membership
from members.network_import.models import ImportedPerson
from members.network_import.sheets import (
    AGS,
    NAME,
    ImportContext,
    Row,
    SheetResource,
    column,
    register_sheet,
)
from members.people.models import Organisation

SINCE, UNTIL, REASON = "Mitglied seit", "Ausgetreten am", "Austrittsgrund"
CONTACT, CONTACT_EMAIL, PHONE = "Ansprechperson", "Ansprechperson E-Mail", "Telefon"
HEAD, OFFICE, HEAD_EMAIL = "Verwaltungsspitze", "Amt", "Verwaltungsspitze E-Mail"
# Per role: the columns of name, e-mail and the one more detail, and the person's field for it.
PEOPLE = (
    (ImportedPerson.Role.CONTACT, CONTACT, CONTACT_EMAIL, PHONE, "phone"),
    (ImportedPerson.Role.HEAD, HEAD, HEAD_EMAIL, OFFICE, "office"),
)


@register_sheet(order=10)
class MembersResource(SheetResource):
    sheet_name = "Mitglieder"
    required_columns = ((AGS, NAME), (SINCE,))
    compared_columns = (
        SINCE,
        UNTIL,
        REASON,
        CONTACT,
        CONTACT_EMAIL,
        PHONE,
        HEAD,
        OFFICE,
        HEAD_EMAIL,
    )
    example: ClassVar[dict[str, object]] = {
        AGS: "05914000",
        NAME: "Hagen",
        SINCE: datetime.date(2017, 12, 6),
        CONTACT: "Erika Beispiel",
        CONTACT_EMAIL: "erika.beispiel@hagen.example",
        PHONE: "02331 000000",
        HEAD: "Max Muster",
        OFFICE: "Oberbürgermeister",
        HEAD_EMAIL: "oberbuergermeister@hagen.example",
    }

    ags = column(AGS)
    name = column(NAME)
    since = column(SINCE)
    until = column(UNTIL)
    reason = column(REASON)
    contact = column(CONTACT)
    contact_email = column(CONTACT_EMAIL)
    phone = column(PHONE)
    head = column(HEAD)
    office = column(OFFICE)
    head_email = column(HEAD_EMAIL)

    def __init__(self, context: ImportContext) -> None:
        super().__init__(context)
        self.memberships: dict[str, Membership] = {}

    def load_state(self) -> dict[object, dict[str, object]]:
        register = self.context.register
        state: dict[object, dict[str, object]] = {}
        latest: dict[int, Membership] = {}
        for membership in Membership.objects.select_related("organisation").order_by("since"):
            latest[membership.organisation_id] = membership  # the last period wins
        people: dict[tuple[int, str], ImportedPerson] = {}
        for person in ImportedPerson.objects.order_by("updated_at", "pk"):
            people[(person.organisation_id, person.role)] = person  # the newest wins
        organisations = Organisation.objects.filter(pk__in=latest).select_related("authority")
        for organisation in organisations.order_by("authority__name", "authority__ags"):
            membership = latest[organisation.pk]
            ags = organisation.authority.ags
            self.memberships[ags] = membership
            row: dict[str, object] = {
                AGS: ags,
                NAME: register.display_name(register.by_ags[ags]),
                SINCE: membership.since,
                UNTIL: membership.until or "",
                REASON: membership.exit_reason,
            }
            for role, name, email, detail, attribute in PEOPLE:
                known = people.get((organisation.pk, role))
                row[name] = known.full_name if known else ""
                row[email] = known.email if known else ""
                row[detail] = getattr(known, attribute) if known else ""
            state[ags] = row
        return state

    def parse(self, values: dict[str, object], line: int) -> Row:
        errors: list[str] = []
        authority = self.authority(values, errors)
        since = self.date(values, SINCE, errors)
        until = self.date(values, UNTIL, errors)
        reason = self.text(values, REASON)
        stored = self.stored.get(authority.ags) if authority else None
        if since is None and stored is None and authority is not None:
            errors.append(_("“Mitglied seit” is missing."))
        effective_since = since or (stored or {}).get(SINCE)
        if until and isinstance(effective_since, datetime.date) and until < effective_since:
            errors.append(_("The exit (“Ausgetreten am”) is before the entry (“Mitglied seit”)."))
        if reason and not until and not (stored or {}).get(UNTIL):
            errors.append(_("An “Austrittsgrund” needs the date in “Ausgetreten am”."))
        row_values: dict[str, object] = {
            AGS: authority.ags if authority else "",
            SINCE: since or "",
            UNTIL: until or "",
            REASON: reason,
        }
        for _role, name, email, detail, _attribute in PEOPLE:
            row_values[name] = self.text(values, name)
            row_values[email] = address = self.email(values, email, errors)
            row_values[detail] = self.text(values, detail)
            if address:
                first = self.context.emails.setdefault(address, f"{line}")
                if first != f"{line}":
                    errors.append(
                        _("The address %(email)s already appears in line %(line)s.")
                        % {"email": address, "line": first}
                    )
        if row_values[CONTACT_EMAIL] and row_values[CONTACT_EMAIL] == row_values[HEAD_EMAIL]:
            errors.append(_("Contact person and head of administration have the same address."))
        label = self.context.register.display_name(authority) if authority else ""
        row = Row(row_values[AGS], label, row_values, stored, data={"authority": authority})
        return self.finish(errors, line, label, row)

    def write(self, row: Row) -> None:
        values: dict[str, Any] = row.values
        organisation, _created = Organisation.objects.get_or_create(authority=row.data["authority"])
        membership = self.memberships.get(str(row.key))
        if membership is None:
            Membership.objects.create(
                organisation=organisation,
                since=values[SINCE],
                until=values[UNTIL] or None,
                exit_reason=values[REASON],
            )
        else:
            changed = {
                attribute: values[column_name]
                for attribute, column_name in (
                    ("since", SINCE),
                    ("until", UNTIL),
                    ("exit_reason", REASON),
                )
                if values[column_name] not in ("", None)
                and values[column_name] != getattr(membership, attribute)
            }
            if changed:
                for attribute, value in changed.items():
                    setattr(membership, attribute, value)
                membership.save(update_fields=list(changed))
        for role, name, email, detail, attribute in PEOPLE:
            self._write_person(
                organisation, role, values[name], values[email], {attribute: values[detail]}
            )

    def _write_person(
        self,
        organisation: Organisation,
        role: str,
        full_name: object,
        email: object,
        more: dict[str, object],
    ) -> None:
        stated = {"full_name": full_name, "email": email, **more}
        stated = {key: value for key, value in stated.items() if value}
        if not stated:
            return
        person: ImportedPerson | None = None
        if email:
            person = ImportedPerson.objects.filter(email__iexact=str(email)).first()
        if person is None and not email:
            person = (
                ImportedPerson.objects.filter(organisation=organisation, role=role)
                .order_by("-updated_at", "-pk")
                .first()
            )
        if person is None:
            ImportedPerson.objects.create(organisation=organisation, role=role, **stated)
            return
        updates = {"organisation": organisation, "role": role, **stated}
        if any(getattr(person, key) != value for key, value in updates.items()):
            for key, value in updates.items():
                setattr(person, key, value)
            person.save()
