"""Online surveys in Django admin: the results with charts and tables, the chart on its own,
and the CSV and XLSX exports."""

from __future__ import annotations

import csv
import datetime
import io
import re
import xml.etree.ElementTree as ET

import pytest
from openpyxl import load_workbook

from members.models import SurveyQuestion
from members.surveys import charts as survey_charts
from tests.factories import SurveyFactory
from tests.support import survey_admin
from tests.support.survey_admin import (
    SURVEYS,
    ChoiceQuestionFactory,
    Kind,
    member_with_contact,
    respond,
    tables_of,
    url,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_staff_mfa")]


# Fixtures of tests/support/survey_admin.py that these tests ask for by name.
answered = survey_admin.answered
editor_client = survey_admin.editor_client
results = survey_admin.results


SVG = "{http://www.w3.org/2000/svg}"


def parse_svg(markup):
    return ET.fromstring(str(markup))  # noqa: S314 - the portal's own markup


def svgs_of(response):
    return [
        parse_svg(markup)
        for markup in re.findall(
            r'<svg[^>]*class="survey-chart".*?</svg>', response.content.decode(), re.S
        )
    ]


# --- Results ----------------------------------------------------------------------------------


def test_the_results_show_n_expected_and_the_rate(editor_client, results):
    page = editor_client.get(url(results["survey"], "results/")).content.decode()
    assert re.search(r'data-figure="submitted">2<', page)
    assert re.search(r'data-figure="expected">4<', page)
    assert re.search(r'data-figure="rate">50%<', page)


def test_each_chart_has_a_title_and_one_bar_per_option(editor_client, results):
    response = editor_client.get(url(results["survey"], "results/"))
    charts = svgs_of(response)
    assert len(charts) == 3  # no chart for free text

    first = charts[0]
    assert first.get("role") == "img"
    title = first.find(f"{SVG}title")
    assert title.text == "1. Ehrenamtskarte?"
    assert first.get("aria-labelledby") == f"{title.get('id')} {first.find(f'{SVG}desc').get('id')}"
    bars = first.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 3  # Ja, Nein, Weiß nicht
    labels = ["".join(t.itertext()) for t in first.findall(f".//{SVG}text[@class='label']")]
    values = [t.text for t in first.findall(f".//{SVG}text[@class='value']")]
    assert labels == ["Ja", "Nein", "Weiß nicht"]
    assert values == ["1 (50%)", "1 (50%)", "0 (0%)"]
    assert float(bars[0].get("width")) == float(bars[1].get("width")) > 0
    assert float(bars[2].get("width")) == 0

    # Multiple choice: percentages of those who answered, so one option has all of them.
    multiple_values = [t.text for t in charts[1].findall(f".//{SVG}text[@class='value']")]
    assert multiple_values == ["2 (100%)", "0 (0%)", "1 (50%)"]

    scale_labels = [
        "".join(t.itertext()) for t in charts[2].findall(f".//{SVG}text[@class='label']")
    ]
    assert scale_labels == ["1 – gar nicht", "2", "3", "4", "5 – sehr"]
    assert len(charts[2].findall(f".//{SVG}rect[@class='bar']")) == 5


def test_each_chart_has_a_table_with_the_same_numbers(editor_client, results):
    single, _, scale, _ = results["questions"]
    parser = tables_of(editor_client.get(url(results["survey"], "results/")))
    table = parser.tables[f"question-{single.pk}-table"]
    assert table["caption"] == "Answers to question 1"
    assert table["rows"] == [
        ["Answer", "Number", "Percent"],
        ["Ja", "1", "50%"],
        ["Nein", "1", "50%"],
        ["Weiß nicht", "0", "0%"],
        ["Answered", "2", ""],
    ]
    assert set(parser.scopes) == {"col", "row"}
    scale_rows = parser.tables[f"question-{scale.pk}-table"]["rows"]
    assert ["3", "1", "50%"] in scale_rows
    assert ["Mean", "4.0", ""] in scale_rows


def test_free_text_answers_are_listed_with_their_municipality(editor_client, results):
    *_, text = results["questions"]
    (first, _), (second, _), *_ = results["people"]
    page = editor_client.get(url(results["survey"], "results/")).content.decode()
    listed = re.search(rf'id="question-{text.pk}-texts">(.*?)</ul>', page, re.S).group(1)
    assert f"<strong>{first.authority.name}:</strong> Mehr Treffen vor Ort" in listed
    assert f"<strong>{second.authority.name}:</strong> =HYPERLINK(1)" in listed
    assert listed.count("<li>") == 2  # not the draft


def test_the_results_page_links_the_exports_and_the_non_responders(editor_client, results):
    survey = results["survey"]
    page = editor_client.get(url(survey, "results/")).content.decode()
    for tool in ("results.csv", "results.xlsx", "non-responders/", "change/"):
        assert f'href="{url(survey, tool)}"' in page
    assert page.count("<h1") == 1


def test_answers_that_are_no_option_any_more_still_count(editor_client, results):
    single, *_ = results["questions"]
    SurveyQuestion.objects.filter(pk=single.pk).update(options="Ja\nWeiß nicht")
    charts = svgs_of(editor_client.get(url(results["survey"], "results/")))
    labels = ["".join(t.itertext()) for t in charts[0].findall(f".//{SVG}text[@class='label']")]
    assert labels == ["Ja", "Weiß nicht", "Nein"]


@pytest.mark.parametrize("count", [5, 50])
def test_the_results_page_needs_the_same_queries_for_few_and_many(
    editor_client, django_assert_max_num_queries, count
):
    survey = SurveyFactory()
    questions = [
        ChoiceQuestionFactory(survey=survey),
        ChoiceQuestionFactory(survey=survey, kind=Kind.SCALE, options=""),
        ChoiceQuestionFactory(survey=survey, kind=Kind.TEXT, options=""),
    ]
    for _ in range(count):
        organisation, contact = member_with_contact()
        respond(survey, organisation, contact, dict(zip(questions, ["Ja", 4, "Gut"], strict=True)))
    with django_assert_max_num_queries(10):
        response = editor_client.get(url(survey, "results/"))
    assert response.status_code == 200
    assert f'data-figure="submitted">{count}<' in response.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_the_non_responders_page_needs_the_same_queries_for_few_and_many(
    editor_client, django_assert_max_num_queries, count
):
    survey = SurveyFactory()
    for _ in range(count):
        member_with_contact()
    with django_assert_max_num_queries(10):
        response = editor_client.get(url(survey, "non-responders/"))
    assert f'data-count="{count}"' in response.content.decode()


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_needs_the_same_queries_for_few_and_many_surveys(
    editor_client, django_assert_max_num_queries, count
):
    SurveyFactory.create_batch(count)
    member_with_contact()
    with django_assert_max_num_queries(11):
        response = editor_client.get(SURVEYS)
    assert response.content.decode().count("0 / 1</a>") == count


# --- The chart on its own ---------------------------------------------------------------------


def test_a_chart_escapes_its_texts_and_stays_well_formed():
    bars = [survey_charts.Bar('<b>"Ja" & mehr</b>', 2, 100.0)]
    svg = parse_svg(survey_charts.bar_chart("q<1>", "Frage <script>", bars))
    assert svg.find(f"{SVG}title").text == "Frage <script>"
    assert "".join(svg.find(f".//{SVG}text[@class='label']").itertext()) == '<b>"Ja" & mehr</b>'
    assert svg.find(f"{SVG}desc").text == '<b>"Ja" & mehr</b>: 2 (100 %)'


def test_long_labels_wrap_onto_at_most_three_lines():
    bars = [survey_charts.Bar("sehr lange Antwort " * 30, 1, 100.0)]
    svg = parse_svg(survey_charts.bar_chart("long", "Frage", bars))
    lines = svg.findall(f".//{SVG}tspan")
    assert len(lines) == 3
    assert lines[-1].text.endswith("…")


def test_a_chart_without_answers_says_so():
    svg = parse_svg(survey_charts.bar_chart("empty", "Frage", []))
    assert svg.find(f"{SVG}desc").text == "Keine Antworten."
    assert svg.findall(f".//{SVG}rect[@class='bar']") == []


def test_choices_count_each_response_once_and_skip_empty_answers():
    counts = survey_charts.count_choices(["A", "B"], [["A", "A", "B"], "B", "", None, [], ["C"]])
    assert counts.answered == 3
    assert [(bar.label, bar.count) for bar in counts.bars] == [("A", 1), ("B", 2), ("C", 1)]


def test_scales_count_values_within_the_range_and_give_the_mean():
    counts = survey_charts.count_scale(1, 3, [1, 3, 3, "2", 7, True, None])
    assert counts.answered == 4
    assert [bar.count for bar in counts.bars] == [1, 1, 2]
    assert counts.mean == pytest.approx(2.25)


# --- Exports ----------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_submitted_response_and_no_formulas(editor_client, results):
    survey = results["survey"]
    (first, first_contact), (second, _), *_ = results["people"]
    response = editor_client.get(url(survey, "results.csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content[1:]), delimiter=";"))
    assert rows[0] == [
        "AGS",
        "Municipality",
        "Person",
        "Submitted",
        "Ehrenamtskarte?",
        "Welche Formate nutzen Sie?",
        "Zufriedenheit",
        "Wünsche",
    ]
    assert len(rows) == 3  # the header and the two submitted responses
    by_ags = {row[0]: row for row in rows[1:]}
    row = by_ags[first.authority.ags]
    assert row[1:3] == [first.authority.name, first_contact.full_name]
    assert re.fullmatch(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", row[3])
    assert row[4:] == ["Ja", "Netzwerktreffen; Newsletter", "5", "Mehr Treffen vor Ort"]
    assert by_ags[second.authority.ags][7] == "'=HYPERLINK(1)"


def test_the_xlsx_has_the_same_rows(editor_client, results):
    survey = results["survey"]
    (first, _), (second, _), *_ = results["people"]
    response = editor_client.get(url(survey, "results.xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "AGS",
        "Municipality",
        "Person",
        "Submitted",
        "Ehrenamtskarte?",
        "Welche Formate nutzen Sie?",
        "Zufriedenheit",
        "Wünsche",
    )
    by_ags = {row[0]: row for row in rows[1:]}
    assert set(by_ags) == {first.authority.ags, second.authority.ags}
    row = by_ags[first.authority.ags]
    assert isinstance(row[3], datetime.datetime)
    assert row[4:] == ("Ja", "Netzwerktreffen; Newsletter", 5, "Mehr Treffen vor Ort")
    # Stored as a text cell, never as a formula; the apostrophe is only CSV's guard.
    formula_cell = sheet.cell(row=rows.index(by_ags[second.authority.ags]) + 1, column=8)
    assert formula_cell.value == "=HYPERLINK(1)"
    assert formula_cell.data_type == "s"
    assert formula_cell.quotePrefix
