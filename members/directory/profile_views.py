"""The member's own profile page: its profile, practice examples and who is shown as contact.

Contact persons and the head of administration edit the profile and the practice examples;
colleagues read them. Each person decides alone about being shown as contact. The workflows
are in members.directory.services; the public pages are in members.directory.views.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from members.directory import services
from members.directory.forms import PracticeExampleForm, ProfileForm, PublicContactForm
from members.directory.models import PracticeExample, Profile
from members.people.access import is_speaker, require_speaker, with_affiliation
from members.people.models import Affiliation, ConsentRecord
from portal.http import logged_in_user


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
        services.save_profile(form.save(commit=False), logged_in_user(request))
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
        mine, logged_in_user(request), consent=consent, office=form.cleaned_data["office"]
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
    services.save_practice_example(
        mine.organisation, form.save(commit=False), logged_in_user(request)
    )
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
        services.delete_practice_example(example, logged_in_user(request))
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
