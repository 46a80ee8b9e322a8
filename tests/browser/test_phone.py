"""The pages on a phone (390x844, touch, mobile emulation): nothing wider than the screen, a
header that folds away, and the liaison's main action a real tap away."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONES, fill_report, login, phone_page

pytestmark = pytest.mark.browser

# Every page of every role (and the public's, logged out), as its users reach it.
PAGES = {
    "liaison": ["/", "/pairings/{planned}/reports/2020-W29", "/pairings/{planned}/plan", "/pairings/{pairing}/plan",
                "/imports"],
    "county": ["/", "/review", "/counties/530102000000/table", "/counties/530102000000/candidates",
               "/imports", "/pairings/{planned}/reports/2020-W28",
               "/pairings/{planned}/plan"],
    "province": ["/", "/provinces/530000000000/table", "/counties/530102000000/table", "/publications"],
    "admin": ["/", "/national/table", "/provinces/530000000000/table", "/imports", "/publications", "/docs"],
    None: ["/login", "/public", "/public/cases"],
}


def fits(page) -> tuple[int, int]:
    # clientWidth, not innerWidth: under mobile emulation a too-wide page widens innerWidth itself.
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


@pytest.mark.parametrize("size", sorted(PHONES))
@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: who or "public")
def test_every_page_fits_the_phone_screen(browser, live_server, who, size):
    with phone_page(browser, live_server, size) as phone:
        if who:
            login(phone, who)
        for path in PAGES[who]:
            answer = phone.goto(path.format(**live_server))
            assert answer.status == 200, path
            scroll, client = fits(phone)
            assert scroll <= client, f"{path}: {scroll}px wide on a {client}px screen"


def test_the_liaisons_main_action_is_a_real_tap_and_the_deadline_is_shown(phone, live_server):
    login(phone, "liaison")
    expect(phone.locator("#deadline")).to_contain_text("报送截止：07月17日 18:00")
    action = phone.locator(".task", has_text="新华村").get_by_role("link", name="填报本周进展")
    box = action.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 44, box
    action.tap()
    phone.wait_for_url(f"**/pairings/{live_server['planned']}/reports/2020-W29")
    expect(phone.locator("h1")).to_have_text("每周项目进展")


def test_the_header_folds_into_a_menu(phone, live_server):
    login(phone, "county")
    logout = phone.get_by_role("button", name="退出")
    expect(logout).to_be_hidden()
    menu = phone.get_by_role("button", name="菜单")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.tap()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(logout).to_be_visible()
    expect(phone.locator("#menu").get_by_role("link", name="审核", exact=True)).to_be_visible()


def test_a_slow_save_says_so_and_its_result_is_shown_beside_the_button(phone, live_server):
    login(phone, "liaison")
    url = f"/pairings/{live_server['pairing']}/reports/2020-W29"
    phone.goto(url)

    def slowly(route):  # a weak signal: the answer takes a while
        phone.wait_for_timeout(1500)
        route.continue_()

    phone.route(f"**{url}", lambda route: slowly(route) if route.request.method == "POST" else route.continue_())
    fill_report(phone, "开始对接", funds_arrived_wan="5", materials_arrived_wan="0", sales_done_wan="0",
                jobs_done="1", trained_done="0", stationed_now="0")
    saving = phone.locator("#saving")
    expect(saving).to_be_hidden()  # the live checks do not say 正在保存
    button = phone.get_by_role("button", name="报送本周进展")
    button.tap()
    expect(saving).to_be_visible()
    expect(phone.locator(".form-actions button").first).to_be_disabled()
    saved = phone.locator(".form-actions .saved")
    expect(saved).to_contain_text("本周进展已报送")
    expect(saved).to_be_in_viewport(ratio=1)  # on screen, by the button
    assert phone.evaluate("document.activeElement.matches('p.success[role=status]')")
    expect(saving).to_be_hidden()
