"""The `bangfu` command: migrate, demo (only into an empty database), create-user."""

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import Role, User
from app.cli import main
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
