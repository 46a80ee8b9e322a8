"""One county's week as the province and national tables sum it (县 × 周 rollup)."""

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

# The summed columns in the order of annex 3, after the counts: 万元 amounts as whole
# ten-thousandths (1 元), so that sums stay exact on SQLite too; flags (1/0) as counts.
MONEY = ("funds_planned", "funds_arrived", "materials_planned", "materials_arrived", "sales_planned", "sales_done")
SUMS = ("pairings", "reports", "on_time",
        "funds_planned", "funds_arrived", "materials_planned", "materials_arrived",
        "has_project", "industry_done", "sales_planned", "sales_done",
        "jobs_planned", "jobs_done", "trainees_planned", "trained_done", "stationed", "stationed_now")


class CountyWeek(SQLModel, table=True):
    """The pairings in force during the week in one county, with their plans and their latest
    figures up to the week summed: `pairings` in force, `reports` filed for the week itself,
    `on_time` of those by the deadline."""

    __tablename__ = "county_week"
    __table_args__ = (Index("ix_county_week_week_province", "week", "province_code"),)

    county_code: str = Field(primary_key=True, max_length=12)
    week: str = Field(primary_key=True, max_length=8)
    province_code: str = Field(max_length=12)
    pairings: int = Field(default=0, sa_type=BigInteger)
    reports: int = Field(default=0, sa_type=BigInteger)
    on_time: int = Field(default=0, sa_type=BigInteger)
    funds_planned: int = Field(default=0, sa_type=BigInteger)
    funds_arrived: int = Field(default=0, sa_type=BigInteger)
    materials_planned: int = Field(default=0, sa_type=BigInteger)
    materials_arrived: int = Field(default=0, sa_type=BigInteger)
    has_project: int = Field(default=0, sa_type=BigInteger)
    industry_done: int = Field(default=0, sa_type=BigInteger)
    sales_planned: int = Field(default=0, sa_type=BigInteger)
    sales_done: int = Field(default=0, sa_type=BigInteger)
    jobs_planned: int = Field(default=0, sa_type=BigInteger)
    jobs_done: int = Field(default=0, sa_type=BigInteger)
    trainees_planned: int = Field(default=0, sa_type=BigInteger)
    trained_done: int = Field(default=0, sa_type=BigInteger)
    stationed: int = Field(default=0, sa_type=BigInteger)
    stationed_now: int = Field(default=0, sa_type=BigInteger)

