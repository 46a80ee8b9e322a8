"""A small two-province campaign for the public-disclosure tests, full of personal data that must
never reach the public: distinctive liaison names and usernames, unit contacts and phones,
stationed staff. The clock is pinned to 2020-07-15 (2020-W29)."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from app.auth.models import Role
from app.common import parse_week
from tests import factories
from tests.scenario import (
    CITY,
    COUNTY,
    OTHER_COUNTY,
    OTHER_PROVINCE,
    OTHER_PROVINCE_COUNTY,
    PROVINCE,
    Scenario,
)

# The places of the shared scenario, by their names.
YUNNAN, GUIZHOU, KUNMING = PROVINCE, OTHER_PROVINCE, CITY
WUHUA, PANLONG, NANMING = COUNTY, OTHER_COUNTY, OTHER_PROVINCE_COUNTY

# Every string here is personal: none may appear in anything public.
PERSONAL = {
    "liaison_name": "欧阳娜娜", "liaison_username": "ouyang_nana_77",
    "liaison2_name": "司马青青", "liaison2_username": "sima_qq_88",
    "other_liaison_name": "皇甫嘉嘉", "other_liaison_username": "huangfu_jj_99",
    "contact_name": "诸葛亮亮", "contact_phone": "13912345678",
    "other_contact_name": "端木蓉蓉", "other_contact_phone": "0871-66554433",
    "member_a": "上官飞燕", "member_b": "慕容复兴", "member_c": "令狐冲冲",
    "county_officer_name": "东方县官", "county_officer_username": "dongfang_county_1",
    "national_officer_name": "南宫国办", "national_officer_username": "nangong_guoban_1",
    "province_officer_name": "西门省办", "province_officer_username": "ximen_yunnan_1",
}

def make_report(session, pairing, week, **overrides):
    """A report filed on the Tuesday of its week, on the campaign's clock."""
    filed = datetime.combine(parse_week(week) + timedelta(days=1), time(2), tzinfo=UTC)
    return factories.make_report(session, pairing, week, submitted_at=filed,
                                 first_submitted_at=filed, **overrides)


STORY_TITLE = "大棚里的新希望"
STORY_BODY = "帮扶单位投入资金建设蔬菜大棚，贫困户在家门口就业，人均月增收一千余元。"


@pytest.fixture
def world(session, settings) -> Scenario:
    """五华区: 大坪村 (mine: reports W26, and W29 with a story) and 新华村 (second: W26 without a
    story) of the unit with two liaisons; 盘龙区 (panlong) and 贵州 南明区 (guizhou) of another unit."""
    w = Scenario(session, settings)
    w.unit("甲农业科技有限公司", contact_name=PERSONAL["contact_name"], contact_phone=PERSONAL["contact_phone"])
    w.unit("乙慈善基金会", kind="social_org", contact_name=PERSONAL["other_contact_name"],
           contact_phone=PERSONAL["other_contact_phone"])
    mine = w.pairing("mine", "530102001001", unit="甲农业科技有限公司", village="大坪村",
                     plan={"members": [PERSONAL["member_a"], PERSONAL["member_b"]]})
    second = w.pairing("second", "530102001002", unit="甲农业科技有限公司", village="新华村",
                       plan={"members": [PERSONAL["member_c"]], "stationed_target": 1})
    panlong = w.pairing("panlong", "530103001001", unit="乙慈善基金会", village="光明村")
    guizhou = w.pairing("guizhou", "520102001001", unit="乙慈善基金会", village="红旗村")
    make_report(session, mine, "2020-W26", funds_arrived_wan=Decimal("12.5"), jobs_done=4)
    make_report(session, mine, "2020-W29", funds_arrived_wan=Decimal("30"), jobs_done=9,
                story_title=STORY_TITLE, story_body=STORY_BODY)
    make_report(session, second, "2020-W26", funds_arrived_wan=Decimal("7.25"), jobs_done=1)
    make_report(session, panlong, "2020-W25", funds_arrived_wan=Decimal("100"), jobs_done=20)
    make_report(session, guizhou, "2020-W26", funds_arrived_wan=Decimal("3.3333"), jobs_done=2)

    w.user("liaison", Role.liaison, unit="甲农业科技有限公司", display_name=PERSONAL["liaison_name"],
           username=PERSONAL["liaison_username"])
    w.user("liaison2", Role.liaison, unit="甲农业科技有限公司", display_name=PERSONAL["liaison2_name"],
           username=PERSONAL["liaison2_username"])
    w.user("other_liaison", Role.liaison, unit="乙慈善基金会", display_name=PERSONAL["other_liaison_name"],
           username=PERSONAL["other_liaison_username"])
    w.user("county", Role.officer, WUHUA, display_name=PERSONAL["county_officer_name"],
           username=PERSONAL["county_officer_username"])
    w.user("panlong", Role.officer, PANLONG)
    w.user("city", Role.officer, KUNMING)
    w.user("province", Role.officer, YUNNAN, display_name=PERSONAL["province_officer_name"],
           username=PERSONAL["province_officer_username"])
    w.user("guizhou", Role.officer, GUIZHOU)
    w.user("national", Role.officer, display_name=PERSONAL["national_officer_name"],
           username=PERSONAL["national_officer_username"])
    w.user("admin", Role.admin)
    return w
