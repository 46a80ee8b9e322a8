"""axe-core (4.12, through axe-playwright-python) over every page of every role, on a desk screen
and on a phone: no serious or critical finding. The keyboard: a skip link first, wide tables
reachable and scrollable in their box, and a refused save that lands on its field."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import fill_report, login, phone_page
from tests.browser.test_phone import PAGES

pytestmark = pytest.mark.browser
AXE = Axe()


def serious(page) -> list[str]:
    results = AXE.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("screen", ["desk", "phone"])
@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: who or "public")
def test_no_page_has_a_serious_accessibility_finding(browser, live_server, page, who, screen):
    def check(view) -> None:
        if who:
            login(view, who)
        found = {}
        for path in PAGES[who]:
            if path == "/docs":
                continue  # Swagger UI's own markup (vendored as it is published), for developers
            view.goto(path.format(**live_server))
            if problems := serious(view):
                found[path] = problems
        assert found == {}, found

    if screen == "desk":
        check(page)
    else:
        with phone_page(browser, live_server, "390x844") as phone:
            check(phone)


def test_the_first_tab_stop_skips_to_the_content(page, live_server):
    login(page, "county")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="跳到正文")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_a_wide_table_on_a_phone_is_reached_and_scrolled_by_keyboard(browser, live_server):
    with phone_page(browser, live_server, "390x844") as phone:
        login(phone, "county")
        phone.goto("/counties/530102000000/table")
        box = phone.locator(".table-wrap")
        expect(box).to_have_attribute("tabindex", "0")
        expect(box).to_have_attribute("role", "region")
        box.focus()
        before = box.evaluate("el => el.scrollLeft")
        phone.keyboard.press("ArrowRight")
        phone.keyboard.press("ArrowRight")
        phone.wait_for_function("el => el.scrollLeft > 0", arg=box.element_handle())
        assert box.evaluate("el => el.scrollLeft") > before


def test_a_refused_save_takes_focus_to_the_field_not_the_summary(phone, live_server):
    login(phone, "liaison")
    phone.goto(f"/pairings/{live_server['pairing']}/reports/2020-W29")
    fill_report(phone, "开始对接", funds_arrived_wan="5", materials_arrived_wan="0", sales_done_wan="0",
                jobs_done="abc", trained_done="0", stationed_now="0")
    phone.get_by_role("button", name="报送本周进展").tap()
    expect(phone.locator("input[name=jobs_done]")).to_be_focused()
