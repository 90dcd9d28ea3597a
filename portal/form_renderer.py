"""Renders Django forms in KERN-UX markup (see templates/forms/)."""

from __future__ import annotations

from django.forms import widgets
from django.forms.boundfield import BoundField
from django.forms.renderers import TemplatesSetting


def kern_control(widget: widgets.Widget) -> tuple[str, str | None]:
    """The layout forms/field.html uses for a widget, and the KERN class of its control."""
    if widget.is_hidden:
        return "hidden", None
    if isinstance(widget, widgets.ChoiceWidget) and widget.input_type in ("radio", "checkbox"):
        return "choices", f"kern-form-check__{widget.input_type}"
    if isinstance(widget, widgets.CheckboxInput):
        return "check", "kern-form-check__checkbox"
    if isinstance(widget, widgets.Select) and not widget.allow_multiple_selected:
        return "select", "kern-form-input__select"
    fieldset = widget.use_fieldset  # type: ignore[attr-defined]  # missing in django-stubs
    return ("group" if fieldset else "input"), "kern-form-input__input"


class KernBoundField(BoundField):
    """Gives each control its KERN class, keeping any class the form sets itself.

    Django itself sets aria-invalid and points aria-describedby to "<id>_helptext" and
    "<id>_error" (on the fieldset for radio and checkbox groups); the field template uses
    these ids, so the Django admin, which uses the same ids, keeps working.
    """

    @property
    def kern_layout(self) -> str:
        return kern_control(self.field.widget)[0]

    @property
    def marked_optional(self) -> bool:
        """Whether the label says "optional": not for a single checkbox, optional by nature, not
        for a conditional field (its help text names when it is needed), and not in a search or
        filter form (`marks_optional = False`), where every field is."""
        return (
            not self.field.required
            and not getattr(self.field, "conditional", False)
            and self.kern_layout != "check"
            and getattr(self.form, "marks_optional", True)
        )

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if getattr(widget, "read_only", False):
            # A read-only widget (admin's password hash) is a <div>: "disabled" is no
            # attribute of a div.
            attrs.pop("disabled", None)
        kern_class = kern_control(widget)[1]
        if kern_class:
            if self.errors:
                kern_class += f" {kern_class}--error"
            # These attrs replace the widget's own "class" when rendered, so merge them.
            classes = (widget.attrs.get("class"), attrs.get("class"), kern_class)
            attrs["class"] = " ".join(c for c in classes if c)
        return attrs


class KernFormRenderer(TemplatesSetting):
    """Forms in templates/forms/; Django's widget templates need "django.forms" installed."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
    bound_field_class = KernBoundField
