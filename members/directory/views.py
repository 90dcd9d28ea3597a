"""The public network pages: the member directory, a member's public profile and the map."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import PurePath

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import etag, require_safe
from django.views.decorators.vary import vary_on_headers

from members.applications.models import Membership
from members.directory import svgmap
from members.directory.forms import (
    DirectoryFilterForm,
)
from members.directory.models import PracticeExample, Profile
from members.people.models import Affiliation, Organisation
from members.reference.models import Authority
from portal.caching import FRAGMENT_SECONDS, cached_for_anonymous, rows_key
from portal.downloads import file_response
from portal.http import HtmxHttpRequest, wants_partial

Kind = Authority.Kind


def _members() -> QuerySet[Organisation]:
    """Current members with everything the public pages show, in one query."""
    since = Membership.objects.filter(organisation=OuterRef("pk"), until__isnull=True).values(
        "since"
    )[:1]
    return (
        Organisation.objects.members()
        .select_related("authority__regierungsbezirk", "authority__kreis", "profile")
        .annotate(member_since=Subquery(since))
        .order_by("authority__name", "authority__ags")
    )


def _region_of(authority: Authority) -> Authority | None:
    """The Regierungsbezirk an authority lies in; a Regierungsbezirk is its own."""
    if authority.kind == Kind.REGION:
        return authority
    return authority.regierungsbezirk


def _http_url(value: str) -> str:
    """A URL to link to, only if it is http(s): text from members never becomes a script link."""
    return value if value.lower().startswith(("https://", "http://")) else ""


# --- Directory --------------------------------------------------------------------------------


# What a row of the directory shows, read as plain values: the list holds every member (432
# at the network's full size), and model instances for each cost more than the page may.
DIRECTORY_FIELDS = (
    "authority__ags",
    "authority__name",
    "authority__kind",
    "authority__regierungsbezirk__name",
    "profile__ehrenamtskarte",
    "member_since",
)


@dataclass(frozen=True)
class DirectoryEntry:
    ags: str
    name: str
    kind: str
    region: str
    ehrenamtskarte: str
    member_since: date | None


def _entries(rows: list[tuple]) -> list[DirectoryEntry]:
    kinds = {kind.value: str(kind.label) for kind in Kind}
    cards = {card.value: str(card.label) for card in Profile.Ehrenamtskarte}
    return [
        DirectoryEntry(
            ags=ags,
            name=name,
            kind=kinds[kind],
            # A Regierungsbezirk lies in itself (as _region_of says).
            region=name if kind == Kind.REGION else region or "",
            # Without a profile a member has said nothing about the card yet.
            ehrenamtskarte=cards[card or Profile.Ehrenamtskarte.NONE],
            member_since=since,
        )
        for ags, name, kind, region, card, since in rows
    ]


_reference: dict[str, list[tuple[str, str]]] = {}


def _regions() -> list[tuple[str, str]]:
    """AGS and name of the five Regierungsbezirke: reference data, read once per process."""
    regions = _reference.get("regions")
    if regions is None:
        regions = list(
            Authority.objects.filter(kind=Kind.REGION).order_by("name").values_list("ags", "name")
        )
        if regions:
            _reference["regions"] = regions
    return regions


@cached_for_anonymous(query=("regierungsbezirk", "kind", "ehrenamtskarte"))
@require_safe
@vary_on_headers("HX-Request")
def directory(request: HtmxHttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET, regions=_regions())
    rows = list(form.filter(_members()).values_list(*DIRECTORY_FIELDS))
    partial = wants_partial(request)
    template = "members/directory.html" + ("#directory-results" if partial else "")
    return render(
        request,
        template,
        {
            "form": form,
            # Called by the template only when the table is not in the cache yet.
            "entries": lambda: _entries(rows),
            "count": len(rows),
            "count_text": ngettext("%(count)d member", "%(count)d members", len(rows))
            % {"count": len(rows)},
            "partial": partial,
            # The table is rendered once per content (templates' {% cache %}).
            "rows_key": rows_key(rows),
            "fragment_seconds": FRAGMENT_SECONDS,
        },
    )


# --- Profile ----------------------------------------------------------------------------------


@cached_for_anonymous
@require_safe
def profile(request: HttpRequest, ags: str) -> HttpResponse:
    organisation = _members().filter(authority__ags=ags).first()
    if organisation is None:
        raise Http404
    try:
        member_profile: Profile | None = organisation.profile
    except Profile.DoesNotExist:
        member_profile = None
    examples = []
    if member_profile is not None:
        examples = [
            (example, _http_url(example.link)) for example in member_profile.practice_examples.all()
        ]
    contacts = (
        Affiliation.objects.filter(
            organisation=organisation, public_contact_since__isnull=False, user__is_active=True
        )
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    authority = organisation.authority
    return render(
        request,
        "members/profile.html",
        {
            "organisation": organisation,
            "authority": authority,
            "region": _region_of(authority),
            "profile": member_profile,
            "website": _http_url(member_profile.website) if member_profile else "",
            "examples": examples,
            "contacts": contacts,
        },
    )


# --- Map --------------------------------------------------------------------------------------


@cached_for_anonymous
@require_safe
def network_map(request: HttpRequest) -> HttpResponse:
    # Plain values, and the map and the list rendered once per content ({% cache %} in the
    # template): every member is on the page, 432 at the network's full size.
    rows = list(
        Organisation.objects.members()
        .order_by("authority__name", "authority__ags")
        .values_list("authority__ags", "authority__name", "authority__kind")
    )
    count_text = ngettext(
        "%(count)d member of the network is highlighted on the map.",
        "%(count)d members of the network are highlighted on the map.",
        len(rows),
    ) % {"count": len(rows)}

    @cache
    def members() -> list[svgmap.MapMember]:
        return [
            svgmap.MapMember(
                ags=ags, name=name, kind=kind, url=reverse("members:profile", args=[ags])
            )
            for ags, name, kind in rows
        ]

    kinds = {kind.value: str(kind.label) for kind in Kind}

    def svg() -> SafeString:
        return svgmap.render_map(
            members(),
            title=_("Map of North Rhine-Westphalia with the members of the network"),
            description=_(
                "The map shows the cities, municipalities and districts of North "
                "Rhine-Westphalia. %(count_text)s Each highlighted area links to the member's "
                "profile. The list beside the map names all members."
            )
            % {"count_text": count_text},
        )

    return render(
        request,
        "members/map.html",
        {
            # Both called by the template only when the fragment is not in the cache yet.
            "svg": svg,
            "listed": lambda: [(member, kinds[member.kind]) for member in members()],
            "count": len(rows),
            "count_text": count_text,
            "colours": svgmap.COLOURS,
            # The base layer's address is in the map: new reference data, new map.
            "rows_key": rows_key([(svgmap.base_map().digest,), *rows]),
            "fragment_seconds": FRAGMENT_SECONDS,
        },
    )


def _base_map_etag(request: HttpRequest, digest: str) -> str | None:
    return svgmap.base_map().digest or None


@require_safe
@etag(_base_map_etag)
def network_map_base(request: HttpRequest, digest: str) -> HttpResponse:
    """The map's base layer, an SVG document the map page references with <use>.

    Its address holds the digest of its content, so a browser may keep it for good. An old
    digest (a page cached before new reference data) still gets the current map, marked
    no-cache: the browser asks again each time, and the ETag spares the download while
    nothing changed. GZipMiddleware sends it compressed: outlines shrink to a third.
    """
    base = svgmap.base_map()
    if not base.document:
        raise Http404
    response = HttpResponse(base.document, content_type="image/svg+xml; charset=utf-8")
    if digest == base.digest:
        response["Cache-Control"] = "public, max-age=31536000, immutable"
    else:
        response["Cache-Control"] = "no-cache"
    return response


# --- Images of practice examples --------------------------------------------------------------


@require_safe
def practice_image(request: HttpRequest, pk: int) -> FileResponse:
    """An image of a practice example: public for members, else only for its own people.

    Media files are never served as a whole, because they also hold application attachments.
    """
    example = get_object_or_404(
        PracticeExample.objects.select_related("profile__organisation"), pk=pk
    )
    organisation = example.profile.organisation
    visible = (
        _members().filter(pk=organisation.pk).exists()
        or request.user.is_staff
        or (
            request.user.is_authenticated
            and Affiliation.objects.filter(
                user_id=request.user.pk, organisation=organisation
            ).exists()
        )
    )
    if not visible or not example.image:
        raise Http404
    response = file_response(example.image, PurePath(example.image.name).name, inline=True)
    response["Cache-Control"] = (
        "public, max-age=3600" if not request.user.is_authenticated else "private"
    )
    return response
