"""A small two-province campaign for the public-disclosure tests, full of personal data that must
never reach the public: distinctive liaison names and usernames, unit contacts and phones,
stationed staff. The clock is pinned to 2020-07-15 (2020-W29)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from app.auth.models import Role, User
from app.common import parse_week
from app.pairings.models import Pairing
from tests import factories
from tests.factories import (
    auth_headers,
    ensure_region,
    make_pairing,
    make_plan,
    make_unit,
    make_user,
    make_village,
)

YUNNAN, GUIZHOU = "530000000000", "520000000000"
WUHUA, PANLONG, NANMING = "530102000000", "530103000000", "520102000000"
KUNMING = "530100000000"

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


@dataclass
class World:
    session: object
    settings: object
    mine: Pairing  # 五华区 大坪村, the unit with two liaisons; reports W26 and W29 (with a story)
    second: Pairing  # 五华区 新华村, same unit; report W26 without a story
    panlong: Pairing  # 盘龙区 (another county of 云南)
    guizhou: Pairing  # 贵州 南明区
    users: dict[str, User] = field(default_factory=dict)

    def headers(self, who: str) -> dict:
        return auth_headers(self.session, self.settings, self.users[who])


@pytest.fixture
def world(session, settings) -> World:
    ensure_region(session, YUNNAN, "云南省")
    ensure_region(session, KUNMING, "昆明市")
    ensure_region(session, WUHUA, "五华区")
    ensure_region(session, PANLONG, "盘龙区")
    ensure_region(session, GUIZHOU, "贵州省")
    ensure_region(session, NANMING, "南明区")
    unit = make_unit(session, name="甲农业科技有限公司", contact_name=PERSONAL["contact_name"],
                     contact_phone=PERSONAL["contact_phone"])
    other_unit = make_unit(session, name="乙慈善基金会", kind="social_org",
                           contact_name=PERSONAL["other_contact_name"],
                           contact_phone=PERSONAL["other_contact_phone"])
    mine = make_pairing(session, unit, make_village(session, code="530102001001", name="大坪村"))
    second = make_pairing(session, unit, make_village(session, code="530102001002", name="新华村"))
    panlong = make_pairing(session, other_unit, make_village(session, code="530103001001", name="光明村"))
    guizhou = make_pairing(session, other_unit, make_village(session, code="520102001001", name="红旗村"))
    make_plan(session, mine, members=[PERSONAL["member_a"], PERSONAL["member_b"]])
    make_plan(session, second, members=[PERSONAL["member_c"]], stationed_target=1)
    make_plan(session, panlong)
    make_plan(session, guizhou)
    make_report(session, mine, "2020-W26", funds_arrived_wan=Decimal("12.5"), jobs_done=4)
    make_report(session, mine, "2020-W29", funds_arrived_wan=Decimal("30"), jobs_done=9,
                story_title=STORY_TITLE, story_body=STORY_BODY)
    make_report(session, second, "2020-W26", funds_arrived_wan=Decimal("7.25"), jobs_done=1)
    make_report(session, panlong, "2020-W25", funds_arrived_wan=Decimal("100"), jobs_done=20)
    make_report(session, guizhou, "2020-W26", funds_arrived_wan=Decimal("3.3333"), jobs_done=2)

    users = {
        "liaison": make_user(session, Role.liaison, unit_id=unit.id, display_name=PERSONAL["liaison_name"],
                             username=PERSONAL["liaison_username"]),
        "liaison2": make_user(session, Role.liaison, unit_id=unit.id, display_name=PERSONAL["liaison2_name"],
                              username=PERSONAL["liaison2_username"]),
        "other_liaison": make_user(session, Role.liaison, unit_id=other_unit.id,
                                   display_name=PERSONAL["other_liaison_name"],
                                   username=PERSONAL["other_liaison_username"]),
        "county": make_user(session, Role.officer, region_code=WUHUA,
                            display_name=PERSONAL["county_officer_name"],
                            username=PERSONAL["county_officer_username"]),
        "panlong": make_user(session, Role.officer, region_code=PANLONG),
        "city": make_user(session, Role.officer, region_code=KUNMING),
        "province": make_user(session, Role.officer, region_code=YUNNAN,
                              display_name=PERSONAL["province_officer_name"],
                              username=PERSONAL["province_officer_username"]),
        "guizhou": make_user(session, Role.officer, region_code=GUIZHOU),
        "national": make_user(session, Role.officer, display_name=PERSONAL["national_officer_name"],
                              username=PERSONAL["national_officer_username"]),
        "admin": make_user(session, Role.admin),
    }
    return World(session, settings, mine, second, panlong, guizhou, users)
