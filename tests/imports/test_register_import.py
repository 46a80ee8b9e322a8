"""Importing villages, units and pairings: the registration rules of the API per row (code
prefixes and the county cross-check, credit-code check digits, five units a village), scope per
row, and officers only."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.imports.models import ImportKind
from app.pairings.models import Pairing
from app.regions.models import Village
from app.units.models import Unit
from tests.factories import credit_code, make_pairing, make_unit
from tests.imports.conftest import OTHER_COUNTY
from tests.imports.files import FORMATS, labels, post


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


# --- villages -------------------------------------------------------------------------------

VILLAGE_HEAD = labels(ImportKind.villages)  # 区划代码 村名称 县代码 是否挂牌督战村 是否建档立卡贫困村 贫困户数 贫困人口数


@pytest.mark.parametrize("fmt", FORMATS)
def test_villages_are_registered_from_chinese_headers(client, session, world, fmt):
    rows = [VILLAGE_HEAD,
            ["530102001010", "新村", "530102000000", "是", "否", 40, 160],
            ["530102001011", "旧村", None, None, "是", None, None]]
    answer = post(client, "villages", rows, fmt, world["headers"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 2, "updated": 0}
    new, old = session.scalars(select(Village).where(Village.code.in_(["530102001010", "530102001011"]))
                               .order_by(Village.code)).all()
    assert (new.name, new.county_code, new.listed, new.registered_poor, new.poor_households) == \
        ("新村", "530102000000", True, False, 40)
    assert (old.listed, old.registered_poor, old.poor_population) == (True, True, 0)


def test_villages_accept_the_api_field_names_as_headers(client, session, world):
    rows = [["code", "name", "listed", "poor_households"], ["530102001012", "三村", "false", "7"]]
    answer = post(client, "villages", rows, "csv", world["headers"])
    assert answer.status_code == 200, answer.text
    village = session.scalars(select(Village).where(Village.code == "530102001012")).one()
    assert village.listed is False and village.poor_households == 7


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_village_under_the_wrong_county_names_both_codes(client, session, world, fmt):
    before = count(session, Village)
    rows = [VILLAGE_HEAD, ["530102001013", "错县村", OTHER_COUNTY, "是", "是", 1, 1]]
    answer = post(client, "villages", rows, fmt, world["headers"])
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == 2 and error["column"] == "县代码"
    assert "530102001013" in error["msg"] and "530102000000" in error["msg"] and OTHER_COUNTY in error["msg"]
    assert count(session, Village) == before


def test_a_county_officer_registers_no_village_of_another_county(client, session, world):
    rows = [VILLAGE_HEAD, ["530102001014", "本县村", None, "是", "是", 1, 1],
            ["530103001020", "邻县村", None, "是", "是", 1, 1]]
    answer = post(client, "villages", rows, "csv", world["headers"])
    assert answer.status_code == 422  # one bad row, not a 403 for the whole file
    [error] = answer.json()["detail"]
    assert (error["row"], error["column"]) == (3, "区划代码")
    assert "530103001020" in error["msg"] and OTHER_COUNTY in error["msg"] and "530102000000" in error["msg"]
    assert session.scalars(select(Village).where(Village.code == "530102001014")).first() is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_village_rows_are_each_listed(client, session, world, fmt):
    rows = [VILLAGE_HEAD,
            ["530102001015", "好村", None, "是", "是", 1, 1],  # 2: good
            ["530102001015", "重复村", None, "是", "是", 1, 1],  # 3: the same code as row 2
            ["530102001016", "负数村", None, "是", "是", -5, 1],  # 4: negative
            ["53010200101", "短码村", None, "是", "是", 1, 1],  # 5: eleven digits
            ["530102001001", "已有村", None, "是", "是", 1, 1],  # 6: already registered
            ["530102001017", "", None, "是", "是", "很多", 1]]  # 7: no name, text for a number
    answer = post(client, "villages", rows, fmt, world["headers"])
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert [(e["row"], e["column"]) for e in detail] == [
        (3, "区划代码"), (4, "贫困户数"), (5, "区划代码"), (6, "区划代码"), (7, "村名称"), (7, "贫困户数")]
    assert "第 2 行重复" in detail[0]["msg"]
    assert "12 位" in detail[2]["msg"]
    assert "已登记" in detail[3]["msg"]
    assert session.scalars(select(Village).where(Village.code == "530102001015")).first() is None


def test_a_liaison_may_not_import_villages_units_or_pairings(client, world):
    for kind in ("villages", "units", "pairings"):
        answer = post(client, kind, [labels(ImportKind(kind))], "csv", world["liaison_headers"])
        assert answer.status_code == 403, kind


# --- units ----------------------------------------------------------------------------------

UNIT_HEAD = labels(ImportKind.units)  # 单位名称 单位类型 统一社会信用代码 所在省 所在市 联系人 联系电话


def unit_row(name, code, kind="民营企业"):
    return [name, kind, code, "北京市", "北京市", "王经理", "010-12345678"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_units_are_registered_or_updated_by_credit_code(client, session, world, fmt):
    existing = world["unit_b"]  # paired in the officer's county: the officer may edit it
    new_code = credit_code(990001)
    rows = [UNIT_HEAD, unit_row("丙公司", new_code, "社会组织"),
            unit_row("乙公司（更名）", existing.credit_code.lower(), "国有企业")]
    answer = post(client, "units", rows, fmt, world["headers"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 1, "updated": 1}
    created = session.scalars(select(Unit).where(Unit.credit_code == new_code)).one()
    assert (created.name, created.kind) == ("丙公司", "social_org")
    session.refresh(existing)
    assert (existing.name, existing.kind) == ("乙公司（更名）", "state_owned")


def test_bad_unit_rows_are_each_listed(client, session, world):
    good = credit_code(990002)
    wrong_digit = good[:17] + ("0" if good[17] != "0" else "1")
    before = count(session, Unit)
    rows = [UNIT_HEAD, unit_row("丁公司", good),
            unit_row("戊公司", wrong_digit),  # 3: check digit
            unit_row("己公司", credit_code(990003), "外企"),  # 4: no such kind
            unit_row("甲公司", credit_code(990004)),  # 5: the name of another unit
            unit_row("丁公司二", good)]  # 6: the credit code of row 2 again
    answer = post(client, "units", rows, "xlsx", world["headers"])
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert [(e["row"], e["column"]) for e in detail] == [
        (3, "统一社会信用代码"), (4, "单位类型"), (5, "单位名称"), (6, "统一社会信用代码")]
    assert "校验位" in detail[0]["msg"] and "民营企业" in detail[1]["msg"] and "甲公司" in detail[2]["msg"]
    assert count(session, Unit) == before


# --- pairings -------------------------------------------------------------------------------

PAIRING_HEAD = ["帮扶单位统一社会信用代码", "村代码", "签订日期", "至少投入扶贫资金（万元）"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_pairings_are_registered_by_unit_credit_code_or_number(client, session, world, fmt):
    unit = make_unit(session, name="庚公司")
    rows = [PAIRING_HEAD, [unit.credit_code, "530102001001", "2020-04-20", 30],
            [world["unit_b"].credit_code, "530102001001", "2020/5/6", "12.5"]]
    answer = post(client, "pairings", rows, fmt, world["headers"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 2, "updated": 0}
    pairing = session.scalars(select(Pairing).where(Pairing.unit_id == world["unit_b"].id,
                                                    Pairing.signed_on == date(2020, 5, 6))).one()
    assert pairing.committed_funds_wan == Decimal("12.5")
    assert pairing.valid_until.isoformat() == "2020-12-31"  # the campaign's end
    rows = [["unit_id", "village_code", "signed_on", "committed_funds_wan", "valid_until"],
            [unit.id, "530102001002", "2020-06-01", 5, "2020-11-30"]]
    answer = post(client, "pairings", rows, fmt, world["headers"])
    assert answer.status_code == 200 and answer.json() == {"created": 1, "updated": 0}


def test_bad_pairing_rows_are_each_listed(client, session, world):
    village = session.get(Village, world["first"].village_id)
    for _ in range(4):  # the village has its first pairing already: four more fill it
        make_pairing(session, make_unit(session), village)
    spare = make_unit(session)
    before = count(session, Pairing)
    sixth = make_unit(session, name="第六家")
    rows = [PAIRING_HEAD,
            [sixth.credit_code, "530102001001", "2020-04-20", 30],  # 2: a sixth unit
            [sixth.credit_code, "530103001001", "2020-04-20", 30],  # 3: another county's village
            [credit_code(990009), "530102001002", "2020-04-20", 30],  # 4: an unknown unit
            [spare.credit_code, "530102001002", "2020-13-01", -1],  # 5: no such date, negative
            [sixth.credit_code, "530102001002", "2020-04-20", 30],  # 6: good
            [sixth.credit_code, "530102001002", "2020-04-21", 40]]  # 7: the same pair again
    answer = post(client, "pairings", rows, "csv", world["headers"])
    assert answer.status_code == 422
    detail = answer.json()["detail"]
    assert [(e["row"], e["column"]) for e in detail] == [
        (2, "村代码"), (3, "村代码"), (4, "帮扶单位统一社会信用代码"), (5, "签订日期"),
        (5, "至少投入扶贫资金（万元）"), (7, "村代码")]
    assert "最多 5 家" in detail[0]["msg"]
    assert "530103001001" in detail[1]["msg"]
    assert count(session, Pairing) == before


def test_a_pairings_file_needs_a_unit_column(client, world):
    answer = post(client, "pairings", [PAIRING_HEAD[1:], ["530102001001", "2020-04-20", 30]], "csv",
                  world["headers"])
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == 1 and "帮扶单位编号" in error["msg"] and "统一社会信用代码" in error["msg"]


def test_a_dry_run_of_villages_stores_nothing(client, session, world):
    before = count(session, Village)
    rows = [VILLAGE_HEAD, ["530102001030", "试村", None, "是", "是", 1, 1]]
    answer = post(client, "villages", rows, "xlsx", world["headers"], dry_run=True)
    assert answer.status_code == 200 and answer.json() == {"created": 1, "updated": 0}
    assert count(session, Village) == before


def test_dates_are_read_as_people_type_them_and_never_as_timestamps(client, session, world):
    unit = make_unit(session)
    rows = [PAIRING_HEAD, [unit.credit_code, "530102001002", "20200420", 30],
            [unit.credit_code, "530102001001", "1587340800", 30]]  # 2020-04-20 00:00 UTC in seconds
    answer = post(client, "pairings", rows, "csv", world["headers"])
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["detail"]] == [(3, "签订日期")]
    answer = post(client, "pairings", [PAIRING_HEAD, [unit.credit_code, "530102001002", "20200420", 30],
                                       [unit.credit_code, "530102001001", "2020年4月21日", 30]], "xlsx",
                  world["headers"])
    assert answer.status_code == 200, answer.text
    signed = set(session.scalars(select(Pairing.signed_on).where(Pairing.unit_id == unit.id)))
    assert signed == {date(2020, 4, 20), date(2020, 4, 21)}
