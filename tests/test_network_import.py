"""The network import (issue 16): reading the team's files, the preview, the confirmed import
in one transaction, re-import and round trip, bad input, and the history it records."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from declarations.models import DeclarationVersion, PartnerSignatory, Signature
from declarations.network_import import SignaturesResource
from declarations.services import DeclarationError, create_historical_version
from declarations.tasks import render_signature_pdf
from members.models import Authority, ImportedPerson, ImportLog, Membership, Organisation
from members.network_import.demo import SAMPLE
from members.network_import.members_sheet import MembersResource
from members.network_import.services import export_book, run_import
from portal.outbox.models import OutboundEmail
from tests.factories import MembershipFactory, OrganisationFactory, SignatureFactory

pytestmark = pytest.mark.django_db

MEMBER_HEADERS = ["AGS", "Kommune", "Mitglied seit", "Ausgetreten am", "Austrittsgrund"]
MEMBER_HEADERS += ["Ansprechperson", "Ansprechperson E-Mail", "Telefon"]
MEMBER_HEADERS += ["Verwaltungsspitze", "Amt", "Verwaltungsspitze E-Mail"]
SIGNATURE_HEADERS = ["AGS", "Kommune", "Fassung", "unterzeichnet am", "Unterzeichnet von"]
SIGNATURE_HEADERS += ["Amt", "Ort"]
PARTNER_HEADERS = ["Partner", "Fassung", "unterzeichnet am"]


def workbook(members=(), signatures=(), partners=(), *, member_headers=MEMBER_HEADERS, skip=()):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, headers, rows in (
        ("Mitglieder", member_headers, members),
        ("Unterzeichnungen", SIGNATURE_HEADERS, signatures),
        ("Partner", PARTNER_HEADERS, partners),
    ):
        if title in skip:
            continue
        sheet = book.create_sheet(title)
        sheet.append(headers)
        for row in rows:
            sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def member(ags="", name="", since="06.12.2017", until="", reason="", *people):
    return [ags, name, since, until, reason, *(people or [""] * 6)]


def errors_of(report):
    return [error for sheet in report.sheets for row in sheet.rows for error in row.errors]


def statuses(report, sheet="Mitglieder"):
    rows = next(s for s in report.sheets if s.name == sheet).rows
    return [row.status for row in rows]


def counts():
    return (
        Organisation.objects.count(),
        Membership.objects.count(),
        ImportedPerson.objects.count(),
        Signature.objects.count(),
        PartnerSignatory.objects.count(),
        DeclarationVersion.objects.count(),
    )


# --- The sample and the way out again ---------------------------------------------------------


def test_the_sample_file_brings_in_eleven_members_with_people_signatures_and_two_versions(
    staff_user,
):
    mails = OutboundEmail.objects.count()
    report = run_import(
        SAMPLE.read_bytes(), SAMPLE.name, staff_user, confirm=True, create_versions=True
    )

    assert report.ok, errors_of(report)
    assert Organisation.objects.members().count() == 11
    assert Membership.objects.get(organisation__authority__name="Oberbergischer Kreis").since == (
        datetime.date(2017, 12, 6)
    )
    assert Organisation.objects.members().filter(authority__kind="Regierungsbezirk").count() == 1
    assert ImportedPerson.objects.count() == 22
    assert ImportedPerson.objects.filter(email__endswith=".example").count() == 22
    v2012, v2017 = (
        DeclarationVersion.objects.get(label="2012"),
        DeclarationVersion.objects.get(label="2017"),
    )
    assert v2012.is_historical
    assert v2017.is_historical
    assert not v2012.is_current
    assert not v2017.is_current
    assert v2012.published_on == datetime.date(2012, 12, 1)
    assert DeclarationVersion.objects.get(is_current=True).label == "2026"
    assert v2012.partners.count() == 4
    assert v2017.partners.count() == 4
    assert set(v2017.signatures.values_list("on_paper", flat=True)) == {True}
    assert v2017.signatures.count() == 11
    assert OutboundEmail.objects.count() == mails  # nobody hears of the import
    log = ImportLog.objects.get()
    assert log.imported_by == staff_user
    assert log.sha256 == report.sha256
    assert len(log.sha256) == 64
    assert log.counts["Mitglieder"]["new"] == 11


def test_the_same_file_twice_changes_nothing_the_second_time(staff_user):
    content = SAMPLE.read_bytes()
    run_import(content, "a.xlsx", staff_user, confirm=True, create_versions=True)
    before = counts()

    again = run_import(content, "a.xlsx", staff_user, confirm=True)

    assert again.ok
    assert {status for sheet in again.sheets for status in statuses(again, sheet.name)} == {
        "unchanged"
    }
    assert counts() == before


def test_an_export_imports_again_as_unchanged_in_every_row(staff_user):
    run_import(SAMPLE.read_bytes(), "a.xlsx", staff_user, confirm=True, create_versions=True)
    SignatureFactory()  # a signature made in the portal is exported too
    MembershipFactory(
        since=datetime.date(2015, 3, 1),
        until=datetime.date(2020, 1, 31),
        exit_reason="Ratsbeschluss",
    )

    exported = export_book()
    report = run_import(exported, "export.xlsx", staff_user)

    assert report.ok, errors_of(report)
    rows = [row for sheet in report.sheets for row in sheet.rows]
    assert len(rows) > 20
    assert {row.status for row in rows} == {"unchanged"}


def test_a_changed_row_updates_in_place_and_a_member_missing_from_the_file_stays(staff_user):
    staying = MembershipFactory().organisation
    run_import(
        workbook([member("05314000", "Bonn", "01.01.2015")]), "a.xlsx", staff_user, confirm=True
    )

    report = run_import(
        workbook([member("05314000", "Bonn", "01.02.2015")]), "a.xlsx", staff_user, confirm=True
    )

    assert statuses(report) == ["changed"]
    assert report.sheets[0].rows[0].changes == ["Mitglied seit: 01.01.2015 → 01.02.2015"]
    assert Membership.objects.get(organisation__authority__ags="05314000").since == (
        datetime.date(2015, 2, 1)
    )
    assert str(staying) in report.not_in_file
    assert staying.current_membership is not None


# --- Nothing before the confirmation, all or nothing after it ---------------------------------


def test_the_preview_writes_nothing(staff_user):
    before = counts()

    report = run_import(SAMPLE.read_bytes(), "a.xlsx", staff_user, create_versions=True)

    assert report.ok
    assert statuses(report) == ["new"] * 11
    assert counts() == before
    assert not ImportLog.objects.exists()


def test_a_failing_last_row_leaves_nothing_of_the_rows_before(staff_user, monkeypatch):
    before = counts()
    original = SignaturesResource.write

    def write(self, row):
        if row.key[0] == "05900000":  # the last row of the sheet
            raise RuntimeError("disk full")
        original(self, row)

    monkeypatch.setattr(SignaturesResource, "write", write)

    report = run_import(
        SAMPLE.read_bytes(), "a.xlsx", staff_user, confirm=True, create_versions=True
    )

    assert not report.ok
    assert statuses(report, "Unterzeichnungen")[-1] == "error"
    assert counts() == before
    assert not ImportLog.objects.exists()


# --- What it reads ------------------------------------------------------------------------


CSV_TEXT = "AGS;Kommune;Mitglied seit;Ansprechperson;Ansprechperson E-Mail\n"
CSV_TEXT += ";Lünen;06.12.2017;Jörg Beispiel;engagement@luenen.example\n"
CSV_TEXT += "05314000;Bonn;2017-12-06;;\n"


@pytest.mark.parametrize(
    ("encoding", "separator"),
    [("cp1252", ";"), ("utf-8-sig", ","), ("utf-8", ";"), ("utf-8", ",")],
)
def test_a_csv_from_german_excel_is_read_in_each_encoding_and_separator(
    staff_user, encoding, separator
):
    content = CSV_TEXT.replace(";", separator).encode(encoding)

    report = run_import(content, "mitglieder.csv", staff_user, confirm=True)

    assert report.ok, errors_of(report)
    assert [sheet.name for sheet in report.sheets] == ["Mitglieder"]
    assert statuses(report) == ["new", "new"]
    person = ImportedPerson.objects.get()
    assert person.full_name == "Jörg Beispiel"
    assert person.organisation.authority.name == "Lünen"
    assert Membership.objects.get(organisation__authority__ags="05314000").since == (
        datetime.date(2017, 12, 6)
    )


def test_columns_are_found_whatever_their_case_and_surrounding_spaces(staff_user):
    content = b"  kommune ;MITGLIED SEIT  \nEssen;06.12.2017\n"

    report = run_import(content, "m.csv", staff_user)

    assert report.ok, errors_of(report)
    assert statuses(report) == ["new"]


def test_date_cells_german_and_iso_dates_in_a_workbook_are_all_dates(staff_user):
    content = workbook(
        [
            member("05314000", "Bonn", datetime.datetime(2017, 12, 6)),
            member("05113000", "Essen", "06.12.2017"),
            member("05914000", "Hagen", "2017-12-06"),
        ]
    )

    report = run_import(content, "a.xlsx", staff_user, confirm=True)

    assert report.ok, errors_of(report)
    assert set(Membership.objects.values_list("since", flat=True)) == {datetime.date(2017, 12, 6)}


@pytest.mark.parametrize(
    ("name", "ags"),
    [
        ("Stadt Bonn", "05314000"),
        ("bonn", "05314000"),
        ("Kreis Olpe", "05966000"),
        ("Olpe, Stadt", "05966024"),
        ("Bezirksregierung Arnsberg", "05900000"),
        ("Oberbergischer Kreis", "05374000"),
    ],
)
def test_a_municipality_is_found_by_its_name_also_without_or_with_its_kind(staff_user, name, ags):
    run_import(workbook([member("", name)]), "a.xlsx", staff_user, confirm=True)

    assert Organisation.objects.members().get().authority.ags == ags


def test_a_formula_is_read_as_its_text_and_never_calculated(staff_user):
    report = run_import(workbook([member("", '=CONCAT("Bo","nn")')]), "a.xlsx", staff_user)

    assert statuses(report) == ["error"]
    assert "=CONCAT(" in errors_of(report)[0]


# --- Bad input: one German message per row, nothing written -----------------------------------


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (member("", "Esen"), "Es gibt keine Kommune „Esen“ im Verzeichnis. Meinten Sie: Essen"),
        (member("", "Olpe"), "„Olpe“ ist nicht eindeutig"),
        (member("05999999", ""), "Die AGS 05999999 gibt es im Verzeichnis nicht."),
        (member("5314", ""), "keine achtstellige NRW-Kennziffer"),
        (member("05314000", "Essen"), "Die AGS 05314000 gehört zu Bonn, nicht zu „Essen“."),
        (member("05314000", "Bonn", "06.12.2017", "01.01.2016"), "vor dem Eintritt"),
        (member("05314000", "Bonn", "06.12.2099"), "liegt in der Zukunft"),
        (member("05314000", "Bonn", "31.02.2017"), "ist kein Datum"),
        (member("05314000", "Bonn", ""), "„Mitglied seit“ fehlt."),
        (
            member("05314000", "Bonn", "06.12.2017", "", "", "A", "kein-at.example", ""),
            "„kein-at.example“ in „Ansprechperson E-Mail“ ist keine gültige E-Mail-Adresse.",
        ),
    ],
)
def test_a_bad_row_gets_its_german_reason_and_nothing_is_written(staff_user, row, message):
    before = counts()

    report = run_import(workbook([row]), "a.xlsx", staff_user, confirm=True)

    assert not report.ok
    assert statuses(report) == ["error"]
    assert any(message in error for error in errors_of(report)), errors_of(report)
    assert counts() == before


def test_the_three_closest_register_names_are_suggested_for_an_unknown_municipality(staff_user):
    report = run_import(workbook([member("", "Witen")]), "a.xlsx", staff_user)

    suggestions = errors_of(report)[0].split("Meinten Sie: ")[1].rstrip("?").split(", ")
    assert len(suggestions) == 3
    assert "Witten" in suggestions


def test_the_same_municipality_twice_is_an_error_in_its_second_line(staff_user):
    report = run_import(
        workbook([member("05314000", "Bonn"), member("", "Stadt Bonn")]), "a.xlsx", staff_user
    )

    assert statuses(report) == ["new", "error"]
    assert "Bonn kommt bereits in Zeile 2 vor." in errors_of(report)


def test_an_unknown_version_is_offered_as_historical_and_created_only_when_asked(staff_user):
    content = workbook([member("05314000")], [["05314000", "", "2014", "01.03.2014", "", "", ""]])

    preview = run_import(content, "a.xlsx", staff_user, confirm=True)

    assert preview.unknown_versions == ["2014"]
    assert "als historische Fassung angelegt werden" in errors_of(preview)[0]
    assert not DeclarationVersion.objects.filter(label="2014").exists()

    mails = OutboundEmail.objects.count()
    report = run_import(content, "a.xlsx", staff_user, confirm=True, create_versions=True)

    assert report.ok
    version = DeclarationVersion.objects.get(label="2014")
    assert version.is_historical
    assert not version.is_current
    assert version.published_on == datetime.date(2014, 3, 1)
    assert OutboundEmail.objects.count() == mails


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Die Datei ist leer."),
        (b"%PDF-1.7\n", "weder eine Excel-Arbeitsmappe (XLSX) noch eine CSV-Datei"),
        (b"PK\x03\x04broken", "weder eine Excel-Arbeitsmappe (XLSX) noch eine CSV-Datei"),
        (b"x" * (5 * 1024 * 1024 + 1), "Die Datei ist zu groß"),
        (b"Gemeinde;Datum\nBonn;1.1.2017\n", "passen zu keinem Tabellenblatt"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_its_reason(staff_user, content, message):
    report = run_import(content, "x.csv", staff_user)

    assert not report.ok
    assert message in report.file_error


def test_a_missing_sheet_is_named(staff_user):
    report = run_import(workbook([member("05314000")], skip=("Partner",)), "a.xlsx", staff_user)

    assert report.file_error == "Das Tabellenblatt „Partner“ fehlt in der Arbeitsmappe."


def test_a_missing_column_is_named(staff_user):
    headers = ["AGS", "Kommune", "Ansprechperson"]
    report = run_import(
        workbook([["05314000", "Bonn", "A"]], member_headers=headers), "a.xlsx", staff_user
    )

    assert not report.ok
    assert report.sheets[0].error == (
        "Die Spalte „Mitglied seit“ fehlt im Tabellenblatt „Mitglieder“."
    )


# --- History: paper signatures and historical versions --------------------------------------


def test_a_paper_signature_gets_no_pdf_from_the_portal(staff_user):
    run_import(SAMPLE.read_bytes(), "a.xlsx", staff_user, confirm=True, create_versions=True)
    signature = Signature.objects.filter(on_paper=True).first()

    assert render_signature_pdf.apply(args=(signature.pk,)).get() == "on paper"
    signature.refresh_from_db()
    assert not signature.pdf


def test_the_public_signatories_page_lists_paper_signatures_with_date_and_version(
    client, staff_user
):
    run_import(SAMPLE.read_bytes(), "a.xlsx", staff_user, confirm=True, create_versions=True)

    html = client.get("/erklaerung/unterzeichner/").content.decode()

    section = html.split('data-version="2017"')[1].split("</section>")[0]
    assert 'data-ags="05374000"' in section
    assert "06.12.2017" in section
    assert section.count("data-on-paper") == 11
    assert "auf Papier unterzeichnet" in section
    assert 'data-version="2012"' in html


def test_a_historical_version_must_lie_in_the_past_and_is_never_current(db):
    with pytest.raises(DeclarationError):
        create_historical_version("2030", datetime.date.today())
    version = create_historical_version("2013", datetime.date(2013, 5, 1))
    assert version.is_historical
    assert not version.is_current
    assert version.published_on == datetime.date(2013, 5, 1)


def test_a_signature_made_in_the_portal_is_not_changed_by_an_import(staff_user):
    bonn = OrganisationFactory(authority=Authority.objects.get(ags="05314000"))
    signature = SignatureFactory(organisation=bonn)
    label = signature.version.label
    row = ["05314000", "", label, "01.01.2020", "Jemand", "", ""]

    report = run_import(workbook(signatures=[row]), "a.xlsx", staff_user, confirm=True)

    assert "im Portal unterzeichnet" in errors_of(report)[0]


# --- The command and the template ---------------------------------------------------------------


def test_the_command_prints_the_counts_and_writes_nothing_in_a_dry_run(tmp_path, capsys):
    path = tmp_path / "netzwerk.xlsx"
    path.write_bytes(SAMPLE.read_bytes())

    call_command("import_network", str(path), "--dry-run", "--create-versions")

    out = capsys.readouterr().out
    assert "Mitglieder: 11 neu, 0 geändert, 0 unverändert, 0 mit Fehlern" in out
    assert not Membership.objects.exists()
    call_command("import_network", str(path), "--create-versions")
    assert Membership.objects.count() == 11


def test_the_command_stops_on_errors_and_names_them(tmp_path, capsys):
    path = tmp_path / "netzwerk.xlsx"
    path.write_bytes(workbook([member("", "Esen")]))

    with pytest.raises(CommandError):
        call_command("import_network", str(path))

    assert "Mitglieder, Zeile 2" in capsys.readouterr().err


def test_the_template_has_the_three_sheets_with_their_columns_and_one_example_row_each():
    book = openpyxl.load_workbook(io.BytesIO(export_book(example=True)))

    assert book.sheetnames == ["Mitglieder", "Unterzeichnungen", "Partner"]
    assert [c.value for c in book["Mitglieder"][1]] == MembersResource.headers()
    assert [c.value for c in book["Unterzeichnungen"][1]] == SIGNATURE_HEADERS
    assert [c.value for c in book["Partner"][1]] == PARTNER_HEADERS
    assert all(book[name].max_row == 2 for name in book.sheetnames)
    assert isinstance(book["Mitglieder"]["C2"].value, datetime.datetime)
