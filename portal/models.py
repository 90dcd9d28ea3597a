"""The models of the portal app, for Django and the migrations: each lives in the package of its
capability (accounts, outbox, mailings, personal data), and code inside portal imports it from
there."""

from portal.accessibility.models import BarrierReport, SignLanguageVideo
from portal.accounts.models import User, UserManager
from portal.mailings.models import Mailing, MailingRecipient, Subscription, Topic, Unsubscribe
from portal.outbox.models import (
    FailedAddress,
    OutboundEmail,
    OutboundEmailAttachment,
    OutboundEmailQuerySet,
)
from portal.personal_data.models import Erasure
from portal.yearly_report.models import YearlyReport

__all__ = [
    "BarrierReport",
    "Erasure",
    "FailedAddress",
    "Mailing",
    "MailingRecipient",
    "OutboundEmail",
    "OutboundEmailAttachment",
    "OutboundEmailQuerySet",
    "SignLanguageVideo",
    "Subscription",
    "Topic",
    "Unsubscribe",
    "User",
    "UserManager",
    "YearlyReport",
]
