"""Helping units: the GB 32100-2015 credit code, uniqueness, liaison counts and who sees and edits
which unit."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.auth.models import Role
from app.units.models import CREDIT_CHARSET, Unit, check_credit_code, credit_check_char
from tests.factories import (
    auth_headers,
    credit_code,
    make_pairing,
    make_unit,
    make_user,
    make_village,
)
from tests.scenario import COUNTY, OTHER_COUNTY

API = "/api/v1"
CJK = re.compile(r"[\u4e00-\u9fff]")

# Published unified social credit codes (GB 32100-2015).
PUBLISHED_CODES = [
    "91350100M000100Y43",  # the example printed in the standard's explanatory material
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
]


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
    return item


def unit_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Unit))


def stored_unit(session, unit_id: int) -> Unit:
    session.expire_all()
    return session.get(Unit, unit_id)


def unit_body(**overrides) -> dict:
    body = {"name": "云岭乡村振兴科技有限公司", "kind": "private_enterprise", "credit_code": credit_code(),
            "home_province": "北京市", "home_city": "北京市", "contact_name": "张经理",
            "contact_phone": "010-87654321"}
    body.update(overrides)
    return body


def wrong_last_char(code: str) -> str:
    return code[:17] + next(c for c in CREDIT_CHARSET if c != code[17])


@pytest.fixture
def admin_headers(session, settings):
    return auth_headers(session, settings, make_user(session, Role.admin))


def officer_headers(session, settings, region_code=COUNTY):
    return auth_headers(session, settings, make_user(session, Role.officer, region_code=region_code))


def liaison_headers(session, settings, unit):
    return auth_headers(session, settings, make_user(session, Role.liaison, unit_id=unit.id))


# --- the credit code check itself ------------------------------------------------------------


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_credit_codes_pass_the_check(code):
    assert check_credit_code(code) == code
    assert credit_check_char(code[:17]) == code[17]


@pytest.mark.parametrize("code", PUBLISHED_CODES)
def test_published_credit_code_with_another_last_character_fails_naming_the_right_one(code):
    with pytest.raises(ValueError, match=f"应为 {code[17]}"):
        check_credit_code(wrong_last_char(code))


def test_credit_code_is_normalised_to_capitals_without_surrounding_spaces():
    assert check_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


def test_check_character_can_be_zero():
    # (31 - 0 % 31) % 31 == 0: a weighted sum divisible by 31 gives '0', not an index error.
    assert credit_check_char("0" * 17) == "0"
    assert check_credit_code("0" * 18) == "0" * 18


@pytest.mark.parametrize(("code", "reason"), [
    ("91350100M000100Y4", "18 位"),
    ("91350100M000100Y433", "18 位"),
    ("", "18 位"),
    ("91350100M000100I43", "I"),
    ("91350100O000100Y43", "O"),
    ("9135010-M000100Y43", "-"),
])
def test_malformed_credit_codes_fail_with_a_reason(code, reason):
    with pytest.raises(ValueError, match=re.escape(reason)):
        check_credit_code(code)


@given(st.text(alphabet=CREDIT_CHARSET, min_size=17, max_size=17))
def test_any_prefix_with_its_check_character_is_accepted(prefix):
    code = prefix + credit_check_char(prefix)
    assert check_credit_code(code) == code
    assert check_credit_code(code.lower()) == code


@given(st.text(alphabet=CREDIT_CHARSET, min_size=17, max_size=17))
def test_every_other_last_character_is_rejected(prefix):
    expected = credit_check_char(prefix)
    for last in CREDIT_CHARSET.replace(expected, ""):
        with pytest.raises(ValueError, match=f"应为 {expected}，实际为 {last}"):
            check_credit_code(prefix + last)


# --- registering units -----------------------------------------------------------------------


def test_unit_is_registered_with_an_id_and_no_liaisons_yet(client, session, admin_headers):
    body = unit_body()
    answer = client.post(f"{API}/units", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    created = answer.json()
    assert isinstance(created["id"], int) and created["liaison_count"] == 0
    assert {k: created[k] for k in body} == body
    stored = session.get(Unit, created["id"])
    assert stored.name == body["name"] and stored.credit_code == body["credit_code"]


@pytest.mark.parametrize("kind", ["private_enterprise", "social_org", "state_owned", "other"])
def test_every_unit_kind_is_accepted(client, admin_headers, kind):
    answer = client.post(f"{API}/units", json=unit_body(name=f"单位-{kind}", kind=kind),
                         headers=admin_headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["kind"] == kind


def test_published_credit_code_is_accepted_by_the_api(client, admin_headers):
    answer = client.post(f"{API}/units", json=unit_body(credit_code=PUBLISHED_CODES[0]),
                         headers=admin_headers)
    assert answer.status_code == 201, answer.text


def test_lowercase_credit_code_is_stored_in_capitals(client, session, admin_headers):
    code = "91350100M000100Y43"
    answer = client.post(f"{API}/units", json=unit_body(credit_code=code.lower()), headers=admin_headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["credit_code"] == code
    assert session.get(Unit, answer.json()["id"]).credit_code == code


def test_county_officer_registers_a_unit(client, session, settings):
    answer = client.post(f"{API}/units", json=unit_body(), headers=officer_headers(session, settings))
    assert answer.status_code == 201, answer.text


def test_wrong_check_digit_is_refused_naming_the_expected_character(client, session, admin_headers):
    good = credit_code()
    bad = wrong_last_char(good)
    answer = client.post(f"{API}/units", json=unit_body(credit_code=bad), headers=admin_headers)
    item = field_error(answer, "credit_code")
    assert f"应为 {good[17]}" in item["msg"] and f"实际为 {bad[17]}" in item["msg"]
    assert unit_count(session) == 0


@pytest.mark.parametrize("length", [0, 15, 17, 19, 20])
def test_credit_code_of_wrong_length_is_refused(client, session, admin_headers, length):
    code = (credit_code() * 2)[:length]
    item = field_error(client.post(f"{API}/units", json=unit_body(credit_code=code), headers=admin_headers),
                       "credit_code")
    assert "18 位" in item["msg"] and f"{length} 位" in item["msg"]
    assert unit_count(session) == 0


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_credit_code_with_a_forbidden_letter_is_refused(client, session, admin_headers, letter):
    good = credit_code()
    code = good[:9] + letter + good[10:]
    item = field_error(client.post(f"{API}/units", json=unit_body(credit_code=code), headers=admin_headers),
                       "credit_code")
    assert letter in item["msg"]
    assert unit_count(session) == 0


def test_credit_code_given_as_a_number_is_refused(client, session, admin_headers):
    answer = client.post(f"{API}/units", json=unit_body(credit_code=914403001922038216),
                         headers=admin_headers)
    field_error(answer, "credit_code")
    assert unit_count(session) == 0


@pytest.mark.parametrize("kind", ["company", "民营企业", "", None])
def test_unknown_kind_is_refused(client, session, admin_headers, kind):
    item = field_error(client.post(f"{API}/units", json=unit_body(kind=kind), headers=admin_headers),
                       "kind")
    assert "单位类型" in item["msg"]
    assert unit_count(session) == 0


@pytest.mark.parametrize(("field", "value"), [
    ("contact_phone", "call me maybe"),
    ("contact_phone", "12"),
    ("name", ""),
    ("name", "名" * 201),
    ("home_province", "   "),
    ("contact_name", None),
])
def test_bad_unit_field_is_refused_naming_it(client, session, admin_headers, field, value):
    field_error(client.post(f"{API}/units", json=unit_body(**{field: value}), headers=admin_headers),
                field)
    assert unit_count(session) == 0


@pytest.mark.parametrize("field", ["name", "kind", "credit_code", "home_province", "home_city",
                                   "contact_name", "contact_phone"])
def test_missing_unit_field_is_refused(client, session, admin_headers, field):
    body = unit_body()
    del body[field]
    item = field_error(client.post(f"{API}/units", json=body, headers=admin_headers), field)
    assert item["type"] == "missing" and "必填" in item["msg"]
    assert unit_count(session) == 0


@pytest.mark.parametrize("field", ["id", "liaison_count", "created_at", "status"])
def test_unknown_field_in_a_unit_body_is_refused(client, session, admin_headers, field):
    item = field_error(client.post(f"{API}/units", json=unit_body(**{field: 7}), headers=admin_headers),
                       field)
    assert item["type"] == "extra_forbidden"
    assert unit_count(session) == 0


def test_duplicate_unit_name_is_409(client, session, admin_headers):
    existing = make_unit(session, name="云岭乡村振兴科技有限公司")
    answer = client.post(f"{API}/units", json=unit_body(name=" 云岭乡村振兴科技有限公司 "),
                         headers=admin_headers)
    assert answer.status_code == 409
    assert existing.name in answer.json()["detail"]
    assert unit_count(session) == 1


def test_duplicate_credit_code_is_409_even_in_lowercase(client, session, admin_headers):
    existing = make_unit(session)
    for code in (existing.credit_code, existing.credit_code.lower()):
        answer = client.post(f"{API}/units", json=unit_body(credit_code=code), headers=admin_headers)
        assert answer.status_code == 409, answer.text
        assert existing.credit_code in answer.json()["detail"]
    assert unit_count(session) == 1


def test_liaison_may_not_register_a_unit(client, session, settings):
    headers = liaison_headers(session, settings, make_unit(session))
    answer = client.post(f"{API}/units", json=unit_body(), headers=headers)
    assert answer.status_code == 403
    assert unit_count(session) == 1


def test_units_need_a_token(client, session):
    assert client.post(f"{API}/units", json=unit_body()).status_code == 401
    assert client.get(f"{API}/units").status_code == 401
    assert unit_count(session) == 0


# --- reading units ---------------------------------------------------------------------------


def test_unit_detail_counts_only_active_liaisons_of_that_unit(client, session, admin_headers):
    unit, other = make_unit(session), make_unit(session)
    make_user(session, Role.liaison, unit_id=unit.id)
    make_user(session, Role.liaison, unit_id=unit.id)
    make_user(session, Role.liaison, unit_id=unit.id, active=False)
    make_user(session, Role.liaison, unit_id=other.id)
    answer = client.get(f"{API}/units/{unit.id}", headers=admin_headers)
    assert answer.status_code == 200
    assert answer.json()["liaison_count"] == 2 and answer.json()["id"] == unit.id
    assert client.get(f"{API}/units/{other.id}", headers=admin_headers).json()["liaison_count"] == 1


def test_unit_list_carries_liaison_counts_and_pages(client, session, admin_headers):
    units = [make_unit(session) for _ in range(3)]
    make_user(session, Role.liaison, unit_id=units[1].id)
    body = client.get(f"{API}/units", headers=admin_headers).json()
    assert body["total"] == 3
    assert [(u["id"], u["liaison_count"]) for u in body["items"]] == [
        (units[0].id, 0), (units[1].id, 1), (units[2].id, 0)]
    page = client.get(f"{API}/units", params={"limit": 1, "offset": 1}, headers=admin_headers).json()
    assert page["total"] == 3 and [u["id"] for u in page["items"]] == [units[1].id]


def test_every_officer_may_find_any_unit(client, session, settings):
    paired_elsewhere = make_pairing(session, village=make_village(session, "530103001001")).unit_id
    unpaired = make_unit(session).id
    headers = officer_headers(session, settings)
    assert {u["id"] for u in client.get(f"{API}/units", headers=headers).json()["items"]} == {
        paired_elsewhere, unpaired}
    assert client.get(f"{API}/units/{paired_elsewhere}", headers=headers).status_code == 200


def test_liaison_sees_only_its_own_unit(client, session, settings):
    unit_a, unit_b = make_unit(session), make_unit(session)
    headers = liaison_headers(session, settings, unit_b)
    assert client.get(f"{API}/units/{unit_a.id}", headers=headers).status_code == 404
    own = client.get(f"{API}/units/{unit_b.id}", headers=headers)
    assert own.status_code == 200 and own.json()["liaison_count"] == 1
    listing = client.get(f"{API}/units", headers=headers).json()
    assert listing["total"] == 1 and [u["id"] for u in listing["items"]] == [unit_b.id]


@pytest.mark.parametrize("unit_id", ["999999", "abc"])
def test_unknown_unit_is_404_and_a_non_number_id_is_422(client, admin_headers, unit_id):
    answer = client.get(f"{API}/units/{unit_id}", headers=admin_headers)
    assert answer.status_code == (404 if unit_id.isdigit() else 422)


# --- changing units --------------------------------------------------------------------------


def test_liaison_updates_its_own_unit(client, session, settings):
    unit = make_unit(session, contact_name="王经理")
    headers = liaison_headers(session, settings, unit)
    answer = client.patch(f"{API}/units/{unit.id}",
                          json={"contact_name": "李主任", "contact_phone": "0871-6543210"},
                          headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["contact_name"] == "李主任" and answer.json()["liaison_count"] == 1
    stored = stored_unit(session, unit.id)
    assert (stored.contact_name, stored.contact_phone, stored.name) == ("李主任", "0871-6543210", unit.name)


def test_liaison_of_another_unit_gets_404_on_patch(client, session, settings):
    unit_a, unit_b = make_unit(session, contact_name="王经理"), make_unit(session)
    answer = client.patch(f"{API}/units/{unit_a.id}", json={"contact_name": "冒名者"},
                          headers=liaison_headers(session, settings, unit_b))
    assert answer.status_code == 404
    assert stored_unit(session, unit_a.id).contact_name == "王经理"


def test_county_officer_may_not_patch_a_unit_paired_only_elsewhere(client, session, settings):
    unit = make_unit(session, contact_name="王经理")
    make_pairing(session, unit, make_village(session, "530103001001"))
    answer = client.patch(f"{API}/units/{unit.id}", json={"contact_name": "改了"},
                          headers=officer_headers(session, settings, COUNTY))
    assert answer.status_code == 403
    assert stored_unit(session, unit.id).contact_name == "王经理"


def test_officers_whose_region_holds_a_pairing_of_the_unit_may_patch_it(client, session, settings):
    unit = make_unit(session)
    make_pairing(session, unit, make_village(session, "530103001001"))
    for region, phone in [(OTHER_COUNTY, "0871-1111111"), ("530100000000", "0871-2222222"),
                          ("530000000000", "0871-3333333")]:
        answer = client.patch(f"{API}/units/{unit.id}", json={"contact_phone": phone},
                              headers=officer_headers(session, settings, region))
        assert answer.status_code == 200, (region, answer.text)
        assert stored_unit(session, unit.id).contact_phone == phone


def test_national_officer_patches_any_unit(client, session, settings):
    unit = make_unit(session)
    make_pairing(session, unit, make_village(session, "530103001001"))
    headers = auth_headers(session, settings, make_user(session, Role.officer))
    answer = client.patch(f"{API}/units/{unit.id}", json={"kind": "social_org"}, headers=headers)
    assert answer.status_code == 200 and answer.json()["kind"] == "social_org"


def test_county_officer_may_patch_a_unit_not_yet_paired_anywhere(client, session, settings):
    unit = make_unit(session)
    answer = client.patch(f"{API}/units/{unit.id}", json={"home_city": "上海市"},
                          headers=officer_headers(session, settings, COUNTY))
    assert answer.status_code == 200 and answer.json()["home_city"] == "上海市"


def test_patch_to_a_taken_name_or_credit_code_is_409(client, session, admin_headers):
    unit, other = make_unit(session), make_unit(session)
    for change in ({"name": other.name}, {"credit_code": other.credit_code},
                   {"credit_code": other.credit_code.lower()}):
        answer = client.patch(f"{API}/units/{unit.id}", json=change, headers=admin_headers)
        assert answer.status_code == 409, (change, answer.text)
    stored = stored_unit(session, unit.id)
    assert stored.name != other.name and stored.credit_code != other.credit_code


def test_patch_may_repeat_the_units_own_name_and_code(client, session, admin_headers):
    unit = make_unit(session)
    answer = client.patch(f"{API}/units/{unit.id}",
                          json={"name": unit.name, "credit_code": unit.credit_code.lower()},
                          headers=admin_headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["credit_code"] == unit.credit_code


def test_patch_with_a_wrong_check_digit_is_refused_and_changes_nothing(client, session, admin_headers):
    unit = make_unit(session)
    original = unit.credit_code
    answer = client.patch(f"{API}/units/{unit.id}",
                          json={"credit_code": wrong_last_char(original), "contact_name": "改了"},
                          headers=admin_headers)
    item = field_error(answer, "credit_code")
    assert f"应为 {original[17]}" in item["msg"]
    stored = stored_unit(session, unit.id)
    assert stored.credit_code == original and stored.contact_name != "改了"


@pytest.mark.parametrize("field", ["name", "kind", "credit_code", "home_province", "home_city",
                                   "contact_name", "contact_phone"])
def test_patch_refuses_an_explicit_null(client, session, admin_headers, field):
    unit = make_unit(session)
    before = unit.model_dump(exclude={"created_at"})
    field_error(client.patch(f"{API}/units/{unit.id}", json={field: None}, headers=admin_headers), field)
    assert stored_unit(session, unit.id).model_dump(exclude={"created_at"}) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"kind": "company"}, "kind"),
    ({"contact_phone": "电话"}, "contact_phone"),
    ({"id": 99}, "id"),
    ({"liaison_count": 5}, "liaison_count"),
])
def test_patch_with_a_bad_or_unknown_field_is_refused(client, session, admin_headers, body, field):
    unit = make_unit(session)
    before = unit.model_dump(exclude={"created_at"})
    answer = client.patch(f"{API}/units/{unit.id}", json={"home_city": "上海市", **body},
                          headers=admin_headers)
    field_error(answer, field)
    assert stored_unit(session, unit.id).model_dump(exclude={"created_at"}) == before


def test_patch_of_an_unknown_unit_is_404(client, admin_headers):
    assert client.patch(f"{API}/units/999999", json={"home_city": "上海市"},
                        headers=admin_headers).status_code == 404
