"""The access policy without HTTP: every kind of caller against one pairing in 五华区 (COUNTY), its
county's table, its flags and its unit — what each may see and do, the forbidden ones included.
SPEC "Who writes what": the unit's liaisons file its plan and reports, the county (or an admin) may
file on the unit's behalf, city, province and national officers read."""

import pytest

from app.auth.models import Role
from app.auth.policy import Principal
from app.errors import Conflict, Forbidden, NotFound
from app.imports.models import ImportKind
from app.imports.policy import allowed_kinds
from app.pairings.policy import pairing_access
from app.reports.policy import report_access
from app.stats.models import Submission
from app.stats.policy import county_access, province_access, require_national
from app.units.policy import unit_access
from tests.scenario import CITY, COUNTY, OTHER_COUNTY, OTHER_PROVINCE, PROVINCE, WEEK, Scenario

# who: (role, region, unit of the user) — "own" is the pairing's unit, "other" another unit.
WHO = {
    "own liaison": (Role.liaison, None, "own"),
    "other liaison": (Role.liaison, None, "other"),
    "county officer": (Role.officer, COUNTY, None),
    "other county officer": (Role.officer, OTHER_COUNTY, None),
    "city officer": (Role.officer, CITY, None),
    "province officer": (Role.officer, PROVINCE, None),
    "other province officer": (Role.officer, OTHER_PROVINCE, None),
    "national officer": (Role.officer, None, None),
    "admin": (Role.admin, None, None),
}

# who: sees the pairing, edits the agreement, writes plan and reports, reviews them,
#      reads the county table, submits the county's week, accepts or returns it
EXPECTED = {
    "own liaison":            (True,  False, True,  False, False, False, False),
    "other liaison":          (False, False, False, False, False, False, False),
    "county officer":         (True,  True,  True,  True,  True,  True,  False),
    "other county officer":   (False, False, False, False, False, False, False),
    "city officer":           (True,  True,  False, False, True,  False, True),
    "province officer":       (True,  True,  False, False, True,  False, True),
    "other province officer": (False, False, False, False, False, False, False),
    "national officer":       (True,  True,  False, False, True,  False, True),
    "admin":                  (True,  True,  True,  True,  True,  True,  True),
}


@pytest.fixture
def world(session, settings) -> Scenario:
    w = Scenario(session, settings)
    w.pairing("mine", "530102001001", unit="own")
    w.pairing("elsewhere", "530103001001", unit="other")
    for key, (role, region, unit) in WHO.items():
        w.user(key, role, region, unit)
    return w


def principal(world: Scenario, who: str) -> Principal:
    return Principal.of(world.users[who])


@pytest.mark.parametrize("who", list(WHO))
def test_each_caller_may_do_what_its_role_allows_with_a_pairing(session, world, who):
    sees, edits, writes, reviews, reads_table, submits, decides = EXPECTED[who]
    caller = principal(world, who)
    if not sees:
        with pytest.raises(NotFound):
            pairing_access(session, caller, world.id("mine"))
    else:
        access = pairing_access(session, caller, world.id("mine"))
        assert (access.may_edit, access.may_write, access.may_review) == (edits, writes, reviews)
        assert access.on_behalf == (writes and who != "own liaison")
        if not writes:
            with pytest.raises(Forbidden):
                access.require_write("填报该结对的周报")
        if not reviews:
            with pytest.raises(Forbidden):
                access.require_review()
    if not reads_table:
        with pytest.raises(NotFound):
            county_access(session, caller, COUNTY)
        return
    county = county_access(session, caller, COUNTY)
    assert (county.may_submit, county.may_decide) == (submits, decides)


@pytest.mark.parametrize("who, reads", [
    ("province officer", True), ("national officer", True), ("admin", True),
    ("city officer", False), ("county officer", False), ("other province officer", False),
    ("own liaison", False),
])
def test_the_province_table_is_read_by_its_province_the_nation_and_admins(session, world, who, reads):
    if reads:
        assert province_access(session, principal(world, who), PROVINCE).code == PROVINCE
    else:
        with pytest.raises(NotFound):
            province_access(session, principal(world, who), PROVINCE)


@pytest.mark.parametrize("who, reads", [("national officer", True), ("admin", True),
                                        ("province officer", False), ("own liaison", False)])
def test_the_national_table_is_read_by_the_national_office_and_admins(world, who, reads):
    if reads:
        require_national(principal(world, who))
    else:
        with pytest.raises(NotFound):
            require_national(principal(world, who))


def test_a_submitted_week_locks_its_reports_for_writers_and_reviewers(session, world):
    submission = Submission(county_code=COUNTY, week=WEEK, snapshot={}, submitted_by=world.users["county officer"].id)
    session.add(submission)
    session.flush()
    world.file_report("own liaison", "mine", "2020-W28")
    for who in ("own liaison", "county officer", "admin"):
        access = report_access(session, pairing_access(session, principal(world, who), world.id("mine")), WEEK)
        assert access.lock is not None and not access.may_write and not access.may_review
        with pytest.raises(Conflict):
            access.require_unlocked()
    unlocked = report_access(session, pairing_access(session, principal(world, "own liaison"), world.id("mine")),
                             "2020-W28")
    assert unlocked.lock is None and unlocked.may_write


@pytest.mark.parametrize("who, edits", [
    ("own liaison", True), ("county officer", True), ("national officer", True), ("admin", True),
    ("other county officer", False),  # the unit works only in 五华区 and 盘龙区's unit is another
])
def test_who_edits_a_unit(session, world, who, edits):
    access = unit_access(session, principal(world, who), world.units["own"].id)
    assert access.may_edit == edits


def test_a_liaison_edits_its_units_contact_details_but_never_what_registers_it(session, world):
    access = unit_access(session, principal(world, "own liaison"), world.units["own"].id)
    access.require_edit({"contact_name": "李主任", "contact_phone": "0871-6543210"})
    access.require_edit({"name": access.unit.name})  # unchanged: nothing to refuse
    for change in ({"name": "改名公司"}, {"kind": "social_org"}, {"credit_code": "91110108000000000X"}):
        with pytest.raises(Forbidden):
            access.require_edit(change)


def test_a_liaison_sees_only_its_own_unit(session, world):
    with pytest.raises(NotFound):
        unit_access(session, principal(world, "own liaison"), world.units["other"].id)


@pytest.mark.parametrize("who, kinds", [
    ("own liaison", {ImportKind.plans, ImportKind.reports}),
    ("county officer", set(ImportKind)),
    ("admin", set(ImportKind)),
    ("province officer", {ImportKind.villages, ImportKind.units, ImportKind.pairings}),
    ("national officer", {ImportKind.villages, ImportKind.units, ImportKind.pairings}),
])
def test_who_imports_what(world, who, kinds):
    assert set(allowed_kinds(principal(world, who))) == kinds


@pytest.mark.parametrize("who, home, links", [
    ("own liaison", "unit", ["/", "/imports"]),
    ("county officer", "county", ["/", f"/counties/{COUNTY}/table", "/review", "/registry",
                                   "/imports"]),
    ("city officer", "region", ["/", "/registry"]),
    ("province officer", "region", ["/", f"/provinces/{PROVINCE}/table", "/registry", "/publications"]),
    ("national officer", "region", ["/", "/national/table", "/registry", "/publications"]),
    ("admin", "region", ["/", "/national/table", "/registry", "/publications"]),
])
def test_each_caller_opens_on_its_worklist_with_its_pages_in_the_menu(world, who, home, links):
    caller = principal(world, who)
    assert caller.home == home
    assert [link.href for link in caller.nav] == links


@pytest.mark.parametrize("who, reads, prefix", [
    ("own liaison", False, None), ("county officer", True, "530102"), ("city officer", True, "5301"),
    ("province officer", True, "53"), ("national officer", True, None), ("admin", True, None),
])
def test_who_reads_which_part_of_the_audit_trail(world, who, reads, prefix):
    caller = principal(world, who)
    assert caller.may_read_audit == reads
    if reads:
        assert caller.region_prefix == prefix
