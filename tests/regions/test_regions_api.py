"""Regions (province → township) and villages: code-shape rules, scope, strict bodies."""

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import Role
from app.regions.models import Region, Village
from tests.factories import (
    auth_headers,
    ensure_region,
    make_pairing,
    make_unit,
    make_user,
    make_village,
)
from tests.scenario import CITY, COUNTY, OTHER_COUNTY, PROVINCE

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")

TOWNSHIP = "530102001000"
OTHER_TOWNSHIP = "530103001000"
OTHER_PROVINCE_TOWNSHIP = "520102001000"  # 贵州省贵阳市南明区


# --- helpers ---------------------------------------------------------------------------------


def field_error(answer, field: str) -> dict:
    """The 422 detail item whose loc names `field`; its message must be Chinese."""
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    items = [d for d in detail if field in d["loc"]]
    assert items, f"no error names {field!r}: {detail}"
    item = items[0]
    assert item["loc"][0] == "body", item
    assert CJK.search(item["msg"]), item
    assert item["type"], item
    return item


def region_stored(session, code: str) -> bool:
    return session.scalars(select(Region).where(Region.code == code)).first() is not None


def village_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Village))


def post_region(client, headers, code, level, name="某区划", **extra):
    body = {"code": code, "name": name, "level": level, **extra}
    return client.post(f"{API}/regions", json=body, headers=headers)


def village_body(code="530102001001", **overrides) -> dict:
    body = {"code": code, "name": "新华村", "listed": True, "registered_poor": True,
            "poor_households": 42, "poor_population": 150}
    body.update(overrides)
    return body


@pytest.fixture
def admin_headers(session, settings):
    return auth_headers(session, settings, make_user(session, Role.admin))


def officer_headers(session, settings, region_code):
    return auth_headers(session, settings, make_user(session, Role.officer, region_code=region_code))


# --- regions: creation -----------------------------------------------------------------------


def test_admin_registers_province_city_county_and_township_each_under_its_parent(
    client, session, admin_headers
):
    chain = [(PROVINCE, "province", "云南省", None), (CITY, "city", "昆明市", PROVINCE),
             (COUNTY, "county", "五华区", CITY), (TOWNSHIP, "township", "华山街道", COUNTY)]
    for code, level, name, parent in chain:
        answer = post_region(client, admin_headers, code, level, name)
        assert answer.status_code == 201, answer.text
        assert answer.json() == {"code": code, "name": name, "level": level, "parent_code": parent}
    stored = session.scalars(select(Region).order_by(Region.code)).all()
    assert [(r.code, r.level, r.parent_code) for r in stored] == [
        (PROVINCE, "province", None), (CITY, "city", PROVINCE), (COUNTY, "county", CITY),
        (TOWNSHIP, "township", COUNTY),
    ]
    fetched = client.get(f"{API}/regions/{TOWNSHIP}", headers=admin_headers)
    assert fetched.status_code == 200
    assert fetched.json()["name"] == "华山街道" and fetched.json()["parent_code"] == COUNTY


def test_region_name_is_stripped_and_code_whitespace_is_tolerated(client, session, admin_headers):
    ensure_region(session, COUNTY)
    answer = post_region(client, admin_headers, f" {TOWNSHIP} ", "township", name="  华山街道  ")
    assert answer.status_code == 201, answer.text
    assert answer.json()["code"] == TOWNSHIP and answer.json()["name"] == "华山街道"


@pytest.mark.parametrize(
    ("code", "level"),
    [
        (PROVINCE, "city"),
        (CITY, "province"),
        (CITY, "county"),
        (COUNTY, "township"),
        (TOWNSHIP, "county"),
        ("530102001001", "township"),  # a village code
    ],
)
def test_level_that_disagrees_with_the_code_shape_is_refused_naming_level(
    client, session, admin_headers, code, level
):
    ensure_region(session, "530102001000")  # every parent exists: only the level is wrong
    before = session.scalar(select(func.count()).select_from(Region))
    answer = post_region(client, admin_headers, code, level)
    item = field_error(answer, "level")
    assert code in item["msg"]
    assert session.scalar(select(func.count()).select_from(Region)) == before


def test_village_level_is_not_a_region_level(client, session, admin_headers):
    ensure_region(session, TOWNSHIP)
    answer = post_region(client, admin_headers, "530102001001", "village")
    field_error(answer, "level")
    assert not region_stored(session, "530102001001")


def test_unknown_level_is_refused_naming_level(client, session, admin_headers):
    field_error(post_region(client, admin_headers, PROVINCE, "state"), "level")
    assert not region_stored(session, PROVINCE)


@pytest.mark.parametrize(
    ("code", "level", "present", "missing"),
    [
        (CITY, "city", None, PROVINCE),
        (COUNTY, "county", PROVINCE, CITY),
        (TOWNSHIP, "township", CITY, COUNTY),
    ],
)
def test_child_whose_parent_is_not_registered_is_refused(
    client, session, admin_headers, code, level, present, missing
):
    if present:
        ensure_region(session, present)
    answer = post_region(client, admin_headers, code, level)
    item = field_error(answer, "code")
    assert missing in item["msg"]
    assert not region_stored(session, code)


@pytest.mark.parametrize(
    "code",
    [
        "5301",
        "53010200100",  # 11 digits
        "5301020010000",  # 13 digits
        "53010200100A",
        "5301-2001000",
        "",
        "000000000000",  # no province
        "53010200１000",  # a full-width digit is not a digit of a division code
        "５３０１０２００１０００",
    ],
)
def test_code_that_is_not_twelve_ascii_digits_is_refused_naming_code(client, session, admin_headers, code):
    ensure_region(session, COUNTY)
    before = session.scalar(select(func.count()).select_from(Region))
    field_error(post_region(client, admin_headers, code, "township"), "code")
    assert session.scalar(select(func.count()).select_from(Region)) == before


def test_number_instead_of_code_text_is_refused_naming_code(client, session, admin_headers):
    field_error(post_region(client, admin_headers, 530000000000, "province"), "code")
    assert not region_stored(session, PROVINCE)


@pytest.mark.parametrize("field", ["parent_code", "id"])
def test_unknown_field_in_a_region_body_is_refused(client, session, admin_headers, field):
    answer = post_region(client, admin_headers, PROVINCE, "province", **{field: "1"})
    item = field_error(answer, field)
    assert item["type"] == "extra_forbidden"
    assert not region_stored(session, PROVINCE)


def test_empty_or_missing_region_name_is_refused(client, session, admin_headers):
    item = field_error(post_region(client, admin_headers, PROVINCE, "province", name="   "), "name")
    assert "名称" in item["msg"]
    answer = client.post(f"{API}/regions", json={"code": PROVINCE, "level": "province"},
                         headers=admin_headers)
    assert field_error(answer, "name")["type"] == "missing"
    assert not region_stored(session, PROVINCE)


def test_duplicate_region_is_409(client, session, admin_headers):
    ensure_region(session, CITY, name="昆明市")
    answer = post_region(client, admin_headers, CITY, "city", name="另一个昆明")
    assert answer.status_code == 409
    assert CITY in answer.json()["detail"]
    assert session.scalars(select(Region).where(Region.code == CITY)).one().name == "昆明市"


def test_county_officer_registers_a_township_in_its_county(client, session, settings):
    headers = officer_headers(session, settings, COUNTY)
    answer = post_region(client, headers, TOWNSHIP, "township", name="华山街道")
    assert answer.status_code == 201, answer.text
    assert answer.json()["parent_code"] == COUNTY
    assert region_stored(session, TOWNSHIP)


def test_county_officer_may_not_register_a_region_outside_its_county(client, session, settings):
    headers = officer_headers(session, settings, COUNTY)
    ensure_region(session, OTHER_COUNTY)
    ensure_region(session, "520102000000")
    for code, level in [(OTHER_TOWNSHIP, "township"), (OTHER_PROVINCE_TOWNSHIP, "township"),
                        ("530104000000", "county"), ("530200000000", "city")]:
        answer = post_region(client, headers, code, level)
        assert answer.status_code == 403, (code, answer.text)
        assert not region_stored(session, code)


def test_county_officer_may_not_register_its_own_county_nor_its_city(client, session, settings):
    headers = officer_headers(session, settings, COUNTY)  # makes the county and its city exist
    assert post_region(client, headers, COUNTY, "county").status_code == 403
    assert post_region(client, headers, CITY, "city").status_code == 403


def test_city_officer_registers_a_county_of_its_city_but_not_of_another_city(client, session, settings):
    headers = officer_headers(session, settings, CITY)
    ensure_region(session, "530300000000")
    assert post_region(client, headers, "530111000000", "county").status_code == 201
    assert post_region(client, headers, "530302000000", "county").status_code == 403
    assert not region_stored(session, "530302000000")


def test_liaison_may_not_register_regions(client, session, settings):
    ensure_region(session, COUNTY)
    liaison = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    answer = post_region(client, auth_headers(session, settings, liaison), TOWNSHIP, "township")
    assert answer.status_code == 403
    assert not region_stored(session, TOWNSHIP)


def test_regions_need_a_token(client, session):
    assert client.post(f"{API}/regions", json={"code": PROVINCE, "name": "云南省",
                                                "level": "province"}).status_code == 401
    assert client.get(f"{API}/regions").status_code == 401
    assert not region_stored(session, PROVINCE)


# --- regions: reading ------------------------------------------------------------------------


def test_region_list_filters_by_level_and_parent_code(client, session, admin_headers):
    for code in ["530102001000", "530102002000", "530102003000", "530103001000"]:
        ensure_region(session, code)
    answer = client.get(f"{API}/regions", params={"level": "township", "parent_code": COUNTY},
                        headers=admin_headers)
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 3
    assert [r["code"] for r in body["items"]] == ["530102001000", "530102002000", "530102003000"]

    counties = client.get(f"{API}/regions", params={"level": "county"}, headers=admin_headers).json()
    assert [r["code"] for r in counties["items"]] == [COUNTY, OTHER_COUNTY]
    assert all(r["level"] == "county" for r in counties["items"])

    under_city = client.get(f"{API}/regions", params={"parent_code": CITY}, headers=admin_headers).json()
    assert {r["code"] for r in under_city["items"]} == {COUNTY, OTHER_COUNTY}


def test_region_list_pages_with_limit_and_offset(client, session, admin_headers):
    codes = [f"530102{n:03d}000" for n in range(1, 6)]
    for code in codes:
        ensure_region(session, code)
    params = {"level": "township", "limit": 2, "offset": 1}
    body = client.get(f"{API}/regions", params=params, headers=admin_headers).json()
    assert set(body) == {"items", "total"}
    assert body["total"] == 5
    assert [r["code"] for r in body["items"]] == codes[1:3]
    params["offset"] = 4
    assert [r["code"] for r in client.get(f"{API}/regions", params=params,
                                          headers=admin_headers).json()["items"]] == codes[4:]


@pytest.mark.parametrize(("params", "field"), [({"limit": 0}, "limit"), ({"limit": 1001}, "limit"),
                                               ({"offset": -1}, "offset"), ({"level": "galaxy"}, "level")])
def test_region_list_bad_query_parameters_are_422_naming_them(client, admin_headers, params, field):
    answer = client.get(f"{API}/regions", params=params, headers=admin_headers)
    assert answer.status_code == 422
    item = answer.json()["detail"][0]
    assert item["loc"] == ["query", field] and CJK.search(item["msg"])


def test_any_signed_in_user_reads_regions(client, session, settings):
    ensure_region(session, TOWNSHIP)
    liaison = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    answer = client.get(f"{API}/regions/{COUNTY}", headers=auth_headers(session, settings, liaison))
    assert answer.status_code == 200 and answer.json()["level"] == "county"


@pytest.mark.parametrize("code", ["530199000000", "5301", "abc"])
def test_unknown_region_is_404(client, session, admin_headers, code):
    ensure_region(session, CITY)
    answer = client.get(f"{API}/regions/{code}", headers=admin_headers)
    assert answer.status_code == 404
    assert CJK.search(answer.json()["detail"])


# --- villages: creation ----------------------------------------------------------------------


def test_village_gets_its_township_and_county_from_its_code(client, session, admin_headers):
    ensure_region(session, TOWNSHIP)
    answer = client.post(f"{API}/villages", json=village_body(), headers=admin_headers)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        "code": "530102001001", "name": "新华村", "township_code": TOWNSHIP, "county_code": COUNTY,
        "listed": True, "registered_poor": True, "poor_households": 42, "poor_population": 150,
    }
    village = session.scalars(select(Village).where(Village.code == "530102001001")).one()
    assert (village.township_code, village.county_code, village.city_code, village.province_code) == (
        TOWNSHIP, COUNTY, CITY, PROVINCE)


def test_village_flags_and_counts_have_defaults(client, session, admin_headers):
    ensure_region(session, TOWNSHIP)
    answer = client.post(f"{API}/villages", json={"code": "530102001002", "name": "和平村"},
                         headers=admin_headers)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["listed"], body["registered_poor"], body["poor_households"], body["poor_population"]) == (
        True, False, 0, 0)


def test_village_with_a_matching_county_code_is_accepted(client, session, admin_headers):
    ensure_region(session, TOWNSHIP)
    answer = client.post(f"{API}/villages", json=village_body(county_code=COUNTY), headers=admin_headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["county_code"] == COUNTY


@pytest.mark.parametrize("code", [TOWNSHIP, COUNTY, PROVINCE])
def test_village_code_ending_in_000_is_refused_naming_code(client, session, admin_headers, code):
    ensure_region(session, TOWNSHIP)
    item = field_error(client.post(f"{API}/villages", json=village_body(code), headers=admin_headers),
                       "code")
    assert code in item["msg"]
    assert village_count(session) == 0


def test_village_code_without_a_township_segment_is_refused(client, session, admin_headers):
    ensure_region(session, TOWNSHIP)  # the county 530102000000 exists, but it is no township
    answer = client.post(f"{API}/villages", json=village_body("530102000001"), headers=admin_headers)
    item = field_error(answer, "code")
    assert "530102000001" in item["msg"]
    assert village_count(session) == 0


def test_village_under_a_missing_township_is_refused(client, session, admin_headers):
    ensure_region(session, COUNTY)
    answer = client.post(f"{API}/villages", json=village_body("530102009001"), headers=admin_headers)
    item = field_error(answer, "code")
    assert "530102009000" in item["msg"]
    assert village_count(session) == 0


def test_village_whose_county_code_disagrees_names_both_codes(client, session, admin_headers):
    ensure_region(session, TOWNSHIP)
    ensure_region(session, OTHER_TOWNSHIP)
    body = village_body("530102001001", county_code=OTHER_COUNTY)
    item = field_error(client.post(f"{API}/villages", json=body, headers=admin_headers), "county_code")
    assert "530102001001" in item["msg"] or COUNTY in item["msg"]
    assert COUNTY in item["msg"] and OTHER_COUNTY in item["msg"]
    assert village_count(session) == 0


@pytest.mark.parametrize("field", ["poor_households", "poor_population"])
def test_negative_count_is_refused_naming_the_field(client, session, admin_headers, field):
    ensure_region(session, TOWNSHIP)
    answer = client.post(f"{API}/villages", json=village_body(**{field: -1}), headers=admin_headers)
    item = field_error(answer, field)
    assert "不能小于 0" in item["msg"]
    assert village_count(session) == 0


@pytest.mark.parametrize(("field", "value", "words"), [
    ("poor_households", "很多", "必须是整数"),
    ("poor_population", "12人", "必须是整数"),
    ("poor_households", 1.5, "必须是整数"),
    ("poor_population", [1], "必须是整数"),
    ("listed", "也许", "是/否"),
    ("name", 123, "必须是文本"),
])
def test_wrong_type_in_a_village_field_is_refused_naming_it(
    client, session, admin_headers, field, value, words
):
    ensure_region(session, TOWNSHIP)
    answer = client.post(f"{API}/villages", json=village_body(**{field: value}), headers=admin_headers)
    item = field_error(answer, field)
    assert words in item["msg"]
    assert village_count(session) == 0


@pytest.mark.parametrize("field", ["id", "status", "township_code", "city_code", "province_code"])
def test_unknown_field_in_a_village_body_is_refused(client, session, admin_headers, field):
    ensure_region(session, TOWNSHIP)
    answer = client.post(f"{API}/villages", json=village_body(**{field: "1"}), headers=admin_headers)
    item = field_error(answer, field)
    assert item["type"] == "extra_forbidden" and "不接受字段" in item["msg"]
    assert village_count(session) == 0


@pytest.mark.parametrize("field", ["code", "name"])
def test_missing_village_field_is_refused(client, session, admin_headers, field):
    ensure_region(session, TOWNSHIP)
    body = village_body()
    del body[field]
    item = field_error(client.post(f"{API}/villages", json=body, headers=admin_headers), field)
    assert "必填" in item["msg"]
    assert village_count(session) == 0


@pytest.mark.parametrize("code", ["53010200100", "53010200100x", "53010200100１"])
def test_malformed_village_code_is_refused(client, session, admin_headers, code):
    ensure_region(session, TOWNSHIP)
    field_error(client.post(f"{API}/villages", json=village_body(code), headers=admin_headers), "code")
    assert village_count(session) == 0


def test_several_bad_fields_are_all_reported(client, session, admin_headers):
    ensure_region(session, TOWNSHIP)
    body = village_body(poor_households=-3, poor_population="x", name="")
    answer = client.post(f"{API}/villages", json=body, headers=admin_headers)
    for field in ("poor_households", "poor_population", "name"):
        field_error(answer, field)
    assert village_count(session) == 0


def test_duplicate_village_is_409(client, session, admin_headers):
    make_village(session, "530102001001", name="老村名")
    answer = client.post(f"{API}/villages", json=village_body("530102001001"), headers=admin_headers)
    assert answer.status_code == 409
    assert "530102001001" in answer.json()["detail"]
    assert session.scalars(select(Village)).one().name == "老村名"


def test_county_officer_registers_a_village_in_its_county(client, session, settings):
    headers = officer_headers(session, settings, COUNTY)
    ensure_region(session, TOWNSHIP)
    answer = client.post(f"{API}/villages", json=village_body(), headers=headers)
    assert answer.status_code == 201, answer.text


def test_officer_of_one_county_may_not_register_a_village_in_another(client, session, settings):
    headers = officer_headers(session, settings, COUNTY)
    ensure_region(session, OTHER_TOWNSHIP)
    answer = client.post(f"{API}/villages", json=village_body("530103001001"), headers=headers)
    assert answer.status_code == 403
    assert OTHER_COUNTY in answer.json()["detail"]
    assert village_count(session) == 0


def test_liaison_may_not_register_a_village(client, session, settings):
    ensure_region(session, TOWNSHIP)
    liaison = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    answer = client.post(f"{API}/villages", json=village_body(),
                         headers=auth_headers(session, settings, liaison))
    assert answer.status_code == 403
    assert village_count(session) == 0


# --- villages: scope -------------------------------------------------------------------------


@pytest.fixture
def two_counties_and_another_province(session):
    """Two villages in 五华区, one in 盘龙区 (same city) and one in 贵州省."""
    return {
        "here": [make_village(session, "530102001001"), make_village(session, "530102001002", listed=False)],
        "there": make_village(session, "530103001001"),
        "far": make_village(session, "520102001001"),
    }


def listed_codes(client, headers, **params) -> list[str]:
    answer = client.get(f"{API}/villages", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total"] == len(body["items"]) or "limit" in params
    return [v["code"] for v in body["items"]]


def test_county_officer_lists_only_villages_of_its_county(client, session, settings,
                                                          two_counties_and_another_province):
    headers = officer_headers(session, settings, COUNTY)
    assert listed_codes(client, headers) == ["530102001001", "530102001002"]
    # asking for another county does not widen the scope
    assert listed_codes(client, headers, county_code=OTHER_COUNTY) == []


def test_county_officer_gets_404_for_a_village_of_another_county(client, session, settings,
                                                                two_counties_and_another_province):
    headers = officer_headers(session, settings, COUNTY)
    assert client.get(f"{API}/villages/530102001001", headers=headers).status_code == 200
    assert client.get(f"{API}/villages/530103001001", headers=headers).status_code == 404
    assert client.get(f"{API}/villages/520102001001", headers=headers).status_code == 404


def test_city_officer_sees_every_county_of_its_city(client, session, settings,
                                                    two_counties_and_another_province):
    headers = officer_headers(session, settings, CITY)
    assert listed_codes(client, headers) == ["530102001001", "530102001002", "530103001001"]
    assert client.get(f"{API}/villages/520102001001", headers=headers).status_code == 404


def test_province_officer_sees_both_counties_of_its_province_but_not_another_province(
    client, session, settings, two_counties_and_another_province
):
    headers = officer_headers(session, settings, PROVINCE)
    assert listed_codes(client, headers) == ["530102001001", "530102001002", "530103001001"]
    assert listed_codes(client, headers, county_code=OTHER_COUNTY) == ["530103001001"]
    assert client.get(f"{API}/villages/530103001001", headers=headers).status_code == 200
    assert client.get(f"{API}/villages/520102001001", headers=headers).status_code == 404


def test_national_officer_and_admin_see_every_village(client, session, settings,
                                                      two_counties_and_another_province):
    national = auth_headers(session, settings, make_user(session, Role.officer))
    admin = auth_headers(session, settings, make_user(session, Role.admin))
    everything = ["520102001001", "530102001001", "530102001002", "530103001001"]
    assert listed_codes(client, national) == everything
    assert listed_codes(client, admin) == everything


def test_liaison_sees_only_villages_its_unit_is_paired_with(client, session, settings,
                                                            two_counties_and_another_province):
    villages = two_counties_and_another_province
    unit, other_unit = make_unit(session), make_unit(session)
    make_pairing(session, unit, villages["there"])
    make_pairing(session, unit, villages["far"])
    make_pairing(session, other_unit, villages["here"][0])
    headers = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit.id))
    assert listed_codes(client, headers) == ["520102001001", "530103001001"]
    assert client.get(f"{API}/villages/530103001001", headers=headers).status_code == 200
    assert client.get(f"{API}/villages/530102001001", headers=headers).status_code == 404


def test_liaison_of_an_unpaired_unit_sees_no_villages(client, session, settings,
                                                      two_counties_and_another_province):
    headers = auth_headers(session, settings,
                           make_user(session, Role.liaison, unit_id=make_unit(session).id))
    assert listed_codes(client, headers) == []


def test_village_list_filters_by_county_and_listed_and_pages(client, session, admin_headers,
                                                             two_counties_and_another_province):
    assert listed_codes(client, admin_headers, county_code=COUNTY) == ["530102001001", "530102001002"]
    assert listed_codes(client, admin_headers, county_code=COUNTY, listed="false") == ["530102001002"]
    assert listed_codes(client, admin_headers, listed="true") == [
        "520102001001", "530102001001", "530103001001"]
    page = client.get(f"{API}/villages", params={"limit": 2, "offset": 1}, headers=admin_headers).json()
    assert page["total"] == 4
    assert [v["code"] for v in page["items"]] == ["530102001001", "530102001002"]


def test_unknown_village_is_404(client, admin_headers):
    answer = client.get(f"{API}/villages/530102001999", headers=admin_headers)
    assert answer.status_code == 404 and CJK.search(answer.json()["detail"])


# --- villages: changes -----------------------------------------------------------------------


def stored_village(session, code: str) -> Village:
    session.expire_all()
    return session.scalars(select(Village).where(Village.code == code)).one()


def test_patch_changes_only_the_given_fields(client, session, settings):
    make_village(session, "530102001001", name="新华村", poor_households=50, poor_population=180)
    headers = officer_headers(session, settings, COUNTY)
    answer = client.patch(f"{API}/villages/530102001001",
                          json={"name": "  新华社区  ", "poor_households": 0, "listed": False},
                          headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["name"], body["poor_households"], body["listed"]) == ("新华社区", 0, False)
    village = stored_village(session, "530102001001")
    assert (village.name, village.poor_households, village.poor_population, village.listed,
            village.registered_poor) == ("新华社区", 0, 180, False, True)


def test_patch_with_an_empty_body_changes_nothing(client, session, admin_headers):
    make_village(session, "530102001001", name="新华村")
    answer = client.patch(f"{API}/villages/530102001001", json={}, headers=admin_headers)
    assert answer.status_code == 200 and answer.json()["name"] == "新华村"


@pytest.mark.parametrize("field", ["name", "listed", "registered_poor", "poor_households",
                                   "poor_population"])
def test_patch_refuses_an_explicit_null(client, session, admin_headers, field):
    make_village(session, "530102001001", name="新华村", poor_households=50, poor_population=180)
    answer = client.patch(f"{API}/villages/530102001001", json={field: None}, headers=admin_headers)
    field_error(answer, field)
    village = stored_village(session, "530102001001")
    assert (village.name, village.listed, village.registered_poor, village.poor_households,
            village.poor_population) == ("新华村", True, True, 50, 180)


@pytest.mark.parametrize(("body", "field"), [
    ({"poor_population": -5}, "poor_population"),
    ({"poor_households": "很多"}, "poor_households"),
    ({"name": ""}, "name"),
    ({"code": "530102001009"}, "code"),
    ({"county_code": OTHER_COUNTY}, "county_code"),
    ({"township_code": OTHER_TOWNSHIP}, "township_code"),
])
def test_patch_with_a_bad_or_unknown_field_is_refused_and_changes_nothing(
    client, session, admin_headers, body, field
):
    make_village(session, "530102001001", name="新华村", poor_households=50, poor_population=180)
    # a valid change next to the bad one is not applied either
    answer = client.patch(f"{API}/villages/530102001001", json={"name": "改名", **body},
                          headers=admin_headers)
    field_error(answer, field)
    village = stored_village(session, "530102001001")
    assert (village.code, village.name, village.county_code, village.township_code,
            village.poor_households, village.poor_population) == (
        "530102001001", "新华村", COUNTY, TOWNSHIP, 50, 180)


def test_patch_of_a_village_out_of_scope_is_404_and_changes_nothing(client, session, settings):
    make_village(session, "530103001001", name="盘龙村")
    headers = officer_headers(session, settings, COUNTY)
    answer = client.patch(f"{API}/villages/530103001001", json={"name": "改名"}, headers=headers)
    assert answer.status_code == 404
    assert stored_village(session, "530103001001").name == "盘龙村"


def test_patch_of_an_unknown_village_is_404(client, admin_headers):
    answer = client.patch(f"{API}/villages/530102001999", json={"name": "改名"}, headers=admin_headers)
    assert answer.status_code == 404


def test_liaison_may_read_but_not_patch_a_paired_village(client, session, settings):
    village = make_village(session, "530102001001", name="新华村")
    unit = make_unit(session)
    make_pairing(session, unit, village)
    headers = auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit.id))
    assert client.get(f"{API}/villages/530102001001", headers=headers).status_code == 200
    answer = client.patch(f"{API}/villages/530102001001", json={"name": "改名"}, headers=headers)
    assert answer.status_code == 403
    assert stored_village(session, "530102001001").name == "新华村"


def test_yes_no_is_not_a_household_count(client, session, settings):
    make_user(session, Role.officer, region_code="530102000000")
    admin = make_user(session)
    ensure_region(session, "530102001000")
    answer = client.post("/api/v1/villages", json={
        "code": "530102001077", "name": "真假村", "poor_households": True},
        headers=auth_headers(session, settings, admin))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "poor_households"]
