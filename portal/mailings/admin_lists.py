"""Topics and unsubscribes of the information e-mails in admin (the failed addresses are the
outbox's: portal.outbox.admin)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.admin_tools.pages import ReadOnlyAdminMixin
from portal.mailings.models import Topic, Unsubscribe


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "subscriber_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "description", "position")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return super().get_queryset(request).annotate(subscribers=Count("subscriptions"))

    @admin.display(description=_("subscribers"), ordering="subscribers")
    def subscriber_count(self, topic: Topic) -> int:
        return getattr(topic, "subscribers", 0)


@admin.register(Unsubscribe)
class UnsubscribeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who asked for no more information e-mails, when and how: a record, not to be edited."""

    list_display = ("email", "topic_display", "source", "created_at")
    list_filter = ("source", "topic", "created_at")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    list_select_related = ("topic",)
    fields = ("email", "topic", "source", "created_at")
    readonly_fields = fields

    @admin.display(description=_("topic"), ordering="topic__name")
    def topic_display(self, unsubscribe: Unsubscribe) -> str:
        return str(unsubscribe.topic) if unsubscribe.topic else gettext("all information e-mails")
