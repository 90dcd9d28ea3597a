"""The error every workflow of the app raises for a step that is not allowed now."""

from django.core.exceptions import ValidationError


class WorkflowError(ValidationError):
    """A step that is not allowed now; its message is shown to the user as it is."""
