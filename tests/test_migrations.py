"""The schema comes from Alembic alone: `upgrade head` gives exactly the models, on both databases."""

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import create_db_engine
from app.migrate import downgrade
from tests.conftest import migrate, owner_url, postgres_available, scratch_database


def test_upgrade_head_matches_the_models_exactly(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_every_model_table_exists(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_downgrade_to_base_and_up_again(scratch_db_url):
    migrate(scratch_db_url)
    downgrade(scratch_db_url, "base", owner_url=owner_url(scratch_db_url))
    engine = create_db_engine(scratch_db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate(scratch_db_url)
    engine = create_db_engine(scratch_db_url)
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_import_jobs_from_before_the_count_count_the_errors_they_kept(scratch_db_url):
    migrate(scratch_db_url, "208a8818b736")
    engine = create_db_engine(scratch_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO app_user (username, password_hash, display_name, role, active, "
                          "created_at) VALUES ('u', 'x', 'u', 'admin', true, '2020-07-01 00:00:00')"))
        for errors in ('[]', '[{"row": 2, "msg": "a"}, {"row": 3, "msg": "b"}]'):
            conn.execute(text("INSERT INTO import_job (kind, filename, dry_run, status, processed_rows, created, "
                              "updated, errors, user_id, created_at) VALUES ('reports', 'f.csv', false, 'failed', "
                              "0, 0, 0, :errors, 1, '2020-07-01 00:00:00')"), {"errors": errors})
    engine.dispose()
    migrate(scratch_db_url)
    engine = create_db_engine(scratch_db_url)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT error_count FROM import_job ORDER BY id")).scalars().all()
    engine.dispose()
    assert counts == [0, 2]


# --- the app's PostgreSQL role ----------------------------------------------------------------

REFUSED_TO_THE_APP = [
    "UPDATE audit_event SET actor = 'forger'",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "ALTER TABLE audit_event DISABLE TRIGGER USER",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
    "DROP TABLE audit_event CASCADE",
    "TRUNCATE report CASCADE",
    "ALTER TABLE report DROP COLUMN progress",
    "CREATE TABLE scratch (id integer)",
    "UPDATE alembic_version SET version_num = 'x'",
]


@pytest.fixture(scope="module")
def pg_url(tmp_path_factory):
    """A PostgreSQL database migrated by its owner, reached as the app's role (whatever database
    the rest of the suite runs on: roles and TRUNCATE are PostgreSQL's; on SQLite the triggers
    refuse UPDATE and DELETE)."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not reachable; CI must test the app's role on it")
        pytest.skip("PostgreSQL is not reachable")
    with scratch_database("postgresql", tmp_path_factory.mktemp("roles")) as url:
        migrate(url)
        yield url


@pytest.fixture
def as_app(pg_url):
    engine = create_engine(pg_url)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("statement", REFUSED_TO_THE_APP)
def test_the_app_role_may_not_erase_the_trail_or_change_the_schema(as_app, statement):
    with as_app.connect() as conn:  # as the app's role, which `bangfu migrate` granted
        conn.execute(text("INSERT INTO audit_event (at, actor, action, entity, entity_id) "
                          "VALUES (now(), 'probe', 'create', 'probe', '1')"))
        assert conn.execute(text("SELECT count(*) FROM audit_event WHERE actor = 'probe'")).scalar() == 1
        with pytest.raises(DBAPIError) as caught:
            conn.execute(text(statement))
        assert "permission denied" in str(caught.value) or "must be owner" in str(caught.value)
        conn.rollback()


def test_the_app_role_reads_and_writes_the_ledger(as_app):
    with as_app.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "bangfu_app"
        conn.execute(text("INSERT INTO region (code, name, level) VALUES ('990000000000', '测试', 'province')"))
        conn.execute(text("UPDATE region SET name = '测试省' WHERE code = '990000000000'"))
        conn.execute(text("DELETE FROM region WHERE code = '990000000000'"))
        conn.rollback()


def test_not_even_the_owner_may_truncate_the_trail(pg_url):
    owner = create_engine(owner_url(pg_url) or pg_url)
    try:
        with owner.connect() as conn:
            with pytest.raises(DBAPIError, match="append-only"):
                conn.execute(text("TRUNCATE audit_event"))
            conn.rollback()
    finally:
        owner.dispose()
