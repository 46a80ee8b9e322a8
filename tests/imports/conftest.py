"""A county with two pairings of two units, and a neighbouring county, for the import tests."""

import pytest

from app.auth.models import Role
from tests.scenario import COUNTY, OTHER_COUNTY, Scenario

__all__ = ["COUNTY", "OTHER_COUNTY"]


@pytest.fixture
def world(session, settings):
    w = Scenario(session, settings)
    first = w.pairing("first", "530102001001", unit="甲公司", village="大坪村")
    second = w.pairing("second", "530102001002", unit="乙公司", village="小河村")
    far = w.pairing("far", "530103001001", unit="甲公司", village="远山村")
    w.user("officer", Role.officer, COUNTY)
    w.user("other_officer", Role.officer, OTHER_COUNTY)
    w.user("liaison", Role.liaison, unit="甲公司")
    return {
        "unit_a": w.units["甲公司"], "unit_b": w.units["乙公司"], "first": first, "second": second, "far": far,
        **w.users, "headers": w.headers("officer"), "liaison_headers": w.headers("liaison"),
        "other_headers": w.headers("other_officer"),
    }
