import pytest
from django.core.management import CommandError, call_command

from declarations.models import Signature
from meetings.models import Event, Registration, Session
from members.models import Application, ImportedPerson, Membership, Organisation
from portal.models import User

pytestmark = pytest.mark.django_db


def test_demo_data_is_refused_outside_debug():
    with pytest.raises(CommandError, match="DJANGO_DEBUG"):
        call_command("load_demo_data")
    assert not User.objects.exists()


def test_demo_data_can_be_loaded_twice_without_duplicates(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_demo_data", force=True)
    call_command("load_demo_data", force=True)
    assert User.objects.filter(is_staff=True).count() == 1
    assert User.objects.count() == 5
    # Eight of the demo's own, and the sample import's eleven (Arnsberg is in both).
    assert Organisation.objects.members().count() == 18
    assert Membership.objects.count() == 18
    assert ImportedPerson.objects.count() == 22
    assert Signature.objects.filter(on_paper=True, version__label="2017").count() == 11
    assert Application.objects.get().status == Application.Status.SUBMITTED
    signature = Signature.objects.get(verification_code="MSTR-2627-DEMA")
    assert signature.organisation.authority.name == "Münster"
    assert signature.pdf_sha256, "the demo's PDF is rendered at once, without a worker"
    assert Event.objects.filter(status="published").count() == 5
    congress = Event.objects.get(kind="congress")
    assert congress.programme_items.count() == 4
    assert Session.objects.filter(slot__event=congress).count() == 6
    assert Registration.objects.get().user.email == "engagement@muenster.example"
    officer = User.objects.get(email="engagement@muenster.example")
    assert officer.check_password("Demo-Passwort-2026")
    assert officer.affiliation.public_contact_since is not None
