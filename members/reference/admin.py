"""The register of local authorities in Django admin, and the authority columns, region filter
and CSV export that every list of organisations' records shares (members and declarations)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from members.reference.models import Authority
from portal.admin_tools.pages import ReadOnlyAdminMixin
from portal.spreadsheets import csv_response

# The five Regierungsbezirke of NRW; their names are proper names and stay as they are.
REGION_NAMES = ("Arnsberg", "Detmold", "Düsseldorf", "Köln", "Münster")


def region_of(authority: Authority) -> str:
    """The Regierungsbezirk an authority lies in; a Bezirksregierung is its own region."""
    if authority.kind == Authority.Kind.REGION:
        return authority.name
    return authority.regierungsbezirk.name if authority.regierungsbezirk else ""


def authority_headers(name: str) -> list[str]:
    """The first columns of an export of municipalities' records: `name`, AGS, type, region."""
    return [name, gettext("AGS"), gettext("Type"), gettext("Government region")]


def authority_cells(authority: Authority) -> list[object]:
    """The cells under authority_headers."""
    return [authority.name, authority.ags, authority.get_kind_display(), region_of(authority)]


def organisation_csv(
    model_admin: admin.ModelAdmin,
    records: QuerySet[Any],
    headers: list[str],
    cells: Callable[[Any], list[object]],
) -> HttpResponse:
    """The CSV download of records that belong to an organisation: the organisation's columns
    first, then `headers` with `cells(record)` below them; named after the list and the day."""
    rows: Iterable[list[object]] = (
        [*authority_cells(record.organisation.authority), *cells(record)]
        for record in records.select_related("organisation__authority__regierungsbezirk")
    )
    name = capfirst(model_admin.opts.verbose_name_plural)
    filename = f"{name}-{timezone.localdate().isoformat()}.csv"
    return csv_response(filename, [*authority_headers(gettext("Organisation")), *headers], rows)


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
