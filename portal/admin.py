"""Django's admin autodiscovery imports this module: it imports the admin modules of the
portal's capabilities, which register their models."""

from portal.accessibility import admin as accessibility_admin
from portal.accounts import admin as accounts_admin
from portal.mailings import admin as mailings_admin
from portal.mailings import admin_lists as mailings_admin_lists
from portal.outbox import admin as outbox_admin
from portal.personal_data import admin as personal_data_admin

__all__ = [
    "accessibility_admin",
    "accounts_admin",
    "mailings_admin",
    "mailings_admin_lists",
    "outbox_admin",
    "personal_data_admin",
]
