"""The public self-check "Can my municipality join?": five questions, one per criterion.

The verdicts come from small pure functions (`verdict`, `assess`, `clean_answers`, here); the
form (forms.py) only cleans the answers and the view (views.py) only wires them together.

When all five criteria are met, the answers are kept in ``request.session["self_check"]`` as
``{criterion key: answer value}`` so that the application can start from them:

=================== ==================================================
key                 values
=================== ==================================================
contact_person      yes, no
cross_cutting_task  yes, in_preparation, no
declaration         yes, undecided, no
ehrenamtskarte      participating, planned, comparable (the values of
                    ``Application.EhrenamtskarteStatus``), none
participation       yes, no
=================== ==================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from members.applications.models import Application

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

YES = ("yes", pgettext_lazy("self-check answer", "Yes"))
NO = ("no", pgettext_lazy("self-check answer", "No"))
CARD = Application.EhrenamtskarteStatus


class Verdict(models.TextChoices):
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met yet")
    UNANSWERED = "unanswered", _("Not answered yet")


@dataclass(frozen=True)
class Criterion:
    """One of the five criteria, asked as one question."""

    key: str
    title: StrOrPromise  # the criterion's name, as on the page "Join the network"
    question: StrOrPromise
    hint: StrOrPromise
    choices: tuple[tuple[str, StrOrPromise], ...]
    next_steps: Mapping[str, StrOrPromise]  # what to do, for each answer that does not meet it
    asks_for: StrOrPromise  # what the application will ask for, once it is met
    met_by: frozenset[str] = frozenset({"yes"})  # the answers that meet the criterion


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        key="contact_person",
        title=_("A contact person for civic engagement"),
        question=_("Does your administration have a contact person for civic engagement?"),
        hint=_(
            "For example an engagement officer or the head of a volunteering office; "
            "it does not have to be a full-time position."
        ),
        choices=(YES, NO),
        next_steps={
            "no": _("Name a person in your administration as the contact for civic engagement.")
        },
        asks_for=_("the name, office and department of the contact person and how to reach them."),
    ),
    Criterion(
        key="cross_cutting_task",
        title=_("Engagement promotion as a cross-cutting task"),
        question=_(
            "Is promoting civic engagement anchored as a task for the whole administration?"
        ),
        hint=_(
            "For example through a central coordination office, a council decision, "
            "engagement guidelines or a working group across departments."
        ),
        choices=(YES, ("in_preparation", _("It is in preparation")), NO),
        next_steps={
            "in_preparation": _(
                "Complete the anchoring, for example with the council decision or the "
                "coordination office you are preparing."
            ),
            "no": _(
                "Anchor engagement promotion as a task for the whole administration, for "
                "example with a coordination office or a council decision."
            ),
        },
        asks_for=_(
            "a short description of how engagement promotion is anchored, with a "
            "reference to the decision or document where there is one."
        ),
    ),
    Criterion(
        key="declaration",
        title=_("Willingness to sign the Gemeinsame Erklärung"),
        question=_("Is the head of your administration willing to sign the Gemeinsame Erklärung?"),
        hint=_(
            "The mayor or district administrator signs the current version of the "
            "declaration once the application has been approved."
        ),
        choices=(YES, ("undecided", _("Not decided yet")), NO),
        next_steps={
            "undecided": _(
                "Have your council or administration decide to sign the Gemeinsame Erklärung."
            ),
            "no": _(
                "Signing the Gemeinsame Erklärung is a condition of membership: talk to the "
                "head of your administration about it."
            ),
        },
        asks_for=_(
            "a confirmation that the head of the administration is willing to sign, and "
            "the name and office of the person who will sign."
        ),
    ),
    Criterion(
        key="ehrenamtskarte",
        title=_("Recognition of volunteering: Ehrenamtskarte NRW or a comparable instrument"),
        question=_("How does your municipality recognise volunteering?"),
        hint=_(
            "A comparable instrument is an established way of your own to recognise "
            "volunteers, used instead of the Ehrenamtskarte NRW."
        ),
        choices=(
            *((value, label) for value, label in CARD.choices),
            ("none", _("None of these")),
        ),
        met_by=frozenset({CARD.PARTICIPATING, CARD.PLANNED, CARD.COMPARABLE}),
        next_steps={
            "none": _(
                "Plan the introduction of the Ehrenamtskarte NRW or name a comparable "
                "instrument to recognise volunteering."
            )
        },
        asks_for=_(
            "since when the municipality has taken part in the Ehrenamtskarte NRW, when "
            "it plans to introduce the card, or a description of the comparable "
            "instrument."
        ),
    ),
    Criterion(
        key="participation",
        title=_("Continuous participation in the network"),
        question=_(
            "Will your municipality take part in the network continuously and help develop "
            "it further?"
        ),
        hint=_(
            "For example by attending the network meetings, sharing practical examples and "
            "keeping the member profile up to date."
        ),
        choices=(YES, NO),
        next_steps={
            "no": _(
                "Clarify who in your administration can take part in the network meetings "
                "regularly and share your experience."
            )
        },
        asks_for=_(
            "a commitment to continuous participation and who will take part in the "
            "meetings on behalf of the municipality."
        ),
    ),
)
CRITERIA_BY_KEY: dict[str, Criterion] = {criterion.key: criterion for criterion in CRITERIA}


# --- Verdicts (pure functions) ----------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """The verdict on one criterion for the answer given."""

    criterion: Criterion
    answer: str | None
    verdict: Verdict

    @property
    def next_step(self) -> StrOrPromise | None:
        if self.verdict != Verdict.NOT_MET or self.answer is None:
            return None
        return self.criterion.next_steps[self.answer]


@dataclass(frozen=True)
class Assessment:
    """The verdicts on all five criteria, in their order."""

    results: tuple[Result, ...]

    def _with(self, verdict: Verdict) -> list[Result]:
        return [result for result in self.results if result.verdict == verdict]

    @property
    def met(self) -> list[Result]:
        return self._with(Verdict.MET)

    @property
    def missing(self) -> list[Result]:
        return self._with(Verdict.NOT_MET)

    @property
    def unanswered(self) -> list[Result]:
        return self._with(Verdict.UNANSWERED)

    @property
    def can_apply(self) -> bool:
        return len(self.met) == len(self.results)

    @property
    def outcome(self) -> str:
        """One of can_apply, not_yet (a criterion is not met), incomplete (not all answered)."""
        if self.can_apply:
            return "can_apply"
        return "not_yet" if self.missing else "incomplete"


def verdict(key: str, answer: object) -> Verdict:
    """Whether an answer meets the criterion `key`; an unknown answer counts as not given."""
    criterion = CRITERIA_BY_KEY[key]
    if not isinstance(answer, str) or answer not in dict(criterion.choices):
        return Verdict.UNANSWERED
    return Verdict.MET if answer in criterion.met_by else Verdict.NOT_MET


def clean_answers(data: Mapping[str, Any]) -> dict[str, str]:
    """Only the known criteria with one of their answers (e.g. from the session)."""
    return {
        key: value
        for key, value in data.items()
        if key in CRITERIA_BY_KEY and verdict(key, value) != Verdict.UNANSWERED
    }


def assess(answers: Mapping[str, Any]) -> Assessment:
    given = clean_answers(answers)
    return Assessment(
        tuple(
            Result(criterion, answer, verdict(criterion.key, answer))
            for criterion in CRITERIA
            for answer in [given.get(criterion.key)]
        )
    )
