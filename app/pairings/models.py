"""Pairings (结对帮扶协议, annex 1) and their five-measure plans (结对帮扶计划书, annex 2)."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field as PydanticField
from pydantic import StringConstraints
from sqlalchemy import JSON, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from app.catalogue import MEASURES
from app.common import Count, Money, RowId, StrictModel, UtcDateTime, Wan, WanOut, utcnow


class Pairing(SQLModel, table=True):
    __table_args__ = (
        # One active pairing per (unit, village); ended ones may repeat.
        Index(
            "uq_pairing_active_unit_village", "unit_id", "village_id", unique=True,
            sqlite_where=text("active"), postgresql_where=text("active"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    village_id: int = Field(foreign_key="village.id", index=True)
    signed_on: date
    committed_funds_wan: Decimal = Field(sa_type=Money)
    valid_until: date
    active: bool = Field(default=True, index=True)
    # The campaign date the pairing was ended; the weekly tables of earlier weeks still show it.
    ended_on: date | None = None
    # Why it ended, and the pairing of the unit that took the village over (接力帮扶, 004 §五(五)4);
    # the pairing taken over is the one whose successor_id is this one's id.
    end_reason: str | None = Field(default=None, sa_type=Text)
    successor_id: int | None = Field(default=None, foreign_key="pairing.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)


class PairingCreate(StrictModel):
    unit_id: RowId
    village_code: str
    signed_on: date
    committed_funds_wan: Wan
    valid_until: date | None = None


END_REASON_MAX = 500


class PairingUpdate(StrictModel):
    # Partial update: a field left out stays as it is; an explicit null is refused by its type.
    active: bool = None  # type: ignore[assignment]
    valid_until: date = None  # type: ignore[assignment]
    committed_funds_wan: Wan = None  # type: ignore[assignment]
    # Ending (with `active: false`, or of a pairing already ended): why, and the unit that takes the
    # village over (接力帮扶, 004 §五(五)4). When that unit has no active pairing with the village,
    # one is signed on the end date with `successor_committed_funds_wan`.
    end_reason: str = PydanticField(None, min_length=1, max_length=END_REASON_MAX)  # type: ignore[assignment]
    successor_unit_id: RowId = None  # type: ignore[assignment]
    successor_committed_funds_wan: Wan = None  # type: ignore[assignment]


class PairingPublic(SQLModel):
    id: int
    unit_id: int
    unit: str
    village_code: str
    village: str
    county_code: str
    signed_on: date
    committed_funds_wan: WanOut
    valid_until: date
    active: bool
    ended_on: date | None = None
    plan_status: str | None = None
    end_reason: str | None = None
    # 接力帮扶: the pairing that took the village over from this one, and the one this took over from.
    successor_id: int | None = None
    predecessor_id: int | None = None


class PlanStatus(StrEnum):
    draft = "draft"
    submitted = "submitted"
    confirmed = "confirmed"
    returned = "returned"


PLAN_STATUS_LABELS = {
    PlanStatus.draft: "草稿",
    PlanStatus.submitted: "已提交待确认",
    PlanStatus.confirmed: "已确认",
    PlanStatus.returned: "已退回",
}


class Plan(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    pairing_id: int = Field(foreign_key="pairing.id", unique=True)
    # 举措一 加大资金投入，促进产业扶贫
    planned_funds_wan: Decimal = Field(default=Decimal(0), sa_type=Money)
    planned_materials_wan: Decimal = Field(default=Decimal(0), sa_type=Money)
    usage_plan: str = Field(default="", sa_type=Text)
    has_project: bool = False
    project_plan: str = Field(default="", sa_type=Text)
    # 举措二 消费扶贫
    sales_target_wan: Decimal = Field(default=Decimal(0), sa_type=Money)
    self_purchase_wan: Decimal = Field(default=Decimal(0), sa_type=Money)
    market_link_wan: Decimal = Field(default=Decimal(0), sa_type=Money)
    # 举措三 促进就业
    jobs_target: int = 0
    unit_jobs: int = 0
    outside_jobs: int = 0
    entrepreneurship_jobs: int = 0
    public_welfare_jobs: int = 0
    # 举措四 技能培训
    trainees_target: int = 0
    training_plan: str = Field(default="", sa_type=Text)
    # 举措五 派驻力量
    will_station: bool = False
    stationed_target: int = 0
    members: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    start_date: date | None = None

    status: str = Field(default=PlanStatus.draft, max_length=10, index=True)
    return_reason: str | None = Field(default=None, sa_type=Text)
    version: int = 1
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    # Who saved this version: the unit's liaison, or the county filing on the unit's behalf.
    updated_by: int | None = Field(default=None, foreign_key="app_user.id")
    submitted_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    confirmed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


TEXT_MAX = 2000
MemberName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50)]


class IndustryIn(StrictModel):
    planned_funds_wan: Wan = Decimal(0)
    planned_materials_wan: Wan = Decimal(0)
    usage_plan: str = PydanticField("", max_length=TEXT_MAX)
    has_project: bool = False
    project_plan: str = PydanticField("", max_length=TEXT_MAX)


class ConsumptionIn(StrictModel):
    sales_target_wan: Wan = Decimal(0)
    self_purchase_wan: Wan = Decimal(0)
    market_link_wan: Wan = Decimal(0)


class EmploymentIn(StrictModel):
    jobs_target: Count = 0
    unit_jobs: Count = 0
    outside_jobs: Count = 0
    entrepreneurship_jobs: Count = 0
    public_welfare_jobs: Count = 0


class TrainingIn(StrictModel):
    trainees_target: Count = 0
    training_plan: str = PydanticField("", max_length=TEXT_MAX)


class StationingIn(StrictModel):
    will_station: bool = False
    stationed_target: Count = 0
    members: list[MemberName] = PydanticField(default_factory=list, max_length=100)
    start_date: date | None = None


class PlanIn(StrictModel):
    """The plan form of annex 2. A measure left out is "无计划填零": all zeros."""

    industry: IndustryIn = PydanticField(default_factory=IndustryIn)
    consumption: ConsumptionIn = PydanticField(default_factory=ConsumptionIn)
    employment: EmploymentIn = PydanticField(default_factory=EmploymentIn)
    training: TrainingIn = PydanticField(default_factory=TrainingIn)
    stationing: StationingIn = PydanticField(default_factory=StationingIn)


class IndustryOut(SQLModel):
    planned_funds_wan: WanOut
    planned_materials_wan: WanOut
    usage_plan: str
    has_project: bool
    project_plan: str


class ConsumptionOut(SQLModel):
    sales_target_wan: WanOut
    self_purchase_wan: WanOut
    market_link_wan: WanOut


class PlanOut(SQLModel):
    pairing_id: int
    industry: IndustryOut
    consumption: ConsumptionOut
    employment: EmploymentIn
    training: TrainingIn
    stationing: StationingIn
    status: str
    return_reason: str | None
    version: int
    updated_at: datetime
    updated_by: int | None = None
    submitted_at: datetime | None
    confirmed_at: datetime | None



# --- the one converter between the stored plan (one column a field) and the API's measures ----


def plan_columns(data: PlanIn) -> dict[str, Any]:
    """The stored plan's columns of a plan in the API's nested shape."""
    return {name: value for measure in MEASURES
            for name, value in getattr(data, measure.key).model_dump().items()}


def plan_measures(plan: Plan) -> dict[str, dict[str, Any]]:
    """The API's nested shape of a stored plan: {"industry": {"planned_funds_wan": …}, …}."""
    return {measure.key: {name: getattr(plan, name) for name in measure.fields} for measure in MEASURES}


def plan_out(plan: Plan) -> PlanOut:
    return PlanOut.model_validate({
        "pairing_id": plan.pairing_id, **plan_measures(plan), "status": plan.status,
        "return_reason": plan.return_reason, "version": plan.version, "updated_at": plan.updated_at,
        "updated_by": plan.updated_by, "submitted_at": plan.submitted_at, "confirmed_at": plan.confirmed_at,
    })
