"""Forms of the directory (its filters) and of a member's own profile page."""

from __future__ import annotations

import secrets
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from PIL import Image

from members.directory.models import PracticeExample, Profile
from members.people.models import Affiliation, Organisation
from members.reference.models import Authority
from portal.uploads import validate_image

Kind = Authority.Kind
IMAGE_SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp"}


class DirectoryFilterForm(forms.Form):
    """The filters of the directory (GET). A value that is no choice is reported and ignored."""

    marks_optional = False  # a filter: every field is optional, so none is marked

    regierungsbezirk = forms.ChoiceField(label=gettext_lazy("Government region"), required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Type"), required=False)
    ehrenamtskarte = forms.ChoiceField(label=gettext_lazy("Ehrenamtskarte NRW"), required=False)

    def __init__(self, *args, regions: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        every = [("", pgettext("directory filter", "all"))]
        choices: dict[str, list[tuple[str, Any]]] = {
            "regierungsbezirk": regions,
            "kind": list(Kind.choices),
            "ehrenamtskarte": list(Profile.Ehrenamtskarte.choices),
        }
        for name, options in choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = every + options

    def filter(self, members: QuerySet[Organisation]) -> QuerySet[Organisation]:
        """Applies the valid filters; invalid ones stay out of cleaned_data and are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if region := data.get("regierungsbezirk"):
            members = members.filter(
                Q(authority__regierungsbezirk__ags=region) | Q(authority__ags=region)
            )
        if kind := data.get("kind"):
            members = members.filter(authority__kind=kind)
        if card := data.get("ehrenamtskarte"):
            matches = Q(profile__ehrenamtskarte=card)
            if card == Profile.Ehrenamtskarte.NONE:
                # Without a profile a member has said nothing about the card yet.
                matches |= Q(profile__isnull=True)
            members = members.filter(matches)
        return members

    @property
    def is_filtered(self) -> bool:
        return any(getattr(self, "cleaned_data", {}).values())


# --- The member's own profile ------------------------------------------------------------


def _https_urls(db_field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Model form fields; a web address typed without scheme gets https://."""
    if isinstance(db_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return db_field.formfield(**kwargs)


WEB_ADDRESS = URLValidator(schemes=["http", "https"])


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
