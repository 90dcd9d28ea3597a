"""The declarations' sheets of the network import: "Unterzeichnungen" and "Partner".

Signatures from the team's lists were made on paper: they are stored as such (no PDF from the
portal's template, no verification code handed out). A version the portal does not know can be
created as historical (services.create_historical_version) when staff tick that on the preview.
"""

from __future__ import annotations

import datetime
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations.models import DeclarationVersion, PartnerSignatory, Signature
from declarations.services import create_historical_version
from members.models import Organisation
from members.network_import.sheets import (
    AGS,
    NAME,
    ImportContext,
    Row,
    SheetResource,
    column,
    register_sheet,
)

VERSION, SIGNED_ON = "Fassung", "unterzeichnet am"
SIGNATORY, OFFICE, PLACE = "Unterzeichnet von", "Amt", "Ort"
PARTNER = "Partner"
PARTNER_KINDS = (
    (("landesregierung", "staatskanzlei", "ministerpräsident"), PartnerSignatory.Kind.STATE),
    (("städtetag", "landkreistag", "gemeindebund"), PartnerSignatory.Kind.ASSOCIATION),
    (("bezirksregierung", "regierungsbezirk"), PartnerSignatory.Kind.REGION),
)


class VersionsMixin(SheetResource):
    """Both sheets name a version by its label ("2012", "2017")."""

    def __init__(self, context: ImportContext) -> None:
        super().__init__(context)
        self.versions = {v.label.casefold(): v for v in DeclarationVersion.objects.all()}

    def version(self, label: str, errors: list[str]) -> str:
        if not label:
            errors.append(_("“Fassung” is missing."))
            return ""
        version = self.versions.get(label.casefold())
        if version is None:
            if not self.context.create_versions:
                self.context.unknown_versions.add(label)
                errors.append(
                    _(
                        "There is no version “%(label)s” of the declaration in the portal. It "
                        "can be created as a historical version: tick that below the preview."
                    )
                    % {"label": label}
                )
            return label
        if not version.is_published:
            errors.append(
                _("Version %(label)s has not been published yet.") % {"label": version.label}
            )
        return version.label

    def what(self, name: str, label: str) -> str:
        """How a row names itself when it comes twice; nothing without a name or version."""
        if not (name and label):
            return ""
        return _("%(name)s with version %(label)s") % {"name": name, "label": label}

    def version_for_writing(self, label: str, signed_on: datetime.date) -> DeclarationVersion:
        """The version; one this import creates is dated by the earliest signature it meets."""
        created: set[int] = self.context.shared.setdefault("created_versions", set())
        version = self.versions.get(label.casefold())
        if version is None:
            version = create_historical_version(label, signed_on)
            self.versions[label.casefold()] = version
            created.add(version.pk)
        elif version.pk in created and version.published_on and signed_on < version.published_on:
            version.published_on = signed_on
            version.save(update_fields=["published_on"])
        return version


@register_sheet(order=20)
class SignaturesResource(VersionsMixin):
    sheet_name = "Unterzeichnungen"
    required_columns = ((AGS, NAME), (VERSION,), (SIGNED_ON,))
    compared_columns = (SIGNED_ON, SIGNATORY, OFFICE, PLACE)
    example: ClassVar[dict[str, object]] = {
        AGS: "05914000",
        NAME: "Hagen",
        VERSION: "2017",
        SIGNED_ON: datetime.date(2017, 12, 6),
        SIGNATORY: "Max Muster",
        OFFICE: "Oberbürgermeister",
        PLACE: "Düsseldorf",
    }

    ags = column(AGS)
    name = column(NAME)
    version_label = column(VERSION)
    signed_on = column(SIGNED_ON)
    signatory = column(SIGNATORY)
    office = column(OFFICE)
    place = column(PLACE)

    def load_state(self) -> dict[object, dict[str, object]]:
        register = self.context.register
        self.signatures: dict[object, Signature] = {}
        state: dict[object, dict[str, object]] = {}
        valid = (
            Signature.objects.valid()
            .select_related("version", "organisation__authority")
            .order_by("version__published_on", "organisation__authority__name", "pk")
        )
        for signature in valid:
            authority = signature.organisation.authority
            key = (authority.ags, signature.version.label.casefold())
            self.signatures[key] = signature
            state[key] = {
                AGS: authority.ags,
                NAME: register.display_name(register.by_ags[authority.ags]),
                VERSION: signature.version.label,
                SIGNED_ON: signature.signed_on,
                SIGNATORY: signature.signatory_name,
                OFFICE: signature.signatory_office,
                PLACE: signature.place,
            }
        return state

    def parse(self, values: dict[str, object], line: int) -> Row:
        errors: list[str] = []
        authority = self.authority(values, errors)
        label = self.version(self.text(values, VERSION), errors)
        signed_on = self.date(values, SIGNED_ON, errors)
        if signed_on is None and not any(SIGNED_ON in e for e in errors):
            errors.append(_("“unterzeichnet am” is missing."))
        key = (authority.ags if authority else "", label.casefold())
        stored = self.stored.get(key)
        row_values = {
            SIGNED_ON: signed_on,
            SIGNATORY: self.text(values, SIGNATORY),
            OFFICE: self.text(values, OFFICE),
            PLACE: self.text(values, PLACE),
        }
        name = self.context.register.display_name(authority) if authority else ""
        data = {"authority": authority, "label": label}
        row = Row(key, f"{name} – {label}", row_values, stored, data=data)
        return self.finish(errors, line, self.what(name, label), row)

    def check(self, row: Row) -> None:
        signature = self.signatures.get(row.key)
        if row.changes and signature is not None and not signature.on_paper:
            raise ValidationError(
                _(
                    "This signature was made in the portal; it can only be superseded in "
                    "admin, not changed by an import."
                )
            )

    def write(self, row: Row) -> None:
        values: dict[str, Any] = row.values
        old = self.signatures.get(row.key)
        if old is not None:
            # Signatures are never edited: the old one is superseded, its history stays.
            old.superseded_at = timezone.now()
            old.superseded_reason = _("Corrected by the network import.")
            old.superseded_by = self.context.user
            old.save(update_fields=["superseded_at", "superseded_reason", "superseded_by"])
            values = {
                SIGNED_ON: values[SIGNED_ON],
                SIGNATORY: values[SIGNATORY] or old.signatory_name,
                OFFICE: values[OFFICE] or old.signatory_office,
                PLACE: values[PLACE] or old.place,
            }
        organisation, _created = Organisation.objects.get_or_create(authority=row.data["authority"])
        Signature.objects.create(
            version=self.version_for_writing(row.data["label"], values[SIGNED_ON]),
            organisation=organisation,
            signatory_name=values[SIGNATORY],
            signatory_office=values[OFFICE],
            place=values[PLACE],
            signed_on=values[SIGNED_ON],
            authorisation_confirmed=True,
            submitted_by=self.context.user,
            on_paper=True,
        )


@register_sheet(order=30)
class PartnersResource(VersionsMixin):
    sheet_name = "Partner"
    required_columns = ((PARTNER,), (VERSION,), (SIGNED_ON,))
    compared_columns = (SIGNED_ON,)
    example: ClassVar[dict[str, object]] = {
        PARTNER: "Landesregierung Nordrhein-Westfalen",
        VERSION: "2017",
        SIGNED_ON: datetime.date(2017, 12, 6),
    }

    partner = column(PARTNER)
    version_label = column(VERSION)
    signed_on = column(SIGNED_ON)

    def load_state(self) -> dict[object, dict[str, object]]:
        self.partners: dict[object, PartnerSignatory] = {}
        state: dict[object, dict[str, object]] = {}
        partners = PartnerSignatory.objects.select_related("version").order_by(
            "version__published_on", "position", "name"
        )
        for partner in partners:
            key = (partner.name.casefold(), partner.version.label.casefold())
            self.partners[key] = partner
            state[key] = {
                PARTNER: partner.name,
                VERSION: partner.version.label,
                SIGNED_ON: partner.signed_on or "",
            }
        return state

    def parse(self, values: dict[str, object], line: int) -> Row:
        errors: list[str] = []
        name = self.text(values, PARTNER)
        if not name:
            errors.append(_("“Partner” is missing."))
        label = self.version(self.text(values, VERSION), errors)
        signed_on = self.date(values, SIGNED_ON, errors)
        key = (name.casefold(), label.casefold())
        data = {"name": name, "label": label}
        row = Row(
            key, f"{name} – {label}", {SIGNED_ON: signed_on or ""}, self.stored.get(key), data=data
        )
        return self.finish(errors, line, self.what(name, label), row)

    def write(self, row: Row) -> None:
        signed_on = row.values[SIGNED_ON] or None
        partner = self.partners.get(row.key)
        if partner is not None:
            partner.signed_on = signed_on
            partner.save(update_fields=["signed_on"])
            return
        name: str = row.data["name"]
        version = self.version_for_writing(row.data["label"], signed_on or self.context.today)
        kind = next(
            (kind for words, kind in PARTNER_KINDS if any(w in name.casefold() for w in words)),
            PartnerSignatory.Kind.OTHER,
        )
        position = (version.partners.aggregate(last=Max("position"))["last"] or 0) + 1
        PartnerSignatory.objects.create(
            version=version, kind=kind, name=name, signed_on=signed_on, position=position
        )
