"""When the database cannot be had — PostgreSQL unreachable, or SQLite's write lock held elsewhere
for longer than a writer waits — every request answers 503 with Retry-After (a page for pages),
never a 500 or a dropped connection; it recovers by itself, and every acknowledged write is kept."""

import os
import threading

import psycopg
import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session

from app.auth.models import Role
from app.auth.service import issue_token
from app.config import Settings
from app.db import create_db_engine, writer
from app.main import create_app
from app.reports.models import Report
from tests.conftest import PG_ADMIN_URL, TEST_TODAY, migrate, scratch_database
from tests.factories import make_pairing, make_plan, make_unit, make_user, report_body
from tests.live import request, serve
from tests.proxy import Proxy
from tests.scenario import WEEK


def seed(url: str, settings: Settings) -> tuple[list[int], str, str]:
    """Ten pairings; the liaison's token for all of them (one unit) and the county officer's."""
    engine = create_db_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        unit = make_unit(session)
        pairings = []
        for _ in range(10):
            pairing = make_pairing(session, unit)
            make_plan(session, pairing)
            pairings.append(pairing.id)
        liaison = make_user(session, Role.liaison, unit_id=unit.id, username="outage_liaison")
        token = issue_token(session, settings, liaison)[0]
        officer = issue_token(session, settings, make_user(session, Role.officer, "530102000000"))[0]
        session.commit()
    engine.dispose()
    return pairings, token, officer


def stored(url: str) -> set[int]:
    engine = create_db_engine(url)
    with Session(engine) as session:
        found = set(session.scalars(select(Report.pairing_id).where(Report.week == WEEK)))
    engine.dispose()
    return found


@pytest.fixture
def pg_behind_proxy(tmp_path):
    """A scratch PostgreSQL database reached through a proxy the test can cut."""
    try:
        psycopg.connect(PG_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable; CI must test outages on it")
        pytest.skip("PostgreSQL is not reachable")
    with scratch_database("postgresql", tmp_path) as direct:
        migrate(direct)
        proxy = Proxy("127.0.0.1", 5432)
        try:
            yield direct, direct.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), proxy
        finally:
            proxy.close()


def test_an_unreachable_postgresql_answers_503_and_recovers_with_nothing_lost(pg_behind_proxy):
    direct, proxied, proxy = pg_behind_proxy
    settings = Settings(database_url=proxied, today=TEST_TODAY, _env_file=None)
    pairings, token, officer = seed(direct, settings)
    app = create_app(settings)
    acknowledged: set[int] = set()
    with serve(app) as base:
        def put(pid: int):
            answer = request("PUT", f"{base}/api/v1/pairings/{pid}/reports/{WEEK}", report_body(), token,
                             timeout=30)
            if answer.status in (200, 201):
                acknowledged.add(pid)
            return answer

        assert put(pairings[0]).status == 201
        proxy.cut()
        down = [put(pid) for pid in pairings[1:4]]
        down += [request("GET", f"{base}/api/v1/counties/530102000000/weekly-table", token=officer),
                 request("GET", f"{base}/healthz"), request("GET", f"{base}/login")]
        page = request("GET", f"{base}/", headers={"Cookie": "bangfu_session=whatever"})
        assert [a.status for a in down[:4]] == [503] * 4, [a.body for a in down]
        assert all(a.headers.get("retry-after") == "5" for a in down[:4])
        assert down[4].status == 503  # /healthz says so too
        assert down[5].status == 200  # the login page needs no database
        assert page.status == 503 and "系统繁忙" in page.body
        proxy.restore()
        up = [put(pid) for pid in pairings[4:7]]
        assert [a.status for a in up] == [201] * 3, [a.body for a in up]
    app.state.engine.dispose()
    assert stored(direct) == acknowledged == {pairings[0], *pairings[4:7]}


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """SQLite's own outage, one write lock held too long: PostgreSQL has row locks instead, and
    the proxy test covers its outage."""
    url = f"sqlite:///{tmp_path / 'outage.db'}"
    migrate(url)
    return url


def test_a_sqlite_write_lock_held_elsewhere_answers_503_after_the_wait_and_then_writes(sqlite_url):
    scratch_db_url = sqlite_url
    settings = Settings(database_url=scratch_db_url, today=TEST_TODAY, _env_file=None,
                        sqlite_busy_timeout_seconds=0.5, sqlite_write_wait_seconds=2)
    pairings, token, officer = seed(scratch_db_url, settings)
    app = create_app(settings)
    other = create_db_engine(scratch_db_url)  # "another process" holding the write lock
    with serve(app) as base:
        url = f"{base}/api/v1/pairings/{pairings[0]}/reports/{WEEK}"
        with writer(other).connect() as conn:
            conn.execute(text("UPDATE app_user SET display_name = display_name"))  # BEGIN IMMEDIATE
            busy = request("PUT", url, report_body(), token)
            read = request("GET", f"{base}/api/v1/pairings/{pairings[0]}", token=officer)
            conn.rollback()
        assert busy.status == 503 and busy.headers.get("retry-after") == "5", busy.body
        assert read.status == 200  # readers never wait for the writer (WAL)
        assert request("PUT", url, report_body(), token).status == 201
    app.state.engine.dispose()
    other.dispose()
    engine = create_db_engine(scratch_db_url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 1
    engine.dispose()


def test_writers_queued_past_their_wait_answer_503_not_500(sqlite_url):
    """More SQLite writers than fit in the wait: the ones left over get 503 and nothing half-done."""
    scratch_db_url = sqlite_url
    settings = Settings(database_url=scratch_db_url, today=TEST_TODAY, _env_file=None,
                        sqlite_write_wait_seconds=0.3)
    pairings, token, _officer = seed(scratch_db_url, settings)
    app = create_app(settings)
    other = create_db_engine(scratch_db_url)
    with serve(app) as base, writer(other).connect() as conn:
        # The first writer waits here for the lock; the rest queue behind it.
        conn.execute(text("UPDATE app_user SET display_name = display_name"))
        results: list[int] = []
        threads = [threading.Thread(target=lambda pid=pid: results.append(
            request("PUT", f"{base}/api/v1/pairings/{pid}/reports/{WEEK}", report_body(), token).status))
            for pid in pairings[:5]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        conn.rollback()
    app.state.engine.dispose()
    other.dispose()
    assert results and set(results) <= {201, 503} and 503 in results, results
    assert len(stored(scratch_db_url)) == results.count(201)

