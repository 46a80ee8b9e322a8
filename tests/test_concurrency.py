"""Friday 17:59: many writers at once against the real server and a real database, on SQLite (one
writer at a time: the others wait for the lock) and PostgreSQL. No 5xx, nothing lost, and the same
PUT sent twice at once stores one report."""

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import anyio
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import Role
from app.auth.service import issue_token
from app.config import Settings
from app.db import SessionSlots, create_db_engine
from app.errors import Unavailable
from app.main import create_app
from app.reports.models import Report
from tests.conftest import migrate
from tests.factories import make_pairing, make_plan, make_unit, make_user, make_village, report_body
from tests.live import Answer, at_once, request, serve
from tests.scenario import COUNTY, WEEK

PAIRINGS = 50


@dataclass
class Live:
    url: str
    engine: object
    pairings: list[int] = field(default_factory=list)
    liaison_tokens: dict[int, str] = field(default_factory=dict)  # pairing id -> its liaison's token
    county_token: str = ""

    def put_report(self, pairing_id: int, week: str = WEEK, token: str | None = None,
                   **body) -> Answer:
        return request("PUT", f"{self.url}/api/v1/pairings/{pairing_id}/reports/{week}",
                       report_body(**body), token or self.liaison_tokens[pairing_id])

    def stored(self) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(Report)) or 0)


@contextmanager
def running(scratch_db_url: str, settings: Settings, **overrides: object) -> Iterator[Live]:
    migrate(scratch_db_url)
    live_settings = Settings(**{**settings.model_dump(), "database_url": scratch_db_url, **overrides})
    app = create_app(live_settings)
    engine = create_db_engine(scratch_db_url)
    world = Live(url="", engine=engine)
    with Session(engine, expire_on_commit=False) as session:
        for n in range(PAIRINGS):
            unit = make_unit(session)
            pairing = make_pairing(session, unit, make_village(session, code=f"530102001{n + 1:03d}"))
            make_plan(session, pairing)
            liaison = make_user(session, Role.liaison, unit_id=unit.id)
            world.pairings.append(pairing.id)
            world.liaison_tokens[pairing.id] = issue_token(session, live_settings, liaison)[0]
        world.county_token = issue_token(session, live_settings, make_user(session, Role.officer, COUNTY))[0]
        session.commit()
    with serve(app) as url:
        world.url = url
        yield world
    app.state.engine.dispose()
    engine.dispose()


@pytest.fixture
def live(scratch_db_url, settings):
    with running(scratch_db_url, settings) as world:
        yield world


def statuses(answers: list[Answer]) -> Counter:
    return Counter(a.status for a in answers)


def test_fifty_liaisons_saving_at_once_all_get_201(live):
    answers = at_once([lambda pid=pid: live.put_report(pid) for pid in live.pairings])
    assert statuses(answers) == {201: PAIRINGS}, [a.body for a in answers if a.status != 201][:3]
    assert live.stored() == PAIRINGS


def test_the_same_put_sent_twenty_times_at_once_stores_one_report(live):
    pid = live.pairings[0]
    answers = at_once([lambda: live.put_report(pid) for _ in range(20)])
    assert statuses(answers) == {201: 1, 200: 19}, [a.body for a in answers if a.status not in (200, 201)][:3]
    assert live.stored() == 1
    assert len({a.body["id"] for a in answers}) == 1


def test_writers_and_readers_mixed_at_once_never_see_a_server_error(live):
    """Liaisons saving, the county approving and reading its table, and someone logging in."""
    first = live.put_report(live.pairings[0])
    assert first.status == 201
    table = f"{live.url}/api/v1/counties/{COUNTY}/weekly-table?week={WEEK}"
    approve = f"{live.url}/api/v1/pairings/{live.pairings[0]}/reports/{WEEK}/approve"
    calls = [lambda pid=pid: live.put_report(pid, jobs_done=9) for pid in live.pairings[:30]]
    calls += [lambda: request("GET", table, token=live.county_token) for _ in range(10)]
    calls += [lambda: request("POST", approve, token=live.county_token)]
    calls += [lambda: request("POST", f"{live.url}/api/v1/auth/token", data=b"username=nobody&password=wrong",
                              headers={"Content-Type": "application/x-www-form-urlencoded"}) for _ in range(3)]
    answers = at_once(calls)
    assert not [a for a in answers if a.status >= 500], [a.body for a in answers if a.status >= 500][:3]
    assert statuses(answers[:30]) == {201: 29, 200: 1}
    assert all(a.status == 200 for a in answers[30:40])
    assert answers[40].status in (200, 409)  # approved, or re-sent by its liaison meanwhile
    assert [a.status for a in answers[41:]] == [401, 401, 401], [a.body for a in answers[41:]]


def test_a_crowd_larger_than_the_pool_waits_its_turn_instead_of_deadlocking(scratch_db_url, settings):
    """Two connections, 60 readers and 50 writers at once (more requests than the 40 worker
    threads): each request takes its worker threads only once it has a session's slot, so no
    thread waits in the pool while the requests that hold its connections wait for a thread.
    Without the slots this waits out the pool's timeout and answers 503."""
    with running(scratch_db_url, settings, database_pool_size=2, database_pool_overflow=0,
                 database_wait_seconds=30) as world:
        calls = [lambda pid=pid: world.put_report(pid) for pid in world.pairings]
        calls += [lambda pid=pid: request("GET", f"{world.url}/api/v1/pairings/{pid}/reports",
                                          token=world.county_token) for pid in world.pairings + world.pairings[:10]]
        answers = at_once(calls)
        assert statuses(answers[:PAIRINGS]) == {201: PAIRINGS}, [a.body for a in answers if a.status >= 300][:3]
        assert statuses(answers[PAIRINGS:]) == {200: PAIRINGS + 10}
        assert world.stored() == PAIRINGS


def test_a_session_slot_not_had_in_time_is_a_503():
    async def scenario() -> None:
        slots = SessionSlots(1, wait_seconds=0.05)
        async with slots.held():
            with pytest.raises(Unavailable):
                async with slots.held():
                    pass
        async with slots.held():  # freed again, and the refused wait took nothing
            pass

    # In a thread of its own: a browser test's Playwright keeps an event loop in this process's main
    # thread for the whole session, and a second loop cannot run where one already is.
    with ThreadPoolExecutor(1) as thread:
        thread.submit(anyio.run, scenario).result()
