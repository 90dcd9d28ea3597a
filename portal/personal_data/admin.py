"""Admin of personal data: the log of erasures, and deleting accounts the way the person's own
deletion does.

The account admin itself lives in portal.accounts, which personal data builds on; so this module
takes over the User's registration instead of accounts importing the erasers (no cycle).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from portal.accounts.admin import UserAdmin
from portal.accounts.models import User
from portal.admin_tools.pages import ReadOnlyAdminMixin
from portal.personal_data import erasures
from portal.personal_data.models import Erasure
from portal.personal_data.registry import DeletionRefused, delete_account


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("model", "object_pk", "erased_at", "replayed_at")
    list_filter = ("model", "erased_at")
    date_hierarchy = "erased_at"


def erase(user: User) -> None:
    """Staff delete an account: a person's account goes through every app's eraser as if the
    person had asked (registrations freed, waiting lists moved up, the erasure logged for a
    restore); an account of the team has no domain data, only the log entry is added."""
    if not (user.is_staff or user.is_superuser):
        delete_account(user)
        return
    pk = user.pk
    user.delete()
    user.pk = pk  # the log names the account by the number it had
    erasures.record(user)


class ErasingUserAdmin(UserAdmin):
    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except DeletionRefused as refused:
            # Shown instead of the success message; the account stays as it was.
            self.message_user(request, refused.message, messages.ERROR)
            url = reverse("admin:portal_user_change", args=[object_id])
            return HttpResponseRedirect(url)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        erase(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            try:
                erase(user)
            except DeletionRefused as refused:
                self.message_user(request, f"{user.email}: {refused.message}", messages.ERROR)


admin.site.unregister(User)
admin.site.register(User, ErasingUserAdmin)
