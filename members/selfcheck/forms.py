"""The self-check's five questions as one form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from members.selfcheck.criteria import CRITERIA, clean_answers

QUESTION_TEMPLATE = "members/self_check.html#question"


class SelfCheckForm(forms.Form):
    """The five questions. Each may stay unanswered, but an answer must be one offered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[criterion.key] = forms.ChoiceField(
                label=criterion.question,
                help_text=criterion.hint,
                choices=criterion.choices,
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": _("Please choose one of the answers shown.")},
                # Like forms/field.html, without marking each of the questions as optional.
                template_name=QUESTION_TEMPLATE,  # type: ignore[call-arg]  # missing in stubs
            )

    def answers(self) -> dict[str, str]:
        """The valid answers given, by criterion; call after is_valid()."""
        return clean_answers(self.cleaned_data)
