"""The registration pages: a county officer registers villages, units, pairings and liaisons and
ends a pairing naming the unit that takes over; a refused form carries the API's own message for
the same input; another county's records are not found; every change is in the audit trail."""

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role, User
from app.pairings.models import Pairing
from app.regions.models import Village
from app.units.models import Unit
from tests.factories import credit_code, ensure_region, make_pairing, make_unit, make_user
from tests.scenario import COUNTY, OTHER_COUNTY, Scenario
from tests.web.pages import browser_login


@pytest.fixture
def world(session, settings):
    w = Scenario(session, settings)
    ensure_region(session, "530102001000", "普吉街道")
    ensure_region(session, "530103001000", "拓东街道")
    w.pairing("ours", "530102001001", unit="甲公司", village="大坪村")
    w.pairing("theirs", "530103001001", unit="乙公司", village="盘龙村")
    w.user("county", Role.officer, COUNTY)
    w.user("other", Role.officer, OTHER_COUNTY)
    w.user("liaison", Role.liaison, unit="甲公司")
    w.user("their_liaison", Role.liaison, unit="乙公司")
    return w


def events(session, entity: str, action: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == entity)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return session.scalar(stmt)


def messages(page: str) -> list[str]:
    """The messages a refused form shows: beside its fields and above it."""
    found = re.findall(r'<div class="error" id="err-[^"]*" role="alert">([^<]+)</div>', page)
    found += re.findall(r'<p class="alert form-refusal" role="alert">([^<]+)</p>', page)
    return [html.unescape(m) for m in found]


def api_messages(answer) -> list[str]:
    detail = answer.json()["detail"]
    return [e["msg"] for e in detail] if isinstance(detail, list) else [detail]


# --- villages ----------------------------------------------------------------------------------


def test_a_county_officer_registers_and_edits_a_village(client, session, world):
    token = browser_login(client, world.users["county"])
    assert "登记村" in client.get("/registry/villages").text
    answer = client.post("/registry/villages", data={
        "csrf_token": token, "county_code": COUNTY, "code": "530102001007", "name": "新村",
        "listed": "true", "registered_poor": "true", "poor_households": "１２", "poor_population": "40"},
        follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/registry/villages/530102001007?done=village"
    village = session.scalars(select(Village).where(Village.code == "530102001007")).one()
    assert (village.name, village.county_code, village.poor_households, village.registered_poor) == (
        "新村", COUNTY, 12, True)
    assert events(session, "village", "create") == 1
    page = client.get(answer.headers["location"]).text
    assert "村已登记" in page and "新村" in page
    saved = client.post("/registry/villages/530102001007", data={
        "csrf_token": token, "name": "新村（改）", "listed": "true", "registered_poor": "false",
        "poor_households": "12", "poor_population": "41"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    session.refresh(village)
    assert (village.name, village.registered_poor, village.poor_population) == ("新村（改）", False, 41)
    assert events(session, "village", "update") == 1


@pytest.mark.parametrize("body", [
    {"code": "530103001009", "name": "错县村"},  # a village of another county
    {"code": "530102001000", "name": "乡镇代码"},  # not a village's code
    {"code": "530102099001", "name": "无乡镇村"},  # its township is not registered
    {"code": "530102001001", "name": "重复村"},  # registered already (409 in the API)
    {"code": "530102001008", "name": "", "poor_households": "-1"},
])
def test_a_refused_village_shows_the_apis_messages_and_stores_nothing(client, session, settings, world, body):
    token = browser_login(client, world.users["county"])
    before = session.scalar(select(func.count()).select_from(Village))
    full = {"county_code": COUNTY, "listed": True, "registered_poor": False, **body}
    api = client.post("/api/v1/villages", json={k: (int(v) if k.startswith("poor_") else v) for k, v in full.items()},
                      headers=world.headers("county"))
    assert api.status_code in (409, 422), api.text
    page = client.post("/registry/villages", data={
        "csrf_token": token, **{k: str(v).lower() if isinstance(v, bool) else v for k, v in full.items()}})
    assert page.status_code == 422
    assert sorted(messages(page.text)) == sorted(api_messages(api))
    assert body["name"] in html.unescape(page.text)  # what was typed comes back
    assert session.scalar(select(func.count()).select_from(Village)) == before
    assert events(session, "village") == 0


def test_another_countys_village_is_not_found(client, world):
    token = browser_login(client, world.users["county"])
    assert client.get("/registry/villages/530103001001").status_code == 404
    answer = client.post("/registry/villages/530103001001", data={"csrf_token": token, "name": "改名"})
    assert answer.status_code == 404
    assert "盘龙村" not in client.get("/registry/villages").text


# --- units -------------------------------------------------------------------------------------


def unit_form(**overrides) -> dict:
    body = {"name": "丙农业发展有限公司", "kind": "private_enterprise", "credit_code": credit_code(4242),
            "home_province": "浙江省", "home_city": "杭州市", "contact_name": "李经理",
            "contact_phone": "0571-88886666"}
    body.update(overrides)
    return body


def test_a_county_officer_registers_and_edits_a_unit(client, session, world):
    token = browser_login(client, world.users["county"])
    answer = client.post("/registry/units", data={"csrf_token": token, **unit_form()}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    unit = session.scalars(select(Unit).where(Unit.name == "丙农业发展有限公司")).one()
    assert answer.headers["location"] == f"/registry/units/{unit.id}?done=unit"
    assert events(session, "unit", "create") == 1
    saved = client.post(f"/registry/units/{unit.id}", data={"csrf_token": token, **unit_form(contact_name="赵经理")},
                        follow_redirects=False)
    assert saved.status_code == 303, saved.text
    session.refresh(unit)
    assert unit.contact_name == "赵经理" and events(session, "unit", "update") == 1


@pytest.mark.parametrize("overrides", [
    {"credit_code": credit_code(4242)[:17] + ("0" if credit_code(4242)[17] != "0" else "1")},  # check digit
    {"credit_code": "91110108ABC"},
    {"name": "甲公司"},  # registered already (409 in the API)
    {"contact_phone": "电话", "home_city": ""},
])
def test_a_refused_unit_shows_the_apis_messages_and_stores_nothing(client, session, world, overrides):
    token = browser_login(client, world.users["county"])
    before = session.scalar(select(func.count()).select_from(Unit))
    api = client.post("/api/v1/units", json=unit_form(**overrides), headers=world.headers("county"))
    assert api.status_code in (409, 422), api.text
    page = client.post("/registry/units", data={"csrf_token": token, **unit_form(**overrides)})
    assert page.status_code == 422
    assert sorted(messages(page.text)) == sorted(api_messages(api))
    assert session.scalar(select(func.count()).select_from(Unit)) == before


def test_a_unit_working_only_in_another_county_is_not_found(client, world):
    token = browser_login(client, world.users["county"])
    theirs = world.units["乙公司"].id
    assert client.get(f"/registry/units/{theirs}").status_code == 404
    assert client.post(f"/registry/units/{theirs}", data={"csrf_token": token, **unit_form()}).status_code == 404
    assert client.post(f"/registry/units/{theirs}/liaisons", data={"csrf_token": token}).status_code == 404
    assert "乙公司" not in client.get("/registry/units").text


def test_units_below_two_active_liaisons_stand_out(client, session, world):
    browser_login(client, world.users["county"])
    ours = world.units["甲公司"]
    page = client.get("/registry/units").text
    row = re.search(rf'<tr id="unit-{ours.id}"[^>]*>', page).group(0)
    assert "liaisons-short" in row
    make_user(session, Role.liaison, unit_id=ours.id)
    page = client.get("/registry/units").text
    assert "liaisons-short" not in re.search(rf'<tr id="unit-{ours.id}"[^>]*>', page).group(0)
    home = client.get("/registry").text
    assert "联络员不足 2 人的单位" in home
    in_force = session.scalars(select(Pairing).join(Village).where(
        Village.county_code == COUNTY, Pairing.active)).all()
    assert f'<span class="num">{len(in_force)}</span>有效结对' in home


# --- pairings ----------------------------------------------------------------------------------


def test_a_county_officer_registers_a_pairing(client, session, world):
    token = browser_login(client, world.users["county"])
    unit = make_unit(session, name="丁公司")
    page = client.get("/registry/pairings").text
    assert "丁公司" in page and "大坪村（530102001001）" in page
    answer = client.post("/registry/pairings", data={
        "csrf_token": token, "village_code": "530102001001", "unit_id": str(unit.id),
        "signed_on": "2020-06-01", "committed_funds_wan": "１２.５万元", "valid_until": ""}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    pairing = session.scalars(select(Pairing).where(Pairing.unit_id == unit.id)).one()
    assert pairing.committed_funds_wan == Decimal("12.5") and pairing.valid_until == date(2020, 12, 31)
    assert events(session, "pairing", "create") == 1
    assert "结对已登记" in client.get(answer.headers["location"]).text


def test_the_sixth_unit_of_a_village_is_refused_with_the_apis_message(client, session, world):
    token = browser_login(client, world.users["county"])
    village = session.scalars(select(Village).where(Village.code == "530102001001")).one()
    for _ in range(4):
        make_pairing(session, make_unit(session), village)
    sixth = make_unit(session, name="第六家公司")
    body = {"village_code": village.code, "unit_id": sixth.id, "signed_on": "2020-06-01", "committed_funds_wan": "10"}
    api = client.post("/api/v1/pairings", json=body, headers=world.headers("county"))
    assert api.status_code == 409
    form = {"csrf_token": token, **{k: str(v) for k, v in body.items()}}
    page = client.post("/registry/pairings", data=form)
    assert page.status_code == 422
    assert messages(page.text) == [api.json()["detail"]] and "每村最多 5 家" in api.json()["detail"]
    # htmx swaps the form alone, with the same message and what was chosen.
    swapped = client.post("/registry/pairings", data=form, headers={"HX-Request": "true"})
    assert swapped.status_code == 422 and swapped.text.lstrip().startswith('<section class="panel" id="new-pairing">')
    assert messages(swapped.text) == [api.json()["detail"]] and f'value="{sixth.id}" selected' in swapped.text
    assert session.scalar(select(func.count()).select_from(Pairing).where(Pairing.unit_id == sixth.id)) == 0


def test_a_refused_pairing_shows_the_apis_messages(client, session, world):
    token = browser_login(client, world.users["county"])
    body = {"village_code": "530102001001", "unit_id": str(world.units["甲公司"].id), "signed_on": "2020-06-01",
            "committed_funds_wan": "-3", "valid_until": "2020-05-01"}
    api = client.post("/api/v1/pairings", json={**body, "unit_id": int(body["unit_id"])}, headers=world.headers("county"))
    assert api.status_code == 422
    page = client.post("/registry/pairings", data={"csrf_token": token, **body})
    assert page.status_code == 422 and sorted(messages(page.text)) == sorted(api_messages(api))


def test_ending_a_pairing_names_the_unit_that_takes_over(client, session, world):
    token = browser_login(client, world.users["county"])
    ours = world.pairings["ours"]
    successor_unit = make_unit(session, name="接力公司")
    answer = client.post(f"/registry/pairings/{ours.id}/end", data={
        "csrf_token": token, "end_reason": "企业经营困难", "successor_unit_id": str(successor_unit.id),
        "successor_committed_funds_wan": "30"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    session.expire_all()
    ended = session.get(Pairing, ours.id)
    successor = session.scalars(select(Pairing).where(Pairing.unit_id == successor_unit.id)).one()
    assert (ended.active, ended.end_reason, ended.successor_id) == (False, "企业经营困难", successor.id)
    assert successor.active and successor.signed_on == ended.ended_on
    page = client.get(answer.headers["location"]).text
    assert "结对已终止" in page and "接力公司" in page and "企业经营困难" in page
    assert f'href="/registry/pairings/{successor.id}"' in page  # linked both ways, on the pages too
    taken_over = client.get(f"/registry/pairings/{successor.id}").text
    assert "接替" in taken_over and f'href="/registry/pairings/{ours.id}"' in taken_over
    api = client.get(f"/api/v1/pairings/{successor.id}", headers=world.headers("county")).json()
    assert api["predecessor_id"] == ours.id
    assert events(session, "pairing", "update") >= 1 and events(session, "pairing", "create") == 1


def test_a_refused_ending_shows_the_apis_message_and_changes_nothing(client, session, world):
    token = browser_login(client, world.users["county"])
    ours = world.pairings["ours"]
    stranger = make_unit(session, name="无结对公司")
    body = {"active": False, "end_reason": "退出", "successor_unit_id": stranger.id}
    api = client.patch(f"/api/v1/pairings/{ours.id}", json=body, headers=world.headers("county"))
    assert api.status_code == 422
    page = client.post(f"/registry/pairings/{ours.id}/end", data={
        "csrf_token": token, "end_reason": "退出", "successor_unit_id": str(stranger.id)})
    assert page.status_code == 422 and messages(page.text) == api_messages(api)
    session.expire_all()
    assert session.get(Pairing, ours.id).active and events(session, "pairing") == 0


def test_another_countys_pairing_is_not_found(client, world):
    token = browser_login(client, world.users["county"])
    theirs = world.pairings["theirs"].id
    assert client.get(f"/registry/pairings/{theirs}").status_code == 404
    assert client.post(f"/registry/pairings/{theirs}/end", data={"csrf_token": token, "end_reason": "x"}).status_code == 404


# --- liaisons ----------------------------------------------------------------------------------


def test_a_county_officer_manages_the_liaisons_of_a_unit_paired_in_the_county(client, session, world):
    token = browser_login(client, world.users["county"])
    unit = world.units["甲公司"]
    answer = client.post(f"/registry/units/{unit.id}/liaisons", data={
        "csrf_token": token, "display_name": "联络员乙", "username": "lianluo-b", "password": "secret-pass-1",
        "phone": "139 1234 5678", "email": "b@example.cn"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    user = session.scalars(select(User).where(User.username == "lianluo-b")).one()
    assert (user.role, user.unit_id, user.phone) == (Role.liaison, unit.id, "13912345678")
    old_hash = user.password_hash
    assert client.post(f"/registry/liaisons/{user.id}/password", data={"csrf_token": token, "password": "new-secret-2"},
                       follow_redirects=False).status_code == 303
    assert client.post(f"/registry/liaisons/{user.id}/contacts", data={
        "csrf_token": token, "phone": "13700001111", "email": ""}, follow_redirects=False).status_code == 303
    assert client.post(f"/registry/liaisons/{user.id}/active", data={"csrf_token": token, "active": "false"},
                       follow_redirects=False).status_code == 303
    session.refresh(user)
    assert user.password_hash != old_hash and (user.phone, user.email, user.active) == ("13700001111", None, False)
    assert events(session, "user", "create") == 1 and events(session, "user", "update") == 3
    page = client.get(f"/registry/units/{unit.id}").text
    assert "已停用" in page and "重新启用" in page


def test_a_refused_liaison_shows_the_apis_messages(client, session, world):
    token = browser_login(client, world.users["county"])
    unit = world.units["甲公司"]
    body = {"display_name": "", "username": "x", "password": "short", "phone": "123", "email": "bad"}
    api = client.post("/api/v1/users", json={**body, "role": "liaison", "unit_id": unit.id},
                      headers=world.headers("county"))
    assert api.status_code == 422
    page = client.post(f"/registry/units/{unit.id}/liaisons", data={"csrf_token": token, **body})
    assert page.status_code == 422 and sorted(messages(page.text)) == sorted(api_messages(api))
    swapped = client.post(f"/registry/units/{unit.id}/liaisons", data={"csrf_token": token, **body},
                          headers={"HX-Request": "true"})
    assert swapped.text.lstrip().startswith('<section class="panel') and 'id="liaisons"' in swapped.text
    assert sorted(messages(swapped.text)) == sorted(api_messages(api))
    short = client.post(f"/registry/liaisons/{world.users['liaison'].id}/password",
                        data={"csrf_token": token, "password": "short"})
    api = client.patch(f"/api/v1/users/{world.users['liaison'].id}", json={"password": "short"},
                       headers=world.headers("county"))
    assert short.status_code == 422 and messages(short.text) == api_messages(api)


def test_another_countys_liaison_is_not_found(client, session, world):
    token = browser_login(client, world.users["county"])
    theirs = world.users["their_liaison"]
    for action, data in (("password", {"password": "new-secret-2"}), ("active", {"active": "false"}),
                         ("contacts", {"phone": "13700001111"})):
        answer = client.post(f"/registry/liaisons/{theirs.id}/{action}", data={"csrf_token": token, **data})
        assert answer.status_code == 404, action
    session.refresh(theirs)
    assert theirs.active and theirs.phone is None
    # An officer is not a liaison: not found here either.
    assert client.post(f"/registry/liaisons/{world.users['other'].id}/active",
                       data={"csrf_token": token, "active": "false"}).status_code == 404


def test_a_liaison_may_not_open_the_register(client, world):
    browser_login(client, world.users["liaison"])
    assert client.get("/registry").status_code == 403
    assert client.get(f"/registry/pairings/{world.pairings['ours'].id}").status_code == 403


def test_a_province_officer_registers_in_any_county_of_the_province(client, session, world):
    province = world.user("province", Role.officer, "530000000000")
    token = browser_login(client, province)
    page = client.get("/registry/villages").text
    assert "盘龙村" in page and "大坪村" in page
    answer = client.post("/registry/villages", data={
        "csrf_token": token, "county_code": OTHER_COUNTY, "code": "530103001005", "name": "省登记村",
        "listed": "true", "registered_poor": "false"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    village = session.scalars(select(Village).where(Village.code == "530103001005")).one()
    assert village.county_code == OTHER_COUNTY and events(session, "village", "create") == 1


def test_every_refused_form_comes_back_alone_for_htmx_with_its_messages(client, session, world):
    token = browser_login(client, world.users["county"])
    unit, liaison, ours = world.units["甲公司"], world.users["liaison"], world.pairings["ours"]
    posts = {
        "/registry/villages": ({"code": "530102001000", "name": "x"}, "new-village"),
        "/registry/villages/530102001001": ({"name": ""}, "village-form"),
        "/registry/units": (unit_form(credit_code="1"), "new-unit"),
        f"/registry/units/{unit.id}": (unit_form(contact_phone="?"), "unit-form"),
        "/registry/pairings": ({"village_code": "530102001001", "unit_id": "", "signed_on": "x"}, "new-pairing"),
        f"/registry/pairings/{ours.id}/end": ({"successor_unit_id": str(unit.id)}, "end-pairing"),
        f"/registry/liaisons/{liaison.id}/password": ({"password": "1"}, "liaisons"),
        f"/registry/liaisons/{liaison.id}/contacts": ({"phone": "1", "email": "@"}, "liaisons"),
        f"/registry/units/{unit.id}/liaisons": ({"username": "a"}, "liaisons"),
    }
    for url, (data, block) in posts.items():
        answer = client.post(url, data={"csrf_token": token, **data}, headers={"HX-Request": "true"})
        assert answer.status_code == 422, (url, answer.text)
        assert re.match(rf'\s*<section class="panel[^"]*" id="{block}"', answer.text), (url, answer.text[:200])
        assert messages(answer.text), url
    assert events(session, "village") == events(session, "unit") == events(session, "pairing") == 0
