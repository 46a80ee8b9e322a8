"""The register in a real browser: a county officer registers a village, a unit and a pairing,
creates the unit's liaison and ends a pairing naming the unit that takes over, all through the
pages; each refused form shows the message the API gives for the same input; another county's
records are not found."""

import urllib.parse

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from app.auth.models import Role
from app.db import create_db_engine
from app.units.models import credit_check_char
from tests.browser.conftest import login
from tests.factories import PASSWORD, make_pairing, make_unit, make_user, make_village
from tests.live import request

pytestmark = pytest.mark.browser
COUNTY = "530102000000"


@pytest.fixture(scope="module")
def elsewhere(live_server):
    """A village with five units already, and another county's village, unit, pairing and liaison."""
    engine = create_db_engine(live_server["db"])
    with Session(engine, expire_on_commit=False) as session:
        full = make_village(session, code="530102001004", name="满员村")
        for n in range(5):
            make_pairing(session, make_unit(session, credit_code=credit(900 + n)), full)
        theirs = make_pairing(session, make_unit(session, name="盘龙帮扶公司", credit_code=credit(910)),
                              make_village(session, code="530103001001", name="盘龙村"))
        liaison = make_user(session, Role.liaison, unit_id=theirs.unit_id)
        session.commit()
        ids = {"pairing": theirs.id, "unit": theirs.unit_id, "liaison": liaison.id}
    engine.dispose()
    return ids


def api(live_server, method: str, path: str, body: dict) -> list[str]:
    """The API's messages for the same input, as the county officer."""
    form = urllib.parse.urlencode({"username": "county", "password": PASSWORD}).encode()
    token = request("POST", live_server["base"] + "/api/v1/auth/token", data=form,
                    headers={"Content-Type": "application/x-www-form-urlencoded"}).body["access_token"]
    answer = request(method, live_server["base"] + "/api/v1" + path, body=body, token=token)
    assert answer.status in (409, 422), answer
    detail = answer.body["detail"]
    return [e["msg"] for e in detail] if isinstance(detail, list) else [detail]


def credit(n: int) -> str:
    first17 = f"91530102{n:09d}"
    return first17 + credit_check_char(first17)


def test_a_county_officer_registers_a_village_a_unit_a_pairing_a_liaison_and_a_succession(page, live_server, elsewhere):
    login(page, "county")
    page.click("nav >> text=结对登记")
    expect(page.locator("h1")).to_have_text("结对登记")

    # A village: first a code of another county, refused as the API refuses it.
    page.goto("/registry/villages")
    page.fill("#f-code", "530103001009")
    page.fill("#f-name", "错县村")
    page.click("text=登记村 >> nth=-1")
    expected = api(live_server, "POST", "/villages", {"code": "530103001009", "name": "错县村", "county_code": COUNTY,
                                                       "listed": True, "registered_poor": False})
    expect(page.locator("#err-f-county_code")).to_have_text(expected[0])
    expect(page.locator("#f-name")).to_have_value("错县村")
    page.fill("#f-code", "530102001003")
    page.fill("#f-name", "新建村")
    page.fill("#f-poor_households", "３２")
    page.click("#new-village button[type=submit]")
    page.wait_for_url("**/registry/villages/530102001003?done=village")
    expect(page.locator("p.success")).to_have_text("村已登记")

    # A unit: a wrong check digit, then the right one.
    good = credit(77)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    page.goto("/registry/units")
    fields = {"name": "新建帮扶有限公司", "credit_code": bad, "home_province": "云南省", "home_city": "昆明市",
              "contact_name": "周经理", "contact_phone": "0871-6666888"}
    for name, value in fields.items():
        page.fill(f"#new-unit #f-{name}", value)
    page.click("#new-unit button[type=submit]")
    expected = api(live_server, "POST", "/units", {**fields, "kind": "private_enterprise"})
    expect(page.locator("#err-f-credit_code")).to_have_text(expected[0])
    page.fill("#f-credit_code", good)
    page.click("#new-unit button[type=submit]")
    page.wait_for_url("**/registry/units/*?done=unit")
    unit_url = page.url.split("?")[0]
    unit_id = unit_url.rsplit("/", 1)[1]
    expect(page.locator("#liaisons")).to_have_class("panel liaisons-short")

    # A pairing of the new unit with the new village.
    page.goto("/registry/pairings")
    page.select_option("#f-village_code", "530102001003")
    page.select_option("#f-unit_id", unit_id)
    page.fill("#f-signed_on", "2020-06-01")
    page.fill("#f-committed_funds_wan", "20万元")
    page.click("#new-pairing button[type=submit]")
    page.wait_for_url("**/registry/pairings/*?done=pairing")
    expect(page.locator("p.success")).to_have_text("结对已登记")

    # The sixth unit of a village is refused with the API's message.
    page.goto("/registry/pairings")
    page.select_option("#f-village_code", "530102001004")
    page.select_option("#f-unit_id", unit_id)
    page.fill("#f-signed_on", "2020-06-01")
    page.fill("#f-committed_funds_wan", "5")
    page.click("#new-pairing button[type=submit]")
    expected = api(live_server, "POST", "/pairings", {"village_code": "530102001004", "unit_id": int(unit_id),
                                                      "signed_on": "2020-06-01", "committed_funds_wan": "5"})
    expect(page.locator("#new-pairing .form-refusal")).to_have_text(expected[0])
    assert "每村最多 5 家" in expected[0]

    # The unit's first liaison.
    page.goto(unit_url)
    page.fill("#n-display_name", "联络员新")
    page.fill("#n-username", "lianluo-new")
    page.fill("#n-password", "short")
    page.click("#new-liaison button[type=submit]")
    expected = api(live_server, "POST", "/users", {"display_name": "联络员新", "username": "lianluo-new",
                                                   "password": "short", "role": "liaison", "unit_id": int(unit_id)})
    expect(page.locator("#err-n-password")).to_have_text(expected[0])
    page.fill("#n-password", "a-good-secret-1")
    page.fill("#n-phone", "13912345678")
    page.click("#new-liaison button[type=submit]")
    page.wait_for_url("**/registry/units/*?done=liaison*")
    expect(page.locator(".liaison")).to_have_count(1)
    expect(page.locator(".liaison")).to_contain_text("联络员新")
    expect(page.locator(".liaison input[name=phone]")).to_have_value("13912345678")

    # End the seeded pairing of 大坪村: the new unit takes the village over.
    page.goto(f"/registry/pairings/{live_server['pairing']}")
    page.fill("#f-end_reason", "企业经营困难，无法继续帮扶")
    page.select_option("#f-successor_unit_id", unit_id)
    page.fill("#f-successor_committed_funds_wan", "15")
    page.click("#end-pairing button[type=submit]")
    page.wait_for_url(f"**/registry/pairings/{live_server['pairing']}?done=ended")
    expect(page.locator("p.success")).to_have_text("结对已终止")
    expect(page.locator(".registry-facts")).to_contain_text("企业经营困难，无法继续帮扶")
    page.click(".registry-facts >> text=新建帮扶有限公司 >> nth=-1")
    expect(page.locator(".registry-facts")).to_contain_text("接替 甲农业科技有限公司")
    expect(page.locator("h1")).to_contain_text("大坪村")


def test_another_countys_records_are_not_found(page, live_server, elsewhere):
    login(page, "county")
    for path in ("/registry/villages/530103001001", f"/registry/units/{elsewhere['unit']}",
                 f"/registry/pairings/{elsewhere['pairing']}"):
        assert page.request.get(path).status == 404, path
    page.goto("/registry/units")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(f"/registry/liaisons/{elsewhere['liaison']}/active",
                               form={"csrf_token": token, "active": "false"})
    assert answer.status == 404
    assert "盘龙帮扶公司" not in page.content()
