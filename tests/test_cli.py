"""The `bangfu` command: migrate, demo (only into an empty database), create-user, serve."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import Role, User
from app.cli import main, worker_count
from app.codes import Level
from app.config import get_settings
from app.db import create_db_engine
from app.pairings.models import Pairing, Plan
from app.regions.models import Region, Village
from app.reports.models import Report
from app.units.models import Unit, UnitKind
from tests.conftest import owner_url


@pytest.fixture
def cli_db(scratch_db_url, monkeypatch):
    monkeypatch.setenv("BANGFU_DATABASE_URL", scratch_db_url)
    if owner_url(scratch_db_url):  # PostgreSQL: the owner migrates, the app runs as its own role
        monkeypatch.setenv("BANGFU_MIGRATION_DATABASE_URL", owner_url(scratch_db_url))
    get_settings.cache_clear()
    yield scratch_db_url
    get_settings.cache_clear()


def count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_migrate_then_demo_loads_a_realistic_campaign_once(cli_db, capsys):
    assert main(["migrate"]) == 0
    assert main(["demo"]) == 0
    engine = create_db_engine(cli_db)
    with Session(engine) as session:
        assert count(session, Region, Region.level == Level.province) >= 2
        assert count(session, Region, Region.level == Level.county) >= 3
        assert count(session, Village) >= 50
        assert count(session, Unit) >= 30
        kinds = set(session.scalars(select(Unit.kind).distinct()))
        assert kinds == {k.value for k in UnitKind}
        assert count(session, Pairing) >= 50
        assert count(session, Plan) == count(session, Pairing)
        weeks = set(session.scalars(select(Report.week).distinct()))
        assert len(weeks) >= 4
        roles = {(u.role, u.region_code is None) for u in session.scalars(select(User))}
        assert {(Role.admin, True), (Role.officer, True), (Role.officer, False),
                (Role.liaison, True)} <= roles
        # One officer at each level the README lists.
        levels = {len(code.rstrip("0")) for code in
                  session.scalars(select(User.region_code).where(User.region_code.is_not(None)))}
        assert {2, 4, 6} <= levels
    engine.dispose()
    capsys.readouterr()

    assert main(["demo"]) == 1  # never on top of existing data
    assert "已有数据" in capsys.readouterr().err
    assert main(["demo", "--if-empty"]) == 0


def test_create_user_from_the_command_line(cli_db, capsys):
    assert main(["migrate"]) == 0
    assert main(["create-user", "--username", "root-admin", "--password", "long-enough-1",
                 "--role", "admin"]) == 0
    assert main(["create-user", "--username", "x-officer", "--password", "long-enough-1",
                 "--role", "officer", "--region-code", "530627000000"]) == 2
    assert "530627000000" in capsys.readouterr().err  # the region does not exist yet
    assert main(["create-user", "--username", "y", "--password", "short", "--role", "admin"]) == 2
    engine = create_db_engine(cli_db)
    with Session(engine) as session:
        assert [u.username for u in session.scalars(select(User))] == ["root-admin"]
    engine.dispose()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers(pid: int) -> list[int]:
    """The process's children but multiprocessing's resource tracker."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()
                  if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]
    return found


def test_serve_runs_one_process_per_core_on_postgresql_and_one_on_sqlite(cli_db, capsys):
    """`bangfu serve`: several worker processes share the port on PostgreSQL (default: one per
    core); on SQLite exactly one, and asking for more is refused with the reason."""
    assert main(["migrate"]) == 0
    sqlite = cli_db.startswith("sqlite")
    if sqlite:
        assert main(["serve", "--workers", "2"]) == 2
        assert "SQLite" in capsys.readouterr().err
        assert worker_count(cli_db, None) == 1
        expected = 1
    else:
        assert worker_count(cli_db, None) == (os.cpu_count() or 1)
        expected = 2
    port = _free_port()
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port)] + ([] if sqlite else ["--workers", "2"])
    server = subprocess.Popen(command, env={**os.environ, "BANGFU_TODAY": "2020-07-15"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, "bangfu serve did not start"
            time.sleep(0.2)
        # uvicorn's supervisor forks the workers (on SQLite the one process serves by itself).
        workers = _workers(server.pid)
        assert len(workers) == (expected if not sqlite else 0)
    finally:
        server.terminate()
        server.wait(timeout=30)
