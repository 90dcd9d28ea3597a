"""Django's admin autodiscovery imports this module: it imports the admin modules of the
members app's capabilities, which register their models."""

from members.applications import admin as applications_admin
from members.directory import admin as directory_admin
from members.network_import import admin as network_import_admin
from members.people import admin as people_admin
from members.reference import admin as reference_admin
from members.surveys import admin as surveys_admin

__all__ = [
    "applications_admin",
    "directory_admin",
    "network_import_admin",
    "people_admin",
    "reference_admin",
    "surveys_admin",
]
