"""The municipality's own pages: its people and invitations, its profile and practice examples.

Everything here belongs to the organisation of the logged-in user: objects are looked up
within that organisation (404 otherwise), and only contact persons and the head of
administration change anything but their own entry (403 otherwise). The workflows are in
members.services.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from PIL import Image

from members import services
from members.models import Affiliation, ConsentRecord, Invitation, PracticeExample, Profile
from members.services import WorkflowError
from portal.models import User
from portal.uploads import validate_image

SPEAKERS = (Affiliation.Role.CONTACT, Affiliation.Role.HEAD)
IMAGE_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


# --- Forms ------------------------------------------------------------------------------------


def _https_urls(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Model form fields; a web address typed without scheme gets https://."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


WEB_ADDRESS = URLValidator(schemes=["http", "https"])


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("E-mail address"),
        max_length=254,
        help_text=gettext_lazy(
            "We send the invitation link to this address. The person logs in or registers "
            "with this address to accept it."
        ),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=Affiliation.Role.choices,
        initial=Affiliation.Role.COLLEAGUE,
        widget=forms.RadioSelect,
    )

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = Profile
        formfield_callback = staticmethod(_https_urls)
        fields = (
            "introduction",
            "coordination_office",
            "engagement_alliance",
            "guidelines",
            "ehrenamtskarte",
            "website",
        )
        widgets = {
            "introduction": forms.Textarea(attrs={"rows": 5}),
            "coordination_office": forms.Textarea(attrs={"rows": 4}),
            "engagement_alliance": forms.Textarea(attrs={"rows": 4}),
            "guidelines": forms.Textarea(attrs={"rows": 4}),
            "ehrenamtskarte": forms.RadioSelect,
        }
        help_texts = {
            "introduction": gettext_lazy(
                "A few sentences on how your municipality promotes civic engagement."
            ),
            "coordination_office": gettext_lazy(
                "Who coordinates engagement promotion in your administration, and how to "
                "reach them."
            ),
            "engagement_alliance": gettext_lazy(
                "Whether there is a local alliance of associations, initiatives and "
                "administration, and who takes part."
            ),
            "guidelines": gettext_lazy(
                "Whether your council has adopted guidelines on civic engagement, and since when."
            ),
            "website": gettext_lazy("For example: https://www.example-town.de/ehrenamt"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["website"].validators.append(WEB_ADDRESS)


class PracticeExampleForm(forms.ModelForm):
    image = forms.FileField(
        label=gettext_lazy("Image"),
        required=False,
        validators=[validate_image],
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=gettext_lazy("A photo or graphic in the format JPEG, PNG or WebP, at most 5 MB."),
    )
    remove_image = forms.BooleanField(label=gettext_lazy("Remove the image"), required=False)

    class Meta:
        model = PracticeExample
        formfield_callback = staticmethod(_https_urls)
        fields = ("title", "text", "link", "image", "remove_image", "image_alt")
        widgets = {"text": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "title": gettext_lazy("For example the name of the project or programme."),
            "text": gettext_lazy("What it is, who takes part and what others can learn from it."),
            "link": gettext_lazy("A web page with more information."),
            "image_alt": gettext_lazy(
                "Required if there is an image: describe what it shows for people who cannot "
                "see it."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["link"].validators.append(WEB_ADDRESS)
        if not self.instance.image:
            del self.fields["remove_image"]

    def _new_upload(self) -> UploadedFile | None:
        upload = self.files.get(self.add_prefix("image"))
        return upload if isinstance(upload, UploadedFile) else None

    def clean_image(self) -> Any:
        image = self.cleaned_data.get("image")
        upload = self._new_upload()
        if upload is not None and image is upload:
            # Stored under a random name: the original name may be long, odd or personal.
            with Image.open(upload) as picture:
                suffix = IMAGE_SUFFIXES.get(picture.format or "", "")
            upload.seek(0)
            upload.name = secrets.token_hex(8) + suffix
        return image

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("remove_image") and self._new_upload() is None:
            cleaned["image"] = False  # tells the model field to forget the file
        if cleaned.get("image") and not cleaned.get("image_alt", "").strip():
            self.add_error(
                "image_alt",
                _("Please describe the image for people who cannot see it."),
            )
        return cleaned


class PublicContactForm(forms.Form):
    consent = forms.BooleanField(
        label=gettext_lazy("Show me as a contact person on the public profile"),
        required=False,
    )
    office = forms.CharField(
        label=gettext_lazy("Your office or function"),
        max_length=Affiliation._meta.get_field("office").max_length,
        required=False,
        help_text=gettext_lazy("For example: Head of the volunteering office."),
    )


# --- Access -----------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)  # every view here is behind login_required


def _is_speaker(affiliation: Affiliation) -> bool:
    return affiliation.role in SPEAKERS


def _with_affiliation(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Log in first; then pass the user's affiliation, or send people without one away."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        affiliation = services.affiliation_of(_user(request))
        if affiliation is None:
            messages.info(
                request,
                _(
                    "Your account does not belong to a municipality yet. Once your "
                    "municipality invites you, or you apply for it, you will find its people "
                    "and its profile here."
                ),
            )
            return redirect("dashboard")
        return view(request, affiliation, *args, **kwargs)

    return wrapper


def _require_speaker(affiliation: Affiliation) -> None:
    if not _is_speaker(affiliation):
        raise PermissionDenied


def _colleague_affiliation(mine: Affiliation, pk: int) -> Affiliation:
    """A person of the user's own organisation: 404 for anyone else's."""
    return get_object_or_404(
        Affiliation.objects.select_related("user", "organisation__authority"),
        pk=pk,
        organisation_id=mine.organisation_id,
    )


def _practice_example(mine: Affiliation, pk: int) -> PracticeExample:
    """A practice example of the user's own organisation, for a contact person to change."""
    example = get_object_or_404(
        PracticeExample.objects.select_related("profile__organisation"),
        pk=pk,
        profile__organisation_id=mine.organisation_id,
    )
    _require_speaker(mine)
    return example


def _errors(error: WorkflowError) -> str:
    return " ".join(error.messages)


# --- People and invitations -------------------------------------------------------------------


def _render_people(
    request: HttpRequest, mine: Affiliation, invite_form: InviteForm | None
) -> HttpResponse:
    organisation = mine.organisation
    persons = (
        organisation.affiliations.select_related("user")
        .annotate(
            role_order=Case(
                When(role=Affiliation.Role.HEAD, then=Value(0)),
                When(role=Affiliation.Role.CONTACT, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("role_order", "user__full_name", "user__email")
    )
    invitations = organisation.invitations.filter(accepted_at__isnull=True).select_related(
        "invited_by"
    )
    return render(
        request,
        "members/people.html",
        {
            "mine": mine,
            "organisation": organisation,
            "persons": persons,
            "invitations": invitations,
            "expired_before": timezone.now() - services.INVITATION_MAX_AGE,
            "can_manage": _is_speaker(mine),
            "invite_form": invite_form,
        },
    )


@require_GET
@_with_affiliation
def people(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    return _render_people(request, mine, InviteForm() if _is_speaker(mine) else None)


@require_POST
@_with_affiliation
def invite(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    _require_speaker(mine)
    form = InviteForm(request.POST)
    if form.is_valid():
        email = form.cleaned_data["email"]
        try:
            services.invite(mine.organisation, _user(request), email, form.cleaned_data["role"])
        except WorkflowError as error:
            form.add_error("email", error)
        else:
            messages.success(
                request,
                _("The invitation has been sent to %(email)s. It is valid for %(days)s days.")
                % {"email": email, "days": services.INVITATION_MAX_AGE.days},
            )
            return redirect("members:people")
    return _render_people(request, mine, form)


@require_http_methods(["GET", "POST"])
@_with_affiliation
def remove(request: HttpRequest, mine: Affiliation, pk: int) -> HttpResponse:
    """A contact person removes someone; everyone may leave. GET asks first."""
    affiliation = _colleague_affiliation(mine, pk)
    leaving = affiliation.pk == mine.pk
    if not leaving:
        _require_speaker(mine)
    if request.method == "POST":
        try:
            services.remove_person(affiliation, _user(request))
        except WorkflowError as error:
            messages.error(request, _errors(error))
            return redirect("members:people")
        if leaving:
            messages.success(
                request,
                _("You no longer belong to %(organisation)s in the portal.")
                % {"organisation": mine.organisation},
            )
            return redirect("dashboard")
        messages.success(
            request,
            _("%(name)s no longer belongs to %(organisation)s in the portal.")
            % {"name": affiliation.user.get_full_name(), "organisation": mine.organisation},
        )
        return redirect("members:people")
    if leaving:
        title = _("Leave %(organisation)s") % {"organisation": mine.organisation}
        question = _(
            "Do you want to leave %(organisation)s in the portal? You will no longer see its "
            "people, profile and applications. A contact person can invite you again."
        ) % {"organisation": mine.organisation}
        button = _("Leave")
    else:
        title = _("Remove %(name)s") % {"name": affiliation.user.get_full_name()}
        question = _(
            "Do you want to remove %(name)s (%(email)s) from %(organisation)s? The account "
            "stays; the person no longer sees the pages of your municipality."
        ) % {
            "name": affiliation.user.get_full_name(),
            "email": affiliation.user.email,
            "organisation": mine.organisation,
        }
        button = _("Remove")
    return render(
        request,
        "members/confirm_delete.html",
        {
            "title": title,
            "question": question,
            "button": button,
            "action": reverse("members:remove_person", args=[affiliation.pk]),
            "cancel": reverse("members:people"),
        },
    )


def _invitation_page(
    request: HttpRequest,
    invitation: Invitation | None,
    problem: WorkflowError | None = None,
) -> HttpResponse:
    return render(
        request,
        "members/invitation.html",
        {"invitation": invitation, "problem": _errors(problem) if problem else ""},
        status=400 if problem else 200,
    )


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    if not request.user.is_authenticated:
        messages.info(
            request,
            _(
                "To accept the invitation, please log in with the e-mail address it was sent "
                "to. If you have no account yet, please register with that address first."
            ),
        )
        return redirect_to_login(request.get_full_path())
    user = _user(request)
    try:
        invitation = services.invitation_from_token(token)
    except WorkflowError as error:
        return _invitation_page(request, None, error)
    mine = services.affiliation_of(user)
    if (
        invitation.accepted_by_id == user.pk
        and mine is not None
        and mine.organisation_id == invitation.organisation_id
    ):
        messages.info(request, _("You have already accepted this invitation."))
        return redirect("members:people")
    try:
        if request.method == "POST":
            affiliation = services.accept_invitation_token(token, user)
            messages.success(
                request,
                _("Welcome! You now belong to %(organisation)s as %(role)s.")
                % {
                    "organisation": affiliation.organisation,
                    "role": affiliation.get_role_display(),
                },
            )
            return redirect("dashboard")
        services.check_invitation(invitation, user)
    except WorkflowError as error:
        return _invitation_page(request, invitation, error)
    return _invitation_page(request, invitation)


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
    can_edit = _is_speaker(mine)
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
@_with_affiliation
def profile_edit(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    """Contact persons edit the profile; colleagues read it. Everyone sees their own consent."""
    profile = _profile_of(mine)
    if request.method == "GET":
        return _render_profile(request, mine, profile=profile)
    _require_speaker(mine)
    form = ProfileForm(request.POST, instance=profile)
    if form.is_valid():
        services.save_profile(form.save(commit=False), _user(request))
        messages.success(request, _("The profile has been saved."))
        return redirect("members:profile_edit")
    return _render_profile(request, mine, profile=profile, profile_form=form)


@require_POST
@_with_affiliation
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
@_with_affiliation
def practice_create(request: HttpRequest, mine: Affiliation) -> HttpResponse:
    _require_speaker(mine)
    if request.method == "POST":
        form = PracticeExampleForm(request.POST, request.FILES)
        if form.is_valid():
            _save_practice(request, mine, form)
            return redirect(reverse("members:profile_edit") + "#practice-examples")
    else:
        form = PracticeExampleForm()
    return _practice_form_page(request, mine, form)


@require_http_methods(["GET", "POST"])
@_with_affiliation
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
@_with_affiliation
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
