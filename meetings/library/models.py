"""The library: topics and items (publications, documentation, method material)."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.contrib.postgres.aggregates import StringAgg
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import CombinedExpression
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from meetings.events.models import Event
from members.models import PracticeExample


class LibraryTopic(models.Model):
    """A subject the library is sorted by, e.g. Ehrenamtskarte or Engagementstrategie."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("library topic")
        verbose_name_plural = _("library topics")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


def publication_upload_path(instance: Publication, filename: str) -> str:
    # A random folder: files are served by a view that checks visibility, and their
    # addresses must not be guessable from ids.
    return f"library/{secrets.token_hex(8)}/{filename}"


class Publication(models.Model):
    """An item of the library: publication, documentation or method material."""

    class Kind(models.TextChoices):
        PUBLICATION = "publication", _("publication")
        DOCUMENTATION = "documentation", _("documentation")
        METHOD = "method", _("method material")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("public")
        MEMBERS = "members", _("members only")

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    topics = models.ManyToManyField(
        LibraryTopic, blank=True, related_name="publications", verbose_name=_("topics")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    file = models.FileField(_("file"), upload_to=publication_upload_path, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.PositiveIntegerField(_("size in bytes"), default=0)
    link = models.URLField(_("link"), blank=True, help_text=_("Where it is published elsewhere."))
    event = models.ForeignKey(
        Event,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="publications",
        verbose_name=_("event"),
    )
    practice_example = models.ForeignKey(
        PracticeExample,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("practice example"),
    )
    visibility = models.CharField(
        _("visible to"), max_length=20, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    is_published = models.BooleanField(
        _("published"), default=True, help_text=_("Not set: only staff see it.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # PostgreSQL's full-text document of the item, stored (and GIN-indexed by the migration)
    # so that a search does not make it anew for every item; kept by the receivers below.
    # Empty on the embedded SQLite, whose search does without it.
    search_vector = SearchVectorField(_("search document"), null=True, editable=False)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("library")
        ordering: ClassVar = ["-year", "title"]

    def __str__(self) -> str:
        return self.title


@receiver(post_delete, sender=Publication)
def _remove_file(sender: type[Publication], instance: Publication, **kwargs: Any) -> None:
    """A deleted item's file goes too, once the deletion is committed."""
    name, storage = instance.file.name, instance.file.storage
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- The stored search document ----------------------------------------------------------------

SEARCH_CONFIG = "german"


def search_document() -> CombinedExpression:
    """Title, summary, the topics' names, the event's and the practice example's titles, most
    weight first; subqueries, so that an UPDATE of the items can set it."""
    through = Publication.topics.through
    topic_names = Subquery(
        through.objects.filter(publication=OuterRef("pk"))
        .values("publication")
        .annotate(names=StringAgg("librarytopic__name", delimiter=" "))
        .values("names")  # type: ignore[misc]  # the stubs do not see the annotation
    )
    event_title = Subquery(Event.objects.filter(pk=OuterRef("event_id")).values("title"))
    example_title = Subquery(
        PracticeExample.objects.filter(pk=OuterRef("practice_example_id")).values("title")
    )
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector(topic_names, weight="C", config=SEARCH_CONFIG)
        + SearchVector(event_title, example_title, weight="D", config=SEARCH_CONFIG)
    )


def refresh_search_documents(publications: models.QuerySet[Publication] | None = None) -> None:
    """Store the search document of the items anew (all without an argument)."""
    if connection.vendor != "postgresql":
        return
    chosen = Publication.objects.all() if publications is None else publications
    chosen.update(search_vector=search_document())


@receiver(post_save, sender=Publication, dispatch_uid="library.search.item")
def _item_saved(instance: Publication, **kwargs: Any) -> None:
    refresh_search_documents(Publication.objects.filter(pk=instance.pk))


@receiver(m2m_changed, sender=Publication.topics.through, dispatch_uid="library.search.topics")
def _topics_changed(instance: Any, action: str, pk_set: set[int] | None, **kwargs: Any) -> None:
    if not action.startswith("post_"):
        return
    if isinstance(instance, Publication):
        refresh_search_documents(Publication.objects.filter(pk=instance.pk))
    elif action == "post_clear" or pk_set is None:
        refresh_search_documents()  # a topic cleared of its items: which ones is not told
    else:
        refresh_search_documents(Publication.objects.filter(pk__in=pk_set))


@receiver(post_save, sender=LibraryTopic, dispatch_uid="library.search.topic")
def _topic_renamed(instance: LibraryTopic, **kwargs: Any) -> None:
    refresh_search_documents(Publication.objects.filter(topics=instance))


@receiver(post_save, sender=Event, dispatch_uid="library.search.event")
def _event_saved(instance: Event, **kwargs: Any) -> None:
    refresh_search_documents(Publication.objects.filter(event=instance))


@receiver(post_save, sender=PracticeExample, dispatch_uid="library.search.example")
def _example_saved(instance: PracticeExample, **kwargs: Any) -> None:
    refresh_search_documents(Publication.objects.filter(practice_example=instance))


# Deleting a topic, an event or a practice example changes its items without a signal of theirs
# (the through rows are deleted, the links set to NULL): the items are noted before and
# refreshed after.
@receiver(pre_delete, sender=LibraryTopic, dispatch_uid="library.search.topic_going")
@receiver(pre_delete, sender=Event, dispatch_uid="library.search.event_going")
@receiver(pre_delete, sender=PracticeExample, dispatch_uid="library.search.example_going")
def _note_items(sender: type[models.Model], instance: Any, **kwargs: Any) -> None:
    link = {LibraryTopic: "topics", Event: "event", PracticeExample: "practice_example"}[sender]
    instance._library_items = list(
        Publication.objects.filter(**{link: instance}).values_list("pk", flat=True)
    )


@receiver(post_delete, sender=LibraryTopic, dispatch_uid="library.search.topic_gone")
@receiver(post_delete, sender=Event, dispatch_uid="library.search.event_gone")
@receiver(post_delete, sender=PracticeExample, dispatch_uid="library.search.example_gone")
def _refresh_noted(instance: Any, **kwargs: Any) -> None:
    noted = getattr(instance, "_library_items", [])
    if noted:
        refresh_search_documents(Publication.objects.filter(pk__in=noted))
