"""Django's admin autodiscovery imports this module: it imports the admin modules of the
portal's capabilities, which register their models."""

from portal.accounts import admin as accounts_admin
from portal.mailings import admin as mailings_admin
from portal.mailings import admin_lists as mailings_admin_lists
from portal.outbox import admin as outbox_admin

__all__ = ["accounts_admin", "mailings_admin", "mailings_admin_lists", "outbox_admin"]
