"""The small shared helpers that replaced code written twice: portal.forms.nothing_required and
portal.text.in_any_field."""

from __future__ import annotations

import pytest
from django import forms

from members.models import Authority
from portal.forms import nothing_required
from portal.text import in_any_field


class _Draft(forms.Form):
    name = forms.CharField()
    note = forms.CharField(required=False)


def test_a_draft_validated_without_required_fields_keeps_their_marks_afterwards():
    form = _Draft(data={})
    with nothing_required(form.fields.values()):
        assert form.is_valid()
    assert form.fields["name"].required
    assert not form.fields["note"].required


def test_the_required_marks_come_back_when_validating_fails_with_an_exception():
    form = _Draft(data={})
    with pytest.raises(RuntimeError), nothing_required(form.fields.values()):
        raise RuntimeError
    assert form.fields["name"].required


@pytest.mark.django_db
def test_a_search_finds_a_word_in_any_field_whatever_its_case():
    # ASCII letters in another case: a database with the "C" collation folds only those.
    found = Authority.objects.filter(in_any_field("MüNSTER", ["name", "ags"]))
    assert "Münster" in {authority.name for authority in found}
    assert not Authority.objects.filter(in_any_field("Münster", ["ags"])).exists()
