"""The public network pages (the member directory, a member's public profile, the map and the
practice images) and the member's own profile page, with its practice examples and who is shown
as contact. The workflows are in members.directory.services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.contrib import messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import etag, require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from members.applications.models import Membership
from members.directory import services, svgmap
from members.directory.forms import (
    DirectoryFilterForm,
    PracticeExampleForm,
    ProfileForm,
    PublicContactForm,
)
from members.directory.models import PracticeExample, Profile
from members.people.access import is_speaker, require_speaker, with_affiliation
from members.people.models import Affiliation, ConsentRecord, Organisation
from members.reference.models import Authority
from portal.http import HtmxHttpRequest
from portal.models import User
from portal.pagecache import public_page

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


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # the member's own pages are behind with_affiliation


# --- Directory --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryEntry:
    organisation: Organisation
    region: Authority | None
    ehrenamtskarte: str


def _entry(organisation: Organisation) -> DirectoryEntry:
    try:
        card = str(organisation.profile.get_ehrenamtskarte_display())
    except Profile.DoesNotExist:
        card = str(Profile.Ehrenamtskarte.NONE.label)
    return DirectoryEntry(organisation, _region_of(organisation.authority), card)


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


@public_page
@require_safe
@vary_on_headers("HX-Request")
def directory(request: HtmxHttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET, regions=_regions())
    entries = [_entry(organisation) for organisation in form.filter(_members())]
    # htmx asks for the results only; a history restore needs the whole page.
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = "members/directory.html" + ("#directory-results" if partial else "")
    return render(
        request,
        template,
        {
            "form": form,
            "entries": entries,
            "count_text": ngettext("%(count)d member", "%(count)d members", len(entries))
            % {"count": len(entries)},
            "partial": partial,
        },
    )


# --- Profile ----------------------------------------------------------------------------------


@public_page
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


@public_page
@require_safe
def network_map(request: HttpRequest) -> HttpResponse:
    members = list(
        Organisation.objects.members()
        .select_related("authority")
        .order_by("authority__name", "authority__ags")
    )
    on_map = [
        svgmap.MapMember(
            ags=o.authority.ags,
            name=o.authority.name,
            kind=o.authority.kind,
            url=reverse("members:profile", args=[o.authority.ags]),
        )
        for o in members
    ]
    count_text = ngettext(
        "%(count)d member of the network is highlighted on the map.",
        "%(count)d members of the network are highlighted on the map.",
        len(members),
    ) % {"count": len(members)}
    svg = svgmap.render_map(
        on_map,
        title=_("Map of North Rhine-Westphalia with the members of the network"),
        description=_(
            "The map shows the cities, municipalities and districts of North Rhine-Westphalia. "
            "%(count_text)s Each highlighted area links to the member's profile. "
            "The list beside the map names all members."
        )
        % {"count_text": count_text},
    )
    return render(
        request,
        "members/map.html",
        {"members": members, "svg": svg, "count_text": count_text, "colours": svgmap.COLOURS},
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
    nothing changed.
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
    response = FileResponse(example.image.open("rb"))
    response["Cache-Control"] = (
        "public, max-age=3600" if not request.user.is_authenticated else "private"
    )
    return response


def _practice_example(mine: Affiliation, pk: int) -> PracticeExample:
    """A practice example of the user's own organisation, for a contact person to change."""
    example = get_object_or_404(
        PracticeExample.objects.select_related("profile__organisation"),
        pk=pk,
        profile__organisation_id=mine.organisation_id,
    )
    require_speaker(mine)
    return example


# --- Profile ----------------------------------------------------------------------------------


def _profile_of(mine: Affiliation) -> Profile:
    """The organisation's profile; a new, unsaved one until a contact person saves it."""
    profile = Profile.objects.filter(organisation_id=mine.organisation_id).first()
    return profile or Profile(organisation=mine.organisation)


def _render_profile(
    request: HttpRequest,
    mine: Affiliation,
    *,
    profile: Profile | None = None,
    profile_form: ProfileForm | None = None,
    contact_form: PublicContactForm | None = None,
) -> HttpResponse:
    profile = profile or _profile_of(mine)
    can_edit = is_speaker(mine)
    if can_edit and profile_form is None:
        profile_form = ProfileForm(instance=profile)
    if contact_form is None:
        contact_form = PublicContactForm(
            initial={"consent": mine.public_contact_since is not None, "office": mine.office}
        )
    examples = profile.practice_examples.all() if profile.pk else PracticeExample.objects.none()
    public_contacts = (
        mine.organisation.affiliations.filter(public_contact_since__isnull=False)
        .select_related("user")
        .order_by("user__full_name")
    )
    # The person's own evidence of consent, newest first, as staff see it in admin.
    consent_records = ConsentRecord.objects.filter(
        user_id=mine.user_id, kind=ConsentRecord.Kind.PUBLIC_CONTACT
    ).select_related("organisation__authority")
    return render(
        request,
        "members/profile_edit.html",
        {
            "mine": mine,
            "organisation": mine.organisation,
            "profile": profile,
            "can_edit": can_edit,
            "profile_form": profile_form,
            "contact_form": contact_form,
            "examples": examples,
            "public_contacts": public_contacts,
            "consent_records": consent_records,
        },
    )


@require_http_methods(["GET", "POST"])
@with_affiliation
def profile_edit(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    """Contact persons edit the profile; colleagues read it. Everyone sees their own consent."""
    profile = _profile_of(mine)
    if request.method == "GET":
        return _render_profile(request, mine, profile=profile)
    require_speaker(mine)
    form = ProfileForm(request.POST, instance=profile)
    if form.is_valid():
        services.save_profile(form.save(commit=False), _user(request))
        messages.success(request, _("The profile has been saved."))
        return redirect("members:profile_edit")
    return _render_profile(request, mine, profile=profile, profile_form=form)


@require_POST
@with_affiliation
def public_contact(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    """The user's own consent to be shown as contact; nobody decides it for someone else."""
    form = PublicContactForm(request.POST)
    if not form.is_valid():
        return _render_profile(request, mine, contact_form=form)
    consent = form.cleaned_data["consent"]
    services.set_public_contact(
        mine, _user(request), consent=consent, office=form.cleaned_data["office"]
    )
    if consent:
        messages.success(
            request, _("Thank you. You are now shown as a contact on the public profile.")
        )
    else:
        messages.success(request, _("You are no longer shown as a contact on the public profile."))
    return redirect(reverse("members:profile_edit") + "#public-contact")


# --- Practice examples ------------------------------------------------------------------------


def _practice_form_page(
    request: HttpRequest,
    mine: Affiliation,
    form: PracticeExampleForm,
    *,
    editing: bool = False,
    image: tuple[str, str] = ("", ""),
) -> HttpResponse:
    """The form page; image is (url, description) of the stored image, if there is one."""
    return render(
        request,
        "members/practice_form.html",
        {
            "organisation": mine.organisation,
            "form": form,
            "editing": editing,
            "image_url": image[0],
            "image_alt": image[1],
        },
    )


def _save_practice(request: HttpRequest, mine: Affiliation, form: PracticeExampleForm) -> None:
    services.save_practice_example(mine.organisation, form.save(commit=False), _user(request))
    messages.success(
        request,
        _("The practice example “%(title)s” has been saved.") % {"title": form.instance.title},
    )


@require_http_methods(["GET", "POST"])
@with_affiliation
def practice_create(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    require_speaker(mine)
    if request.method == "POST":
        form = PracticeExampleForm(request.POST, request.FILES)
        if form.is_valid():
            _save_practice(request, mine, form)
            return redirect(reverse("members:profile_edit") + "#practice-examples")
    else:
        form = PracticeExampleForm()
    return _practice_form_page(request, mine, form)


@require_http_methods(["GET", "POST"])
@with_affiliation
def practice_edit(request: HttpRequest, mine: Affiliation, pk: int) -> HttpResponse:
    example = _practice_example(mine, pk)
    # Taken before the form puts the entries into the example: the image as it is stored.
    stored_image = (
        (reverse("members:practice_image", args=[example.pk]), example.image_alt)
        if example.image
        else ("", "")
    )
    if request.method == "POST":
        form = PracticeExampleForm(request.POST, request.FILES, instance=example)
        if form.is_valid():
            _save_practice(request, mine, form)
            return redirect(reverse("members:profile_edit") + "#practice-examples")
    else:
        form = PracticeExampleForm(instance=example)
    return _practice_form_page(request, mine, form, editing=True, image=stored_image)


@require_http_methods(["GET", "POST"])
@with_affiliation
def practice_delete(request: HttpRequest, mine: Affiliation, pk: int) -> HttpResponse:
    example = _practice_example(mine, pk)
    if request.method == "POST":
        services.delete_practice_example(example, _user(request))
        messages.success(
            request,
            _("The practice example “%(title)s” has been deleted.") % {"title": example.title},
        )
        return redirect(reverse("members:profile_edit") + "#practice-examples")
    return render(
        request,
        "members/confirm_delete.html",
        {
            "title": _("Delete practice example"),
            "question": _(
                "Do you want to delete the practice example “%(title)s”? It will no longer be "
                "shown on the public profile."
            )
            % {"title": example.title},
            "button": _("Delete"),
            "action": reverse("members:practice_delete", args=[example.pk]),
            "cancel": reverse("members:profile_edit") + "#practice-examples",
        },
    )
