"""A county with two pairings of two units, and a neighbouring county, for the import tests."""

import pytest

from app.auth.models import Role
from tests.factories import (
    auth_headers,
    ensure_region,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
)

COUNTY = "530102000000"
OTHER_COUNTY = "530103000000"


@pytest.fixture
def world(session, settings):
    ensure_region(session, "530000000000", "云南省")
    ensure_region(session, COUNTY, "五华区")
    ensure_region(session, "530102001000", "普吉街道")
    ensure_region(session, OTHER_COUNTY, "盘龙区")
    ensure_region(session, "530103001000", "拓东街道")
    unit_a, unit_b = make_unit(session, name="甲公司"), make_unit(session, name="乙公司")
    first = make_pairing(session, unit_a, make_village(session, code="530102001001", name="大坪村"))
    second = make_pairing(session, unit_b, make_village(session, code="530102001002", name="小河村"))
    far = make_pairing(session, unit_a, make_village(session, code="530103001001", name="远山村"))
    for pairing in (first, second, far):
        make_plan(session, pairing)
    officer = make_user(session, Role.officer, region_code=COUNTY)
    other_officer = make_user(session, Role.officer, region_code=OTHER_COUNTY)
    liaison = make_user(session, Role.liaison, unit_id=unit_a.id)
    return {
        "unit_a": unit_a, "unit_b": unit_b, "first": first, "second": second, "far": far,
        "officer": officer, "liaison": liaison, "other_officer": other_officer,
        "headers": auth_headers(session, settings, officer),
        "liaison_headers": auth_headers(session, settings, liaison),
        "other_headers": auth_headers(session, settings, other_officer),
    }
