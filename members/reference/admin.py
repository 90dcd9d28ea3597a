"""The register of local authorities in Django admin, and the authority columns, region filter
and CSV export that every list of organisations' records shares (members and declarations)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from import_export.fields import Field
from import_export.resources import Resource

from members.reference.models import Authority
from portal.admin_tools.pages import ReadOnlyAdminMixin
from portal.spreadsheets import CSV, export_response

# The five Regierungsbezirke of NRW; their names are proper names and stay as they are.
REGION_NAMES = ("Arnsberg", "Detmold", "Düsseldorf", "Köln", "Münster")


def region_of(authority: Authority) -> str:
    """The Regierungsbezirk an authority lies in; a Bezirksregierung is its own region."""
    if authority.kind == Authority.Kind.REGION:
        return authority.name
    return authority.regierungsbezirk.name if authority.regierungsbezirk else ""


class OrganisationRecordResource(Resource):
    """A list export of records that belong to an organisation (django-import-export): the
    organisation's name, AGS, type and region first, then the subclass's own columns."""

    organisation = Field(column_name=_("Organisation"), dehydrate_method="authority_name")
    ags = Field(column_name=_("AGS"), dehydrate_method="authority_ags")
    kind = Field(column_name=_("Type"), dehydrate_method="authority_kind")
    region = Field(column_name=_("Government region"), dehydrate_method="authority_region")

    def authority(self, record: Any) -> Authority:
        return record.organisation.authority

    def authority_name(self, record: Any) -> str:
        return self.authority(record).name

    def authority_ags(self, record: Any) -> str:
        return self.authority(record).ags

    def authority_kind(self, record: Any) -> str:
        return self.authority(record).get_kind_display()

    def authority_region(self, record: Any) -> str:
        return region_of(self.authority(record))


def organisation_csv(
    model_admin: admin.ModelAdmin, records: QuerySet[Any], resource: Resource
) -> HttpResponse:
    """The CSV download of records that belong to an organisation, as `resource` lists them;
    named after the list and the day."""
    name = capfirst(model_admin.opts.verbose_name_plural)
    filename = f"{name}-{timezone.localdate().isoformat()}.csv"
    records = records.select_related("organisation__authority__regierungsbezirk")
    return export_response(resource, records, CSV, filename)


class RegionFilter(admin.SimpleListFilter):
    """Filter by Regierungsbezirk; authority_path leads from the listed model to its authority."""

    title = _("government region")
    parameter_name = "region"
    authority_path = "organisation__authority"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(name, name) for name in REGION_NAMES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        name = self.value()
        if name not in REGION_NAMES:
            return queryset
        authority = self.authority_path
        in_region = Q(**{f"{authority}__regierungsbezirk__name": name})
        is_region = Q(**{f"{authority}__kind": Authority.Kind.REGION, f"{authority}__name": name})
        return queryset.filter(in_region | is_region)


class AuthorityColumnsMixin:
    """List columns for a model that reaches its authority through `organisation`."""

    @admin.display(description=_("organisation"), ordering="organisation__authority__name")
    def organisation_name(self, obj: Any) -> str:
        return obj.organisation.authority.name

    @admin.display(description=_("AGS"), ordering="organisation__authority__ags")
    def ags(self, obj: Any) -> str:
        return obj.organisation.authority.ags

    @admin.display(description=_("type"), ordering="organisation__authority__kind")
    def kind(self, obj: Any) -> str:
        # The label straight from the enum: get_kind_display() rebuilds the choices each row.
        return str(Authority.Kind(obj.organisation.authority.kind).label)

    @admin.display(description=_("government region"))
    def region(self, obj: Any) -> str:
        return region_of(obj.organisation.authority)


@admin.register(Authority)
class AuthorityAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "ags", "kind", "kreis", "regierungsbezirk", "population")
    list_filter = ("kind", "regierungsbezirk")
    search_fields = ("name", "ags")
    list_select_related = ("kreis", "regierungsbezirk")
    readonly_fields = (
        "ags",
        "name",
        "kind",
        "kreis",
        "regierungsbezirk",
        "population",
        "latitude",
        "longitude",
    )
    # The register is official reference data: it is loaded, never typed in.
    still_allowed = ("change",)
