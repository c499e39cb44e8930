"""A subscription as the notifier's resolve reads it (`storage.recipients.subscriptions_for`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SubscriptionContact:
    """One subscription at an address for one service, with its subscriber's language.
    Personal data: phone and e-mail are left out of its repr."""

    id: int
    address_id: str
    phone: str | None = field(repr=False)
    phone_verified_at: datetime | None
    email: str | None = field(repr=False)
    email_verified_at: datetime | None
    role: str  # a model.SubscriptionRole value
    apartment: str | None
    facility_number: str | None
    created_at: datetime | None
    language: str | None
