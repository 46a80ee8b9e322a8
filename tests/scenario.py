"""The one scenario builder the tests share: a campaign built by name, piece by piece, over the same
places every test uses. 云南省 (昆明市 with 五华区 and 盘龙区) and 贵州省 (南明区); pairings, units
and users are made on demand and remembered by the name a test gives them.

    world = Scenario(session, settings)
    world.pairing("mine", "530102001001", unit="甲公司")       # in COUNTY, with the factory plan
    world.user("liaison", Role.liaison, unit="甲公司")
    world.user("county", Role.officer, COUNTY)
    world.file_report("liaison", "mine", WEEK)                  # through the real flows
    client.get(..., headers=world.headers("county"))

The clock of the tests is pinned to 2020-07-15 (2020-W29)."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.auth.models import Role, User
from app.auth.policy import Principal
from app.codes import SIGNIFICANT, Level, ancestor_code, level_of
from app.config import Settings
from app.pairings.models import Pairing, Plan
from app.pairings.policy import PairingAccess, pairing_access
from app.reports.flows import save_report
from app.reports.models import Report, ReportIn
from app.reports.policy import report_access
from app.stats import service as stats
from app.stats.models import Submission, SubmitIn
from app.stats.policy import county_access
from app.units.models import Unit
from tests.factories import (
    auth_headers,
    ensure_region,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
    report_body,
)

PROVINCE = "530000000000"  # 云南省
CITY = "530100000000"  # 昆明市
COUNTY = "530102000000"  # 五华区
OTHER_COUNTY = "530103000000"  # 盘龙区, same city
OTHER_PROVINCE = "520000000000"  # 贵州省
OTHER_PROVINCE_COUNTY = "520102000000"  # 南明区
WEEK, LAST_WEEK = "2020-W29", "2020-W28"

PLACE_NAMES = {PROVINCE: "云南省", CITY: "昆明市", COUNTY: "五华区", OTHER_COUNTY: "盘龙区",
               "530102001000": "普吉街道", "530103001000": "拓东街道",
               OTHER_PROVINCE: "贵州省", OTHER_PROVINCE_COUNTY: "南明区"}


def principal(user: User) -> Principal:
    return Principal.of(user)


def access(session: Session, user: User, pairing_id: int) -> PairingAccess:
    """The pairing as `user` may see it (the policy the routes use)."""
    return pairing_access(session, principal(user), pairing_id)


def put_report(session: Session, settings: Settings, user: User, pairing_id: int, week: str,
               data: ReportIn, now: datetime | None = None) -> tuple[Report, bool]:
    """(report, created): the week's report filed by `user` through the same flow as
    PUT …/reports/{week}."""
    week_access = report_access(session, access(session, user, pairing_id), week)
    saved = save_report(session, settings, week_access, data, now=now)
    return saved.report, saved.created


def file_report(session: Session, settings: Settings, user: User, pairing_id: int, week: str,
                data: ReportIn | None = None, now: datetime | None = None, **body: Any) -> Report:
    return put_report(session, settings, user, pairing_id, week,
                      data or ReportIn.model_validate(report_body(**body)), now)[0]


# Tests that submit for another reason confirm the week as it stands (tests/stats/test_checklist.py
# holds the checks a submission passes).
CONFIRMED = SubmitIn(confirm_incomplete=True, note="测试：带缺项上报")


def submit_week(session: Session, settings: Settings, user: User, county: str, week: str,
                data: SubmitIn | None = CONFIRMED) -> Submission:
    return stats.submit_week(session, settings, county_access(session, principal(user), county), week, data)


def return_week(session: Session, settings: Settings, user: User, county: str, week: str, reason: str) -> Submission:
    return stats.return_week(session, settings, county_access(session, principal(user), county), week, reason)


class Scenario:
    def __init__(self, session: Session, settings: Settings):
        self.session, self.settings = session, settings
        self.units: dict[str, Unit] = {}
        self.pairings: dict[str, Pairing] = {}
        self.plans: dict[str, Plan] = {}
        self.users: dict[str, User] = {}

    def place(self, code: str) -> None:
        """The region `code` and the regions above it, under their names where this module knows
        them: a place is registered when the first pairing or officer there needs it."""
        level = level_of(code)
        for upper in (Level.province, Level.city, Level.county, Level.township):
            if SIGNIFICANT[upper] > SIGNIFICANT[level] or upper == Level.village:
                break
            ancestor = ancestor_code(code, upper)
            ensure_region(self.session, ancestor, PLACE_NAMES.get(ancestor))

    def unit(self, name: str, **overrides: Any) -> Unit:
        """The unit called `name`, made the first time it is asked for."""
        if name not in self.units:
            self.units[name] = make_unit(self.session, name=name, **overrides)
        return self.units[name]

    def pairing(self, key: str, village_code: str, unit: str | None = None, village: str | None = None,
                plan: dict[str, Any] | None = None, with_plan: bool = True, **overrides: Any) -> Pairing:
        """A pairing of `unit` (by name; a new unit named after the pairing by default) with the
        village `village_code`, and the factory plan (changed by `plan`) unless `with_plan` is off."""
        owner = self.unit(unit or f"{key}单位")
        self.place(ancestor_code(village_code, Level.township))
        place = make_village(self.session, code=village_code, **({"name": village} if village else {}))
        pairing = make_pairing(self.session, owner, place, **overrides)
        if with_plan:
            self.plans[key] = make_plan(self.session, pairing, **(plan or {}))
        self.pairings[key] = pairing
        return pairing

    def user(self, key: str, role: Role, region_code: str | None = None, unit: str | None = None,
             **overrides: Any) -> User:
        """A user of `role`: an officer of `region_code` (None: national), a liaison of `unit`."""
        unit_id = self.units[unit].id if unit is not None else None
        if region_code is not None:
            self.place(region_code)
        self.users[key] = make_user(self.session, role, region_code=region_code, unit_id=unit_id, **overrides)
        return self.users[key]

    def headers(self, key: str) -> dict[str, str]:
        """A bearer token's header for the user `key`."""
        return auth_headers(self.session, self.settings, self.users[key])

    def file_report(self, who: str, pairing: str, week: str = WEEK, **body: Any) -> Report:
        return file_report(self.session, self.settings, self.users[who], self.id(pairing), week, **body)

    def submit(self, who: str, county: str = COUNTY, week: str = WEEK) -> Submission:
        return submit_week(self.session, self.settings, self.users[who], county, week)

    def __getattr__(self, name: str) -> Pairing:
        """A pairing by the name it was made under: world.mine."""
        pairings = self.__dict__.get("pairings", {})
        if name in pairings:
            return pairings[name]
        raise AttributeError(name)

    def id(self, pairing: str) -> int:
        found = self.pairings[pairing].id
        assert found is not None
        return found
