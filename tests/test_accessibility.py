"""Leichte Sprache, sign language and the form "Barriere melden" (issue 18): the pages, the
checks of videos and captions, the byte ranges videos are served with, the form's defences and
the two mails it sends, read back with independent parsers."""

from __future__ import annotations

import email
import re
import time
from email import policy
from email.message import EmailMessage
from pathlib import Path

import mailparser
import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.datastructures import MultiValueDict
from django.utils.formats import date_format

from portal.accessibility.admin_forms import SignLanguageVideoForm
from portal.accessibility.forms import SIGNING_SALT, form_stamp, same_site_path
from portal.accessibility.models import ANSWER_WEEKS, BarrierReport, SignLanguageVideo
from portal.accessibility.topics import SLUGS
from portal.accessibility.views import REPORTS_PER_IP_AND_HOUR
from portal.models import OutboundEmail
from portal.outbox.tasks import build_message
from portal.uploads import validate_video, validate_webvtt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(range(256)) * 4
WEBM = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm"
    + b"\x00" * 64
)
CAPTIONS = b"WEBVTT\n\n00:00.000 --> 00:02.000\n<v Anna>Willkommen im <b>Netzwerk</b>.\n"
DESCRIPTION = "Die Karte lässt sich mit der Tastatur nicht bedienen. Geheimtext-4711."


def upload(content: bytes, name: str, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def h1_count(html: str) -> int:
    return len(re.findall(r"<h1[\s>]", html))


# --- Leichte Sprache ------------------------------------------------------------------------


@pytest.mark.parametrize("slug", ["", *SLUGS])
def test_every_leichte_sprache_page_is_german_with_one_heading(client, slug):
    url = f"/leichte-sprache/{slug + '/' if slug else ''}"
    response = client.get(url)
    assert response.status_code == 200
    assert h1_count(response.text) == 1
    assert '<article class="leichte-sprache" lang="de">' in response.text


def test_leichte_sprache_stays_german_when_the_visitor_chose_english(client):
    client.cookies["django_language"] = "en"
    text = client.get("/leichte-sprache/netzwerk/", HTTP_ACCEPT_LANGUAGE="en").text
    assert 'lang="de"' in text
    assert "Eine Kommune ist eine Stadt." in text


def test_an_unknown_leichte_sprache_topic_is_not_found(client):
    assert client.get("/leichte-sprache/unbekannt/").status_code == 404


def test_every_page_links_to_leichte_sprache_sign_language_and_the_barrier_form(client):
    text = client.get("/mitmachen/").text
    assert 'href="/leichte-sprache/"' in text
    assert 'href="/gebaerdensprache/"' in text
    assert 'href="/barriere-melden/?seite=/mitmachen/"' in text
    assert "Leichte\n          Sprache" in text or "Leichte Sprache" in text


def test_leichte_sprache_pages_use_no_usual_abbreviations():
    folder = Path(__file__).resolve().parent.parent / "templates/accessibility/leichte_sprache"
    for template in folder.glob("*.html"):
        words = re.sub(r"<[^>]+>|\{[%{#].*?[%}#]\}", " ", template.read_text())
        for abbreviation in ("z. B.", "z.B.", "bzw.", "usw.", "ggf.", "d. h.", "etc."):
            assert abbreviation not in words, (template.name, abbreviation)


# --- The statement ----------------------------------------------------------------------------


def test_the_statement_names_the_answer_period_the_last_check_and_the_feedback_form(client):
    text = client.get("/barrierefreiheit/").text
    assert f"spätestens innerhalb von {ANSWER_WEEKS} Wochen" in text
    assert "zuletzt am 5. Dezember 2026 geprüft" in text
    assert "axe-core" in text
    assert 'href="/barriere-melden/?seite=/barrierefreiheit/"' in text
    assert "Ombudsstelle für barrierefreie Informationstechnik" in text


def test_the_statement_shows_the_enforcement_contact_staff_entered(client, settings):
    settings.ACCESSIBILITY_ENFORCEMENT_CONTACT = "Ombudsstelle | Postfach 1 | 40000 Düsseldorf"
    text = client.get("/barrierefreiheit/").text
    assert "Ombudsstelle<br>" in text
    assert "40000 Düsseldorf" in text


# --- The form "Barriere melden" -------------------------------------------------------------


def post(client, now: float | None = None, **fields):
    data = {
        "page": "/mitmachen/",
        "description": DESCRIPTION,
        "reply_email": "melder@kommune.example",
        "homepage": "",
        "started": form_stamp((now or time.time()) - 10),
    }
    data.update(fields)
    return client.post("/barriere-melden/", data)


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("/mitmachen/", "/mitmachen/"),
        ("https://boese.example/", ""),
        ("//boese.example/", ""),
        ("/\\boese.example", ""),
        ("javascript:alert(1)", ""),
    ],
)
def test_the_form_prefills_only_a_page_of_this_site(client, given, shown):
    response = client.get("/barriere-melden/", {"seite": given})
    field = re.search(r'<input[^>]*name="page"[^>]*>', response.text)
    assert field
    value = re.search(r'value="([^"]*)"', field.group(0))
    assert (value.group(1) if value else "") == shown


def test_same_site_path_refuses_control_characters():
    assert same_site_path("/a\nb") == ""
    assert same_site_path("/seite/?x=1") == "/seite/"


def test_the_page_of_a_report_never_keeps_the_secret_of_a_personal_link():
    assert same_site_path("/anmeldung/gast/geheim123/workshops/") == "/anmeldung/gast/…/workshops/"
    assert same_site_path("/einladung/abc.def:ghi/") == "/einladung/…/"
    assert same_site_path("/kommune/personen/?email=neu%40kommune.example") == "/kommune/personen/"


def test_a_report_is_stored_and_mailed_to_the_team_and_confirmed_to_the_reporter(client):
    response = post(client)
    assert response.status_code == 302
    report = BarrierReport.objects.get()
    assert report.description == DESCRIPTION
    assert report.page == "/mitmachen/"
    assert report.status == BarrierReport.Status.NEW
    page = client.get(response["Location"]).text
    assert report.reference in page
    kinds = sorted(OutboundEmail.objects.values_list("kind", flat=True))
    assert kinds == ["portal/barrier_report_received", "portal/barrier_report_team"]


def parsed(stored: OutboundEmail) -> tuple[EmailMessage, str]:
    raw = build_message(stored).message().as_bytes()
    message = email.message_from_bytes(raw, policy=policy.default.clone(raise_on_defect=True))
    assert isinstance(message, EmailMessage)
    body = "\n".join(
        part.get_content()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    )
    return message, body


def test_the_team_mail_holds_the_report_and_the_confirmation_holds_none_of_the_typed_text(client):
    post(client)
    report = BarrierReport.objects.get()
    team, team_body = parsed(OutboundEmail.objects.get(kind="portal/barrier_report_team"))
    confirmation = OutboundEmail.objects.get(kind="portal/barrier_report_received")
    mail, mail_body = parsed(confirmation)
    assert "Geheimtext-4711" in team_body
    assert "/mitmachen/" in team_body
    assert report.reference in str(team["Subject"])
    assert str(mail["To"]) == "melder@kommune.example"
    assert report.reference in mail_body
    for typed in ("Geheimtext", "Tastatur", "/mitmachen/"):
        assert typed not in mail_body
        assert typed not in str(mail["Subject"])
    # mailparser, a second reader, agrees.
    second = mailparser.parse_from_bytes(build_message(confirmation).message().as_bytes())
    assert report.reference in second.body
    assert "Geheimtext" not in second.body


def test_an_anonymous_report_sends_only_the_team_mail(client):
    post(client, reply_email="")
    assert BarrierReport.objects.get().reply_email == ""
    assert list(OutboundEmail.objects.values_list("kind", flat=True)) == [
        "portal/barrier_report_team"
    ]


def test_a_missing_description_is_named_next_to_the_field_and_nothing_typed_is_lost(client):
    response = post(client, description="", reply_email="kein-at-zeichen")
    assert response.status_code == 200
    assert "Bitte beschreiben Sie die Barriere." in response.text
    assert 'value="kein-at-zeichen"' in response.text
    assert 'value="/mitmachen/"' in response.text
    assert 'id="id_description_error"' in response.text
    assert not BarrierReport.objects.exists()


def test_a_page_of_another_site_is_refused_with_a_message(client):
    response = post(client, page="https://boese.example/")
    assert "Bitte geben Sie die Adresse einer Seite dieses Portals ein" in response.text
    assert not BarrierReport.objects.exists()


def test_a_filled_honeypot_stores_and_sends_nothing(client):
    response = post(client, homepage="https://spam.example")
    assert response.status_code == 302
    assert not BarrierReport.objects.exists()
    assert not OutboundEmail.objects.exists()


def test_a_form_sent_too_fast_is_refused_and_keeps_the_text(client):
    response = post(client, started=form_stamp(time.time()))
    assert "sehr schnell" in response.text
    assert DESCRIPTION in response.text
    assert not BarrierReport.objects.exists()


@pytest.mark.parametrize(
    "started",
    [
        "",
        "forged",
        signing.dumps({"t": time.time() - 10}, salt="another-salt"),
        signing.dumps({"t": "x"}, salt=SIGNING_SALT),
    ],
    # Fixed ids: a stamp made at collection time differs between the test workers.
    ids=["missing", "forged", "other-salt", "not-a-time"],
)
def test_a_missing_or_forged_time_stamp_is_refused(client, started):
    response = post(client, started=started)
    assert response.status_code == 200
    assert "zu lange geöffnet" in response.text
    assert not BarrierReport.objects.exists()


def test_reports_are_limited_per_address_and_hour(client):
    for _ in range(REPORTS_PER_IP_AND_HOUR):
        assert post(client).status_code == 302
    response = post(client)
    assert response.status_code == 429
    assert "zu viele Meldungen" in response.text
    assert DESCRIPTION in response.text
    assert BarrierReport.objects.count() == REPORTS_PER_IP_AND_HOUR


def test_staff_see_reports_with_status_and_answer_deadline(staff_client):
    post(Client())
    report = BarrierReport.objects.get()
    text = staff_client.get("/admin/portal/barrierreport/").text
    assert report.reference in text
    assert "answer due by" in text.lower()
    assert date_format(report.answer_due) in text
    change = staff_client.get(f"/admin/portal/barrierreport/{report.pk}/change/")
    assert change.status_code == 200
    assert 'name="status"' in change.text


# --- Videos and captions --------------------------------------------------------------------


def test_mp4_and_webm_are_recognised_by_their_content():
    assert validate_video(upload(MP4, "erklaerung.webm")) == "video/mp4"
    assert validate_video(upload(WEBM, "erklaerung.mp4")) == "video/webm"


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7 this is a document",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",  # an iPhone photo
        b"\x1a\x45\xdf\xa3\x9f\x42\x82\x88matroska",  # Matroska, not WebM
        b"",
    ],
)
def test_a_renamed_file_is_not_a_video(content):
    with pytest.raises(ValidationError) as caught:
        validate_video(upload(content, "video.mp4", "video/mp4"))
    assert caught.value.code == "not_video"


def test_a_too_large_video_is_refused_before_reading_it():
    with pytest.raises(ValidationError) as caught:
        validate_video(upload(MP4, "video.mp4"), max_bytes=100)
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\n<script>alert(1)</script>\n", "caption_markup"),
        (b'WEBVTT\n\n00:00.000 --> 00:01.000\n<img src=x onerror="a()">\n', "caption_markup"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\n<a href=x>Link</a>\n", "caption_markup"),
        (b"1\n00:00:00,000 --> 00:00:01,000\nSRT\n", "not_webvtt"),
        (b"WEBVTTX\n", "not_webvtt"),
        ("WEBVTT\n\nÄrger\n".encode("latin-1"), "not_utf8"),
    ],
)
def test_bad_caption_files_are_refused(content, code):
    with pytest.raises(ValidationError) as caught:
        validate_webvtt(upload(content, "captions.vtt"))
    assert caught.value.code == code


def test_captions_with_webvtt_tags_timestamps_and_a_bom_are_accepted():
    validate_webvtt(upload("\ufeff".encode() + CAPTIONS + b"<00:01.500><i>kursiv</i>\n", "c.vtt"))


def test_the_admin_form_refuses_a_renamed_file_and_html_captions():
    form = SignLanguageVideoForm(
        data={"topic": "netzwerk", "text_version": "Text"},
        files=MultiValueDict(
            {
                "video": [upload(b"<html>kein Video</html>", "film.mp4", "video/mp4")],
                "captions": [upload(b"WEBVTT\n\n00:00.000 --> 00:01.000\n<p>x</p>\n", "c.vtt")],
            }
        ),
    )
    assert not form.is_valid()
    assert "MP4 oder WebM" in str(form.errors["video"])
    assert "<p>" in form.errors["captions"][0]


def make_video(topic: str = "netzwerk", content: bytes = MP4) -> SignLanguageVideo:
    form = SignLanguageVideoForm(
        data={"topic": topic, "text_version": "Das Netzwerk ist eine Gruppe von Kommunen."},
        files=MultiValueDict(
            {"video": [upload(content, "film.mp4")], "captions": [upload(CAPTIONS, "c.vtt")]}
        ),
    )
    assert form.is_valid(), form.errors
    return form.save()


def test_the_sign_language_page_says_plainly_when_there_is_no_video(client):
    text = client.get("/gebaerdensprache/").text
    assert h1_count(text) == 1
    assert text.count("Zu diesem Thema gibt es noch kein Video.") == len(SLUGS)
    assert "<video" not in text


def test_an_uploaded_video_is_shown_with_controls_captions_and_its_text_without_autoplay(client):
    video = make_video()
    assert video.video_type == "video/mp4"
    text = client.get("/gebaerdensprache/").text
    tag = re.search(r"<video[^>]*>", text)
    assert tag
    assert "controls" in tag.group(0)
    assert 'preload="metadata"' in tag.group(0)
    assert "autoplay" not in text
    assert f'<track kind="captions" src="/gebaerdensprache/untertitel/{video.pk}.vtt"' in text
    assert "Das Netzwerk ist eine Gruppe von Kommunen." in text
    assert text.count("Zu diesem Thema gibt es noch kein Video.") == len(SLUGS) - 1


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_video_is_served_whole_with_accept_ranges(client):
    video = make_video()
    response = client.get(f"/gebaerdensprache/video/{video.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert response["Accept-Ranges"] == "bytes"
    assert content_of(response) == MP4


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(MP4) - 1),
        ("bytes=-10", len(MP4) - 10, len(MP4) - 1),
        ("bytes=50-999999", 50, len(MP4) - 1),
    ],
)
def test_a_single_byte_range_is_answered_with_206(client, header, first, last):
    video = make_video()
    response = client.get(f"/gebaerdensprache/video/{video.pk}/", HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(MP4)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert content_of(response) == MP4[first : last + 1]


@pytest.mark.parametrize("header", [f"bytes={len(MP4)}-", "bytes=-0", "bytes=20-10"])
def test_a_range_beyond_the_file_is_answered_with_416(client, header):
    video = make_video()
    response = client.get(f"/gebaerdensprache/video/{video.pk}/", HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(MP4)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=-"])
def test_ranges_it_does_not_serve_get_the_whole_file(client, header):
    video = make_video()
    response = client.get(f"/gebaerdensprache/video/{video.pk}/", HTTP_RANGE=header)
    assert response.status_code == 200
    assert content_of(response) == MP4


def test_captions_are_served_as_webvtt(client):
    video = make_video()
    response = client.get(f"/gebaerdensprache/untertitel/{video.pk}.vtt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    assert content_of(response) == CAPTIONS


def test_a_missing_video_is_not_found(client):
    assert client.get("/gebaerdensprache/video/999/").status_code == 404
    video = make_video()
    video.video.storage.delete(video.video.name)
    assert client.get(f"/gebaerdensprache/video/{video.pk}/").status_code == 404


def test_staff_upload_a_video_in_admin(staff_client):
    response = staff_client.post(
        "/admin/portal/signlanguagevideo/add/",
        {
            "topic": "kontakt",
            "text_version": "So erreichen Sie das Team.",
            "video": upload(WEBM, "film.webm"),
            "captions": upload(CAPTIONS, "c.vtt"),
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert SignLanguageVideo.objects.get().video_type == "video/webm"


def test_admin_links_the_stored_files_to_the_views_that_serve_them(staff_client):
    video = make_video()
    text = staff_client.get(f"/admin/portal/signlanguagevideo/{video.pk}/change/").text
    assert f'href="/gebaerdensprache/video/{video.pk}/"' in text
    assert f'href="/gebaerdensprache/untertitel/{video.pk}.vtt"' in text
    assert "/media/" not in text
