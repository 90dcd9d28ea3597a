"""The municipality's practice examples.

German texts for these pages are still to be written, so the tests look at status codes,
the database, ids and links rather than at wording.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.directory import services as directory_services
from members.models import PracticeExample, Profile
from tests.factories import OrganisationFactory
from tests.support.people import PRACTICE_CREATE, PROFILE, logged_in

pytestmark = pytest.mark.django_db


def png(size=(4, 3)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(buffer, format="PNG")
    return SimpleUploadedFile("Foto vom Ehrenamtstag.png", buffer.getvalue(), "image/png")


@pytest.fixture
def example_a(organisation_a):
    profile = Profile.objects.create(organisation=organisation_a, introduction="Hallo")
    return PracticeExample.objects.create(
        profile=profile, title="Engagementbörse", text="Jedes Jahr im Mai."
    )


# --- Practice examples ------------------------------------------------------------------------

PRACTICE = {"title": "Ehrenamtsmesse", "text": "Vereine stellen sich vor.", "link": ""}


def test_a_contact_adds_a_practice_example_and_the_profile_appears(client, contact_a, media_root):
    logged_in(client, contact_a)
    assert client.get(PRACTICE_CREATE).status_code == 200
    response = client.post(PRACTICE_CREATE, PRACTICE)
    assert response.status_code == 302
    assert response["Location"] == PROFILE + "#practice-examples"
    example = PracticeExample.objects.get()
    assert example.profile.organisation == contact_a.affiliation.organisation
    assert example.title == "Ehrenamtsmesse"
    assert f'id="practice-{example.pk}"' in client.get(PROFILE).text


def test_a_practice_example_with_an_image_and_description(client, contact_a, media_root):
    logged_in(client, contact_a)
    response = client.post(
        PRACTICE_CREATE, {**PRACTICE, "image": png(), "image_alt": "Menschen am Infostand"}
    )
    assert response.status_code == 302
    example = PracticeExample.objects.get()
    assert example.image_alt == "Menschen am Infostand"
    assert example.image.name.endswith(".png")
    assert "Foto" not in example.image.name  # stored under a random name
    assert (media_root / example.image.name).exists()


def test_an_image_needs_a_description(client, contact_a, media_root):
    response = logged_in(client, contact_a).post(
        PRACTICE_CREATE, {**PRACTICE, "image": png(), "image_alt": "  "}
    )
    assert response.status_code == 200
    assert 'id="id_image_alt_error"' in response.text
    assert 'value="Ehrenamtsmesse"' in response.text
    assert not PracticeExample.objects.exists()


def test_a_fake_image_is_refused_next_to_the_field(client, contact_a, media_root):
    fake = SimpleUploadedFile("bild.png", b"<html>kein Bild</html>", "image/png")
    response = logged_in(client, contact_a).post(
        PRACTICE_CREATE, {**PRACTICE, "image": fake, "image_alt": "Bild"}
    )
    assert response.status_code == 200
    assert 'id="id_image_error"' in response.text
    assert 'value="Ehrenamtsmesse"' in response.text
    assert not PracticeExample.objects.exists()


def test_missing_title_and_bad_link_are_explained(client, contact_a, media_root):
    response = logged_in(client, contact_a).post(
        PRACTICE_CREATE, {"title": "", "text": "<i>Text</i>", "link": "javascript:alert(1)"}
    )
    assert response.status_code == 200
    assert 'id="id_title_error"' in response.text
    assert 'id="id_link_error"' in response.text
    assert "&lt;i&gt;Text&lt;/i&gt;" in response.text
    assert not PracticeExample.objects.exists()


def test_html_in_a_practice_example_is_shown_escaped(client, contact_a, media_root):
    logged_in(client, contact_a).post(
        PRACTICE_CREATE, {**PRACTICE, "title": "<img src=x onerror=alert(1)>"}
    )
    assert PracticeExample.objects.get().title == "<img src=x onerror=alert(1)>"
    text = client.get(PROFILE).text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_a_contact_edits_a_practice_example(client, contact_a, example_a, media_root):
    url = reverse("members:practice_edit", args=[example_a.pk])
    logged_in(client, contact_a)
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Engagementbörse"' in page.text
    response = client.post(url, {**PRACTICE, "title": "Engagementbörse 2025"})
    assert response.status_code == 302
    example_a.refresh_from_db()
    assert example_a.title == "Engagementbörse 2025"


def test_replacing_and_removing_the_image(
    client, contact_a, example_a, media_root, django_capture_on_commit_callbacks
):
    url = reverse("members:practice_edit", args=[example_a.pk])
    logged_in(client, contact_a)
    client.post(url, {**PRACTICE, "image": png(), "image_alt": "Erstes Bild"})
    example_a.refresh_from_db()
    first = media_root / example_a.image.name
    assert first.exists()
    assert 'name="remove_image"' in client.get(url).text

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**PRACTICE, "image": png((5, 5)), "image_alt": "Zweites Bild"})
    example_a.refresh_from_db()
    assert (media_root / example_a.image.name).exists()
    assert not first.exists()

    # Keeping the image without uploading it again keeps the description rule.
    response = client.post(url, {**PRACTICE, "image_alt": ""})
    assert response.status_code == 200
    assert 'id="id_image_alt_error"' in response.text

    second = media_root / example_a.image.name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {**PRACTICE, "remove_image": "on", "image_alt": ""})
    example_a.refresh_from_db()
    assert not example_a.image
    assert not second.exists()


def test_a_failed_edit_shows_the_stored_image_not_the_rejected_one(
    client, contact_a, example_a, media_root
):
    url = reverse("members:practice_edit", args=[example_a.pk])
    logged_in(client, contact_a)
    client.post(url, {**PRACTICE, "image": png(), "image_alt": "Gespeichertes Bild"})
    example_a.refresh_from_db()
    stored_url = f"/netzwerk/praxisbeispiele/{example_a.pk}/bild/"
    response = client.post(url, {**PRACTICE, "title": "", "image": png(), "image_alt": "Neu"})
    assert response.status_code == 200
    assert 'id="id_title_error"' in response.text
    assert f'src="{stored_url}" alt="Gespeichertes Bild"' in response.text
    assert len(list(media_root.rglob("*.png"))) == 1


def test_two_first_saves_of_the_profile_end_in_one_profile(contact_a, head_a):
    organisation = contact_a.affiliation.organisation
    directory_services.save_profile(Profile(organisation=organisation, introduction="A"), contact_a)
    directory_services.save_profile(Profile(organisation=organisation, introduction="B"), head_a)
    assert Profile.objects.get().introduction == "B"


def test_a_contact_deletes_a_practice_example_after_confirming(client, contact_a, example_a):
    url = reverse("members:practice_delete", args=[example_a.pk])
    logged_in(client, contact_a)
    page = client.get(url)
    assert page.status_code == 200
    assert f'action="{url}"' in page.text
    response = client.post(url)
    assert response.status_code == 302
    assert not PracticeExample.objects.exists()


def test_a_colleague_cannot_change_practice_examples(client, colleague_a, example_a):
    logged_in(client, colleague_a)
    assert client.get(PRACTICE_CREATE).status_code == 403
    assert client.post(PRACTICE_CREATE, PRACTICE).status_code == 403
    for name in ("members:practice_edit", "members:practice_delete"):
        url = reverse(name, args=[example_a.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, PRACTICE).status_code == 403
    assert PracticeExample.objects.get().title == "Engagementbörse"
    assert f'id="practice-{example_a.pk}"' in client.get(PROFILE).text


def test_another_municipality_gets_404_for_practice_examples(client, contact_b, example_a):
    logged_in(client, contact_b)
    for name in ("members:practice_edit", "members:practice_delete"):
        url = reverse(name, args=[example_a.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, PRACTICE).status_code == 404
    assert PracticeExample.objects.get().title == "Engagementbörse"
    assert f'id="practice-{example_a.pk}"' not in client.get(PROFILE).text


def test_services_refuse_colleagues_even_without_the_views(colleague_a, example_a):
    example_a.title = "Gehackt"
    with pytest.raises(PermissionDenied):
        directory_services.save_practice_example(
            example_a.profile.organisation, example_a, colleague_a
        )
    with pytest.raises(PermissionDenied):
        directory_services.delete_practice_example(example_a, colleague_a)
    with pytest.raises(PermissionDenied):
        directory_services.save_profile(example_a.profile, colleague_a)


def test_a_practice_example_cannot_be_moved_to_another_municipality(contact_b, example_a):
    with pytest.raises(PermissionDenied):
        directory_services.save_practice_example(OrganisationFactory(), example_a, contact_b)
    with pytest.raises(PermissionDenied):
        directory_services.save_practice_example(
            contact_b.affiliation.organisation, example_a, contact_b
        )
