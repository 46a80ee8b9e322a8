"""A live server on a scratch database and Debian's Chromium driven by Playwright.

In CI a missing Chromium fails the run instead of skipping the browser tests."""

import os
import shutil
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session

from app.auth.models import Role, User
from app.auth.service import hash_password
from app.common import parse_week
from app.config import Settings
from app.db import create_db_engine
from app.main import create_app
from app.pairings.models import Pairing, Plan
from app.reports.models import Report
from app.stats.service import rebuild_rollups
from app.units.models import Unit
from tests.conftest import TEST_TODAY, migrate, scratch_database
from tests.factories import PASSWORD, credit_code, ensure_region, make_village
from tests.live import serve
from tests.proxy import Proxy

CHROMIUM = os.environ.get("BANGFU_CHROMIUM", "/usr/bin/chromium")


def _seed(url: str) -> dict:
    engine = create_db_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        ensure_region(session, "530102000000", "五华区")
        village = make_village(session, code="530102001001", name="大坪村")
        unit = Unit(name="甲农业科技有限公司", kind="private_enterprise", credit_code=credit_code(1),
                    home_province="北京市", home_city="北京市", contact_name="王", contact_phone="010-1")
        session.add(unit)
        session.flush()
        pairing = Pairing(unit_id=unit.id, village_id=village.id, signed_on=date(2020, 5, 1),
                          committed_funds_wan=Decimal(50), valid_until=date(2020, 12, 31))
        session.add(pairing)
        session.flush()
        planned = Pairing(unit_id=unit.id, village_id=make_village(session, code="530102001002",
                                                                    name="新华村").id,
                          signed_on=date(2020, 5, 2), committed_funds_wan=Decimal(80),
                          valid_until=date(2020, 12, 31))
        session.add(planned)
        session.flush()
        session.add(Plan(pairing_id=planned.id, planned_funds_wan=Decimal(80), jobs_target=20,
                         unit_jobs=20, status="confirmed"))
        filed = datetime(2020, 7, 1, 2, tzinfo=UTC)
        for week, funds in (("2020-W27", 10), ("2020-W28", 30)):
            session.add(Report(pairing_id=planned.id, week=week, week_start=parse_week(week),
                               funds_arrived_wan=Decimal(funds), materials_arrived_wan=Decimal(0),
                               sales_done_wan=Decimal(0), jobs_done=funds // 5, progress="进展",
                               first_submitted_at=filed, submitted_at=filed))
        digest = hash_password(PASSWORD)
        session.add(User(username="liaison", display_name="联络员甲", role=Role.liaison,
                         unit_id=unit.id, password_hash=digest))
        session.add(User(username="county", display_name="五华区扶贫办", role=Role.officer,
                         region_code="530102000000", password_hash=digest))
        session.add(User(username="province", display_name="云南省扶贫办", role=Role.officer,
                         region_code="530000000000", password_hash=digest))
        session.add(User(username="admin", display_name="系统管理员", role=Role.admin, password_hash=digest))
        session.flush()
        rebuild_rollups(session, Settings(_env_file=None))  # written straight into the tables above
        session.commit()
        ids = {"pairing": pairing.id, "planned": planned.id}
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def live_server(db_url, tmp_path_factory):
    with scratch_database(db_url, tmp_path_factory.mktemp("live")) as url:
        migrate(url)
        ids = _seed(url)
        app = create_app(Settings(database_url=url, today=TEST_TODAY, _env_file=None))
        with serve(app) as base:
            yield {"base": base, "db": url, **ids}
        app.state.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@contextmanager
def _page(browser, live_server, base: str | None = None, **device):
    context = browser.new_context(locale="zh-CN", base_url=base or live_server["base"], **device)
    page = context.new_page()
    page.set_default_timeout(20_000)  # a loaded 2-core CI machine runs both databases' servers
    problems = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    # A live check superseded by a newer one is aborted on purpose (hx-sync replace); htmx logs
    # that as an error, and it is not one.
    expected = ("htmx:sendAbort", "htmx:afterRequest")
    # A refused form answers 422 with the form and its messages: the browser logs the status.
    refused = "the server responded with a status of 422"
    # A test that takes the network away expects what the browser and htmx then log.
    page.offline_errors = ("htmx:sendError", "net::ERR_INTERNET_DISCONNECTED", "net::ERR_EMPTY_RESPONSE",
                           "net::ERR_CONNECTION_RESET", "net::ERR_CONNECTION_CLOSED",
                           "net::ERR_SOCKET_NOT_CONNECTED", "status of 503")
    page.expect_offline = False
    page.on("console", lambda msg: problems.append(msg.text)
            if msg.type == "error" and not msg.text.startswith(expected) and refused not in msg.text
            and not (page.expect_offline and any(e in msg.text for e in page.offline_errors)) else None)
    yield page
    context.close()
    assert problems == [], problems  # no script errors, no CSP violations


@pytest.fixture
def page(browser, live_server):
    with _page(browser, live_server, viewport={"width": 1366, "height": 768}) as desk:
        yield desk


PHONES = {"390x844": {"width": 390, "height": 844}, "360x640": {"width": 360, "height": 640}}


@pytest.fixture
def phone(browser, live_server):
    """A phone: 390x844, touch, mobile emulation (the layout viewport follows the page)."""
    with phone_page(browser, live_server, "390x844") as handset:
        yield handset


def phone_page(browser, live_server, size: str, base: str | None = None):
    return _page(browser, live_server, base, viewport=PHONES[size], is_mobile=True, has_touch=True,
                 device_scale_factor=3)


class Signal:
    """The phone's way to the server, which the test takes away and gives back: a TCP proxy in
    between is cut (open connections drop, new ones are refused), and the browser is told it is
    offline (navigator.onLine, the "online" event when it returns). Chromium's offline emulation
    alone lets requests through when a service worker controls the page (microsoft/playwright#2311),
    so a save "without signal" could reach the server."""

    def __init__(self, page, proxy: Proxy):
        self.page, self.proxy = page, proxy

    def lose(self) -> None:
        self.page.expect_offline = True
        self.page.context.set_offline(True)
        self.proxy.cut()

    def back(self) -> None:
        self.proxy.restore()
        self.page.context.set_offline(False)


@pytest.fixture
def weak_signal(browser, live_server):
    """A phone (390x844) whose connection to the server the test can cut: (page, Signal)."""
    host, port = live_server["base"].removeprefix("http://").rsplit(":", 1)
    proxy = Proxy(host, int(port))
    try:
        with phone_page(browser, live_server, "390x844", base=f"http://127.0.0.1:{proxy.port}") as handset:
            yield handset, Signal(handset, proxy)
    finally:
        proxy.close()


def login(page, username: str) -> None:
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def fill_report(page, progress: str = "新增 2 人进棚务工", **figures: str) -> None:
    """Type the weekly report's figures (field name -> text as typed) and its progress."""
    for name, value in figures.items():
        page.fill(f"input[name={name}]", value)
    page.fill("textarea[name=progress]", progress)
