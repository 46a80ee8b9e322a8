"""Friday 17:59: many writers at once against the real server and a real database, on SQLite (one
writer at a time: the others wait for the lock) and PostgreSQL. No 5xx, nothing lost, and the same
PUT sent twice at once stores one report."""

from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import Role
from app.auth.service import issue_token
from app.config import Settings
from app.db import create_db_engine
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


@pytest.fixture
def live(scratch_db_url, settings):
    migrate(scratch_db_url)
    live_settings = Settings(**{**settings.model_dump(), "database_url": scratch_db_url})
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
