"""The public self-check page; it keeps the answers for the application when all are met."""

from __future__ import annotations

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from members.selfcheck.criteria import Assessment, assess, clean_answers
from members.selfcheck.forms import SelfCheckForm
from portal.http import HtmxHttpRequest

SESSION_KEY = "self_check"
TEMPLATE = "members/self_check.html"


def remember(session: SessionBase, assessment: Assessment) -> None:
    """Keep the answers for the application when all criteria are met, else forget them."""
    if assessment.can_apply:
        session[SESSION_KEY] = {
            result.criterion.key: result.answer for result in assessment.results
        }
    elif SESSION_KEY in session:
        del session[SESSION_KEY]


@require_http_methods(["GET", "POST"])
def self_check(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SelfCheckForm(request.POST)
        form.is_valid()  # errors are shown next to the question; unanswered is fine
        assessment = assess(form.answers())
        remember(request.session, assessment)
    else:
        answers = clean_answers(request.session.get(SESSION_KEY, {}))
        form = SelfCheckForm(initial=answers)
        assessment = assess(answers)
    template = TEMPLATE + "#results" if request.htmx and request.method == "POST" else TEMPLATE
    return render(request, template, {"form": form, "assessment": assessment})
