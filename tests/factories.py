"""make_x(session, **overrides): small builders for test data, through the real services where
a rule is involved and straight into the tables where it is not."""

import itertools
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session

from app.auth.models import Role, User
from app.auth.service import hash_password, issue_token
from app.codes import Level, ancestor_code, level_of
from app.common import parse_week
from app.config import Settings
from app.pairings.models import Pairing, Plan, PlanStatus
from app.regions.models import Region, Village
from app.reports.models import Report
from app.rollups import service as rollups
from app.units.models import Unit, credit_check_char

PASSWORD = "correct-horse-42"
_counter = itertools.count(1)
_password_hash: str | None = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = hash_password(PASSWORD)
    return _password_hash


def credit_code(n: int | None = None) -> str:
    n = next(_counter) if n is None else n
    first17 = f"91110108{n:09d}"
    return first17 + credit_check_char(first17)


def ensure_region(session: Session, code: str, name: str | None = None) -> Region:
    """The region with this code, creating it and its ancestors as needed."""
    region = session.scalars(select(Region).where(Region.code == code)).first()
    if region is not None:
        return region
    level = level_of(code)
    parent = None
    if level != Level.province:
        parent_level = {Level.city: Level.province, Level.county: Level.city,
                        Level.township: Level.county}[level]
        parent = ensure_region(session, ancestor_code(code, parent_level)).code
    region = Region(code=code, name=name or f"区划{code}", level=level, parent_code=parent)
    session.add(region)
    session.flush()
    return region


def make_village(session: Session, code: str = "530102001001", **overrides) -> Village:
    ensure_region(session, ancestor_code(code, Level.township))
    values = dict(name=f"村{code[-3:]}", listed=True, registered_poor=True, poor_households=50,
                  poor_population=180)
    values.update(overrides)
    village = Village(
        code=code, township_code=ancestor_code(code, Level.township),
        county_code=ancestor_code(code, Level.county), city_code=ancestor_code(code, Level.city),
        province_code=ancestor_code(code, Level.province), **values,
    )
    session.add(village)
    session.flush()
    return village


def make_unit(session: Session, **overrides) -> Unit:
    n = next(_counter)
    values = dict(name=f"帮扶企业{n}有限公司", kind="private_enterprise", credit_code=credit_code(n),
                  home_province="北京市", home_city="北京市", contact_name="王经理",
                  contact_phone="010-12345678")
    values.update(overrides)
    unit = Unit(**values)
    session.add(unit)
    session.flush()
    return unit


def make_user(session: Session, role: Role = Role.admin, region_code: str | None = None,
              unit_id: int | None = None, **overrides) -> User:
    n = next(_counter)
    if region_code:
        ensure_region(session, region_code)
    values = dict(username=f"{role}{n}", display_name=f"用户{n}", password_hash=_hash())
    values.update(overrides)
    user = User(role=role, region_code=region_code, unit_id=unit_id, **values)
    session.add(user)
    session.flush()
    return user


def _next_village_code() -> str:
    """A village code in 五华区 not given before in this process: villages 001–999 of townships
    101, 102, …, apart from the townships 001–099 that tests name codes in (a code that wrapped
    round to 530102001001 met a village a test had made itself)."""
    n = next(_counter)
    return f"530102{n // 999 % 899 + 101:03d}{n % 999 + 1:03d}"


def make_pairing(session: Session, unit: Unit | None = None, village: Village | None = None,
                 **overrides) -> Pairing:
    unit = unit or make_unit(session)
    village = village or make_village(session, code=_next_village_code())
    values = dict(signed_on=date(2020, 4, 8), committed_funds_wan=Decimal("50"),
                  valid_until=date(2020, 12, 31))
    values.update(overrides)
    pairing = Pairing(unit_id=unit.id, village_id=village.id, **values)
    session.add(pairing)
    session.flush()
    keep_rollup(session, pairing.id, rollups.State(None))
    return pairing


def make_plan(session: Session, pairing: Pairing, **overrides) -> Plan:
    values = dict(planned_funds_wan=Decimal("50"), planned_materials_wan=Decimal("10"),
                  has_project=True, project_plan="建设蔬菜大棚", sales_target_wan=Decimal("30"),
                  self_purchase_wan=Decimal("10"), market_link_wan=Decimal("20"), jobs_target=20,
                  unit_jobs=5, outside_jobs=10, entrepreneurship_jobs=2, public_welfare_jobs=3,
                  trainees_target=40, will_station=True, stationed_target=2,
                  members=["张三", "李四"], start_date=date(2020, 6, 1),
                  status=PlanStatus.confirmed)
    values.update(overrides)
    before = rollup_state(session, pairing.id)
    plan = Plan(pairing_id=pairing.id, **values)
    session.add(plan)
    session.flush()
    keep_rollup(session, pairing.id, before)
    return plan


def make_report(session: Session, pairing: Pairing, week: str = "2020-W28", **overrides) -> Report:
    values = dict(funds_arrived_wan=Decimal("20"), materials_arrived_wan=Decimal("5"),
                  industry_plan_done=False, sales_done_wan=Decimal("12.5"), jobs_done=8,
                  trained_done=15, stationed_now=2, beneficiaries=30, progress="大棚已开工")
    values.update(overrides)
    before = rollup_state(session, pairing.id)
    report = Report(pairing_id=pairing.id, week=week, week_start=parse_week(week), **values)
    session.add(report)
    session.flush()
    keep_rollup(session, pairing.id, before)
    return report


# Straight into the tables, but the county × week rollup (app.rollups) kept in step as the
# services keep it: whatever a test builds, the province and national tables see.
ROLLUP_SETTINGS = Settings(_env_file=None)


def rollup_state(session: Session, pairing_id: int) -> rollups.State:
    """The pairing as it stands, for the rollup."""
    pairing = session.get(Pairing, pairing_id)
    assert pairing is not None
    plan = session.scalars(select(Plan).where(Plan.pairing_id == pairing_id)).first()
    reports = session.scalars(select(Report).where(Report.pairing_id == pairing_id)).all()
    return rollups.State(rollups.Term.of(pairing), rollups.plan_vector(plan), rollups.marks_of(reports))


def keep_rollup(session: Session, pairing_id: int, before: rollups.State) -> None:
    """After a change made straight in the tables: the rollup moved from `before` to now."""
    pairing = session.get(Pairing, pairing_id)
    assert pairing is not None
    village = session.get(Village, pairing.village_id)
    assert village is not None
    rollups.record_change(session, ROLLUP_SETTINGS, village.county_code, village.province_code, before,
                          rollup_state(session, pairing_id))


def auth_headers(session: Session, settings: Settings, user: User) -> dict[str, str]:
    token, _ = issue_token(session, settings, user)
    session.flush()
    return {"Authorization": f"Bearer {token}"}


def report_body(**overrides) -> dict:
    body = {"funds_arrived_wan": "20", "materials_arrived_wan": "5", "industry_plan_done": False,
            "sales_done_wan": "12.5", "jobs_done": 8, "trained_done": 15, "stationed_now": 2,
            "beneficiaries": 30, "progress": "大棚主体完工，8 名贫困户进棚务工",
            "story": {"title": "大棚里的新希望", "body": "……"}, "correction_note": None}
    body.update(overrides)
    return body


def plan_body(**overrides) -> dict:
    body = {
        "industry": {"planned_funds_wan": "50", "planned_materials_wan": "10",
                     "usage_plan": "建设蔬菜大棚 10 座", "has_project": True,
                     "project_plan": "发展设施蔬菜，合作社带动贫困户"},
        "consumption": {"sales_target_wan": "30", "self_purchase_wan": "10", "market_link_wan": "20"},
        "employment": {"jobs_target": 20, "unit_jobs": 5, "outside_jobs": 10,
                       "entrepreneurship_jobs": 2, "public_welfare_jobs": 3},
        "training": {"trainees_target": 40, "training_plan": "种植技术培训 4 期"},
        "stationing": {"will_station": True, "stationed_target": 2, "members": ["张三", "李四"],
                       "start_date": "2020-06-01"},
    }
    for key, value in overrides.items():
        measure, _, field = key.partition("__")
        body[measure][field] = value
    return body
