from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from factory.django import DjangoModelFactory

from members.models import Affiliation, Authority, Organisation
from portal.models import User

PASSWORD = "Sicheres-Passwort-42"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@kommune.example")
    full_name = factory.Faker("name", locale="de_DE")
    language = "de"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        self.save()
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


def authority_for(n: int) -> Authority:
    """The n-th town or municipality of the register, so that each organisation gets its own."""
    return Authority.objects.filter(kind__in=["Stadt", "Gemeinde"]).order_by("ags")[n]


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    authority = factory.Sequence(authority_for)


class AffiliationFactory(DjangoModelFactory[Affiliation]):
    class Meta:
        model = Affiliation

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Affiliation.Role.CONTACT
