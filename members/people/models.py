"""Organisations in the portal, their people and roles, invitations and consent records."""

from __future__ import annotations

from typing import ClassVar, cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.reference.models import Authority


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def _current_memberships(self) -> models.QuerySet[models.Model]:
        # Membership (members.applications) builds on this module: its reverse relation names it.
        membership = cast(
            "type[models.Model]", self.model._meta.get_field("memberships").related_model
        )
        return membership._default_manager.filter(
            organisation=models.OuterRef("pk"), until__isnull=True
        )

    def members(self) -> OrganisationQuerySet:
        return self.filter(models.Exists(self._current_memberships()))

    def with_member_since(self) -> OrganisationQuerySet:
        """Each organisation with `member_since`: the start of its current membership, or None."""
        since = self._current_memberships().values("since")[:1]
        return self.annotate(member_since=models.Subquery(since))


class Organisation(models.Model):
    """A municipality, district or Bezirksregierung that works with the network in the portal."""

    authority = models.OneToOneField(
        Authority,
        on_delete=models.PROTECT,
        related_name="organisation",
        verbose_name=_("local authority"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering: ClassVar = ["authority__name"]

    def __str__(self) -> str:
        return str(self.authority)

    @property
    def current_membership(self) -> models.Model | None:
        """The membership that has not ended, if any (a members.applications Membership)."""
        return self.memberships.filter(until__isnull=True).first()


class Affiliation(models.Model):
    """That a user works for an organisation, and in which role."""

    class Role(models.TextChoices):
        CONTACT = "contact", _("engagement officer / contact person")
        HEAD = "head", _("head of administration")
        COLLEAGUE = "colleague", _("colleague")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="affiliation",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="affiliations",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    office = models.CharField(
        _("office"),
        max_length=150,
        blank=True,
        help_text=_("For example: Mayor, Head of the volunteering office."),
    )
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    public_contact_since = models.DateTimeField(
        _("public contact since"),
        null=True,
        blank=True,
        help_text=_(
            "When this person agreed to be shown as a contact on the public profile. "
            "Empty: not shown."
        ),
    )

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering: ClassVar = ["organisation", "role", "user__full_name"]

    def __str__(self) -> str:
        return f"{self.user} – {self.organisation} ({self.get_role_display()})"


class Invitation(models.Model):
    """A contact's invitation to a colleague to join the organisation in the portal."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("organisation"),
    )
    email = models.EmailField(_("e-mail address"))
    role = models.CharField(
        _("role"), max_length=20, choices=Affiliation.Role.choices, default="colleague"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("invited"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("accepted by"),
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering: ClassVar = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.organisation}"


class ConsentRecord(models.Model):
    """Evidence of a person's consent to publish data about them, given or withdrawn.

    Rows are only added, never changed: together they show who agreed to what and when.
    """

    class Kind(models.TextChoices):
        PUBLIC_CONTACT = "public_contact", _("shown as contact on the public profile")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consent_records",
        verbose_name=_("person"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="consent_records",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("consent to"), max_length=30, choices=Kind.choices)
    given = models.BooleanField(_("given"), help_text=_("Not set: the consent was withdrawn."))
    # The data shown publicly at the time, e.g. name, office and e-mail address.
    details = models.JSONField(_("published data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.created_at:%Y-%m-%d})"
