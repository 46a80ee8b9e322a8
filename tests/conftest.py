"""Fixtures: every test runs once on SQLite and once on PostgreSQL, each in a rolled-back
transaction on a schema built by the Alembic migrations."""

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.config import Settings
from app.db import create_db_engine, get_session
from app.main import create_app
from app.migrate import upgrade

PG_ADMIN_URL = os.environ.get("BANGFU_TEST_PG_ADMIN", "postgresql://root@127.0.0.1:5432/postgres")
# A test's app enqueues into a queue and keeps uploads in a directory of this test process, never
# the development ones under data/ (a worker started there would run the tests' jobs). Tests that
# run a worker give it a queue of its own (tests/workers.py).
_SCRATCH = Path(os.environ.get("TMPDIR", "/tmp")) / f"bangfu-tests-{os.getpid()}"
os.environ["BANGFU_QUEUE_URL"] = f"sqlite:///{_SCRATCH / 'queue.db'}"
os.environ["BANGFU_UPLOAD_DIR"] = str(_SCRATCH / "uploads")



@pytest.fixture(scope="session", autouse=True)
def _scratch_queue() -> Iterator[None]:
    yield
    shutil.rmtree(_SCRATCH, ignore_errors=True)


# A Wednesday inside the demo campaign: 2020-W29.
TEST_TODAY = date(2020, 7, 15)


# On PostgreSQL the suite runs the app as this role, with the privileges `bangfu migrate` grants an
# app's role (app/migrate.py); the schema belongs to the administrator, who migrates.
APP_ROLE = "bangfu_app"


def app_url(name: str) -> str:
    """How the app reaches the PostgreSQL database `name`."""
    return f"postgresql+psycopg://{APP_ROLE}@127.0.0.1:5432/{name}"


def owner_url(url: str) -> str | None:
    """Who migrates the database at `url`: None when it is the app's own (SQLite)."""
    return url.replace(f"//{APP_ROLE}@", "//root@", 1) if f"//{APP_ROLE}@" in url else None


def migrate(url: str, revision: str = "head") -> None:
    """Migrate as `bangfu migrate` does with BANGFU_MIGRATION_DATABASE_URL set: as the owner,
    granting the app's role its share."""
    upgrade(url, revision, owner_url=owner_url(url))


def _create_app_role(admin: psycopg.Connection) -> None:
    try:
        admin.execute(f"CREATE ROLE {APP_ROLE} LOGIN")
    # Another test process (pytest-xdist) may create it at the same moment: then the catalogue's
    # unique index answers instead of the duplicate check.
    except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
        pass


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def pytest_generate_tests(metafunc):
    if "db_url" in metafunc.fixturenames:
        # @pytest.mark.databases("postgresql"): what exists on one database only (several server
        # processes) runs there, rather than being skipped on the other.
        only = metafunc.definition.get_closest_marker("databases")
        kinds = [kind for kind in ("sqlite", "postgresql") if only is None or kind in only.args]
        metafunc.parametrize("db_url", kinds, indirect=True, scope="session")


@pytest.fixture(scope="session")
def db_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url
        return
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}; CI must test on it")
        pytest.skip(f"PostgreSQL is not reachable at {PG_ADMIN_URL}")
    name = f"bangfu_test_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        _create_app_role(admin)
        admin.execute(f'CREATE DATABASE "{name}"')
    url = app_url(name)
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def engine(db_url) -> Iterator[Engine]:
    engine = create_db_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine):
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        outer.rollback()


@pytest.fixture
def session(connection) -> Iterator[Session]:
    """A session whose commits are savepoints inside the test's transaction."""
    with Session(bind=connection, join_transaction_mode="create_savepoint",
                 expire_on_commit=False) as session:
        yield session


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database_url=db_url, today=TEST_TODAY, _env_file=None)


@pytest.fixture
def app(settings, connection):
    application = create_app(settings)

    def test_session():
        with Session(bind=connection, join_transaction_mode="create_savepoint",
                     expire_on_commit=False) as s:
            try:
                yield s
                s.commit()
            except BaseException:
                s.rollback()
                raise

    application.dependency_overrides[get_session] = test_session
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@contextmanager
def scratch_database(db_url: str, directory: Path) -> Iterator[str]:
    """An empty database of the same kind as `db_url`, outside any test transaction, dropped
    afterwards; on PostgreSQL its URL is the app role's (migrate it with `migrate`)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{directory / 'scratch.db'}"
        return
    name = f"bangfu_scratch_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        _create_app_role(admin)
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield app_url(name)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_db_url(db_url, tmp_path) -> Iterator[str]:
    """An empty database of the same kind, outside the test transaction, dropped afterwards."""
    with scratch_database(db_url, tmp_path) as url:
        yield url
