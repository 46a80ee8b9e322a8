"""Weekly progress reports (每周项目进展): cumulative figures, one per pairing and ISO week."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, field_validator
from pydantic import Field as PydanticField
from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.catalogue import label
from app.common import Count, Money, RowId, StrictModel, UtcDateTime, Wan, WanOut, format_decimal, utcnow
from app.errors import Invalid


class ReportStatus(StrEnum):
    submitted = "submitted"
    approved = "approved"
    returned = "returned"


REPORT_STATUS_LABELS = {
    ReportStatus.submitted: "已报送",
    ReportStatus.approved: "县级已审核",
    ReportStatus.returned: "已退回",
}

PROGRESS_MAX = 2000
# A phone's clock may be wrong, but not by decades: outside this range the value is garbage.
CLIENT_CLOCK_RANGE = (datetime(2020, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
STORY_MAX = 10000

# The figures a report carries, in the order of the form and of annex 3.
FIGURE_FIELDS = (
    "funds_arrived_wan", "materials_arrived_wan", "industry_plan_done", "sales_done_wan",
    "jobs_done", "trained_done", "stationed_now", "beneficiaries",
)
# Cumulative fields: a value lower than in the previous report needs a correction note.
# stationed_now is a head count of today and may go down freely.
CUMULATIVE_FIELDS = tuple(f for f in FIGURE_FIELDS if f != "stationed_now")


class Report(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("pairing_id", "week", name="uq_report_pairing_week"),
        # The public pages list featured stories; few reports are featured among millions.
        Index("ix_report_featured", "week", "featured_at",
              sqlite_where=text("featured_at IS NOT NULL"),
              postgresql_where=text("featured_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", index=True)
    week: str = Field(max_length=8, index=True)
    week_start: date

    funds_arrived_wan: Decimal = Field(sa_type=Money)
    materials_arrived_wan: Decimal = Field(sa_type=Money)
    industry_plan_done: bool = False
    sales_done_wan: Decimal = Field(sa_type=Money)
    jobs_done: int = 0
    trained_done: int = 0
    stationed_now: int = 0
    beneficiaries: int | None = None
    progress: str = Field(sa_type=Text)
    story_title: str | None = Field(default=None, max_length=200)
    story_body: str | None = Field(default=None, sa_type=Text)
    correction_note: str | None = Field(default=None, sa_type=Text)

    status: str = Field(default=ReportStatus.submitted, max_length=10, index=True)
    return_reason: str | None = Field(default=None, sa_type=Text)
    late: bool = False
    first_submitted_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    submitted_by: int | None = Field(default=None, foreign_key="app_user.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # A county officer features the week's story for the public pages (典型案例).
    featured_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    featured_by: int | None = Field(default=None, foreign_key="app_user.id")
    # When the phone saved this version (a save without signal is sent later from the phone's
    # outbox): shown to the county beside the server's receive time, which alone judges lateness.
    client_saved_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class StoryIn(StrictModel):
    title: str | None = PydanticField(None, max_length=200)
    body: str = PydanticField(min_length=1, max_length=STORY_MAX)


class ReportIn(StrictModel):
    funds_arrived_wan: Wan
    materials_arrived_wan: Wan
    industry_plan_done: bool
    sales_done_wan: Wan
    jobs_done: Count
    trained_done: Count
    stationed_now: Count
    beneficiaries: Count | None = None
    progress: str = PydanticField(min_length=1, max_length=PROGRESS_MAX)
    story: StoryIn | None = None
    correction_note: str | None = PydanticField(None, max_length=PROGRESS_MAX)
    # When the client saved it, if it kept the report while offline (ISO 8601 with its zone).
    client_saved_at: AwareDatetime | None = None

    @field_validator("client_saved_at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        if not CLIENT_CLOCK_RANGE[0] <= value <= CLIENT_CLOCK_RANGE[1]:
            raise ValueError("手机保存时间不在合理范围内（2020—2100 年）")
        return value


class StoryOut(SQLModel):
    title: str | None
    body: str


class ReportOut(SQLModel):
    id: int
    pairing_id: int
    week: str
    funds_arrived_wan: WanOut
    materials_arrived_wan: WanOut
    industry_plan_done: bool
    sales_done_wan: WanOut
    jobs_done: int
    trained_done: int
    stationed_now: int
    beneficiaries: int | None
    progress: str
    story: StoryOut | None
    correction_note: str | None
    status: str
    return_reason: str | None
    late: bool
    submitted_at: datetime
    first_submitted_at: datetime
    client_saved_at: datetime | None = None
    # Who filed this version: the unit's liaison, or the county on the unit's behalf.
    submitted_by: int | None = None
    # reported · county_approved · province_accepted
    stage: str
    flags: list[dict[str, Any]] = []


def shown(value: Decimal | int | bool) -> str:
    """A figure as a sentence shows it: 12.5, 8, 是."""
    if isinstance(value, bool):
        return "是" if value else "否"
    return format_decimal(value)


@dataclass(frozen=True)
class Decrease:
    field: str
    before: Decimal | int | bool
    after: Decimal | int | bool

    def __str__(self) -> str:
        return f"{label(self.field)}由 {shown(self.before)} 减为 {shown(self.after)}"


def decreases(previous: Any, current: Any) -> list[Decrease]:
    """The cumulative figures lower in `current` than in `previous` (reports, request bodies or
    what a form holds so far; a figure either lacks is not compared)."""
    found = []
    for name in CUMULATIVE_FIELDS:
        before, after = getattr(previous, name, None), getattr(current, name, None)
        if before is not None and after is not None and after < before:
            found.append(Decrease(name, before, after))
    return found


def stage(report_status: str | None, accepted: bool) -> str | None:
    """Where a value stands: reported, approved by the county, accepted by the province."""
    if report_status is None:
        return None
    if accepted:
        return "province_accepted"
    return "county_approved" if report_status == ReportStatus.approved else "reported"


def is_featured(report: Report | None) -> bool:
    """Featured, and not changed since: a story edited after the county featured it is not
    public until the county looks at it again."""
    if report is None or report.featured_at is None or not report.story_body:
        return False
    return report.featured_at >= report.submitted_at


# At most a county's pairings, several times over: a bulk approve names each once.
BULK_MAX = 1000


class BulkApproveIn(StrictModel):
    """Approve many of a county's reports of one week at once: the pairings named, or every
    pairing whose report has no open flag. `as_of`: when the caller looked at the figures (the
    review page sends when it was shown); a report re-sent after it is skipped, not approved
    unseen."""

    pairing_ids: list[RowId] | None = PydanticField(None, min_length=1, max_length=BULK_MAX)
    all_without_open_flags: bool | None = None
    as_of: AwareDatetime | None = None

    def selected(self) -> list[int] | None:
        """The pairings named, or None for all without open flags; exactly one of the two."""
        if self.pairing_ids is not None and self.all_without_open_flags:
            raise Invalid.one(["body", "all_without_open_flags"],
                              "pairing_ids（所选结对）与 all_without_open_flags 只能给出其中一个")
        if self.pairing_ids is None and not self.all_without_open_flags:
            raise Invalid.one(["body", "pairing_ids"],
                              "请给出 pairing_ids（所选结对），或 all_without_open_flags: true（全部无存疑数据的周报）")
        return self.pairing_ids


class BulkSkipped(SQLModel):
    pairing_id: int
    reason: str


class BulkApproveOut(SQLModel):
    approved: int
    approved_pairing_ids: list[int]
    skipped: list[BulkSkipped]
