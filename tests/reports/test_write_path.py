"""The weekly-report PUT is the deadline's hot path: what it asks the database, counted. What it
needs is read once (the token with its user; the pairing with its village, unit and plan; the
week's lock; the week's report and its neighbours, locked; the flags of the week and of the next
one), and written once (the report, its audit row)."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.auth.models import Role
from tests.factories import auth_headers, make_pairing, make_plan, make_report, make_user, report_body

NEW_REPORT_MAX = 8
# Transaction control is not a question asked: the test's savepoints, SQLite's BEGIN IMMEDIATE.
CONTROL = re.compile(r"^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b", re.IGNORECASE)


@contextmanager
def statements(connection) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _executemany):
        if not CONTROL.match(statement):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", count)


@pytest.fixture
def filing(session, settings):
    pairing = make_pairing(session)
    make_plan(session, pairing)
    make_report(session, pairing, "2020-W27")
    liaison = make_user(session, Role.liaison, unit_id=pairing.unit_id)
    headers = auth_headers(session, settings, liaison)
    session.commit()
    return pairing, headers


def test_a_new_report_is_saved_in_at_most_eight_statements(client, connection, filing):
    pairing, headers = filing
    with statements(connection) as seen:
        answer = client.put(f"/api/v1/pairings/{pairing.id}/reports/2020-W28", json=report_body(), headers=headers)
    assert answer.status_code == 201, answer.text
    assert len(seen) <= NEW_REPORT_MAX, "\n".join(s.split("\n")[0][:120] for s in seen)
    # Not fewer by skipping work: the report and its audit row are written.
    assert sum(s.lstrip().upper().startswith("INSERT INTO REPORT") for s in seen) == 1
    assert sum(s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT") for s in seen) == 1


def test_a_back_filled_week_with_a_flag_raised_stays_within_a_few_more(client, connection, filing, session):
    """A week filed between two others, raising S5 (far beyond the plan): the flag's insert and
    its audit row come on top, the reads do not grow."""
    pairing, headers = filing
    make_report(session, pairing, "2020-W29", jobs_done=5000)
    session.commit()
    with statements(connection) as seen:
        answer = client.put(f"/api/v1/pairings/{pairing.id}/reports/2020-W28",
                            json=report_body(jobs_done=5000), headers=headers)
    assert answer.status_code == 201, answer.text
    assert {f["rule"] for f in answer.json()["flags"]} >= {"S5"}
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 5, "\n".join(s.split("\n")[0][:120] for s in reads)


def test_the_same_put_again_writes_nothing(client, connection, filing):
    pairing, headers = filing
    url = f"/api/v1/pairings/{pairing.id}/reports/2020-W28"
    assert client.put(url, json=report_body(), headers=headers).status_code == 201
    with statements(connection) as seen:
        again = client.put(url, json=report_body(), headers=headers)
    assert again.status_code == 200
    assert not [s for s in seen if not s.lstrip().upper().startswith("SELECT")]
