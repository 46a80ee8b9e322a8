"""Notifications: an in-app inbox for every user, and their delivery through the channels a user
has (e-mail, SMS, the unit's 企业微信 group robot), each delivery a row of the delivery log."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.common import UtcDateTime, utcnow


class Channel(StrEnum):
    inbox = "inbox"
    email = "email"
    sms = "sms"
    wecom = "wecom"


class DeliveryStatus(StrEnum):
    queued = "queued"
    sent = "sent"
    failed = "failed"


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id")
    # reminder (催报), late (the county's list of late pairings), returned, liaisons_needed, …
    kind: str = Field(max_length=30)
    title: str = Field(max_length=100)
    body: str = Field(max_length=2000)
    url: str | None = Field(default=None, max_length=300)
    # What it is about, for the delivery log's filters and "no one twice in an hour".
    county_code: str | None = Field(default=None, max_length=12, index=True)
    week: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    read_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    channel: str = Field(max_length=10)
    # The address, number or webhook it goes to, as it was when queued.
    target: str = Field(max_length=500)
    status: str = Field(default=DeliveryStatus.queued, max_length=10)
    attempts: int = 0
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ReminderRun(SQLModel, table=True):
    """A reminder of the calendar sent for a county and week: written in the transaction that
    sends it, so that each runs once, whichever worker and however often the scheduler looks."""

    __tablename__ = "reminder_run"
    __table_args__ = (UniqueConstraint("slot", "week", "county_code", name="uq_reminder_run"),)

    id: int | None = Field(default=None, primary_key=True)
    slot: str = Field(max_length=20)  # "4-09:00" (Thursday 09:00), "deadline"
    week: str = Field(max_length=8)
    county_code: str = Field(max_length=12)
    ran_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class NotificationPublic(SQLModel):
    id: int
    kind: str
    title: str
    body: str
    url: str | None
    created_at: datetime
    read_at: datetime | None


class DeliveryPublic(SQLModel):
    id: int
    notification_id: int
    user_id: int
    user: str  # display name
    kind: str
    county_code: str | None
    week: str | None
    channel: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None
