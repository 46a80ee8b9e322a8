"""The schema comes from Alembic alone: `upgrade head` gives exactly the models, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401
from app.db import create_db_engine
from app.migrate import downgrade, upgrade


def test_upgrade_head_matches_the_models_exactly(engine):
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_every_model_table_exists(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_downgrade_to_base_and_up_again(scratch_db_url):
    upgrade(scratch_db_url)
    downgrade(scratch_db_url, "base")
    engine = create_db_engine(scratch_db_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(scratch_db_url)
    engine = create_db_engine(scratch_db_url)
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_import_jobs_from_before_the_count_count_the_errors_they_kept(scratch_db_url):
    upgrade(scratch_db_url, "208a8818b736")
    engine = create_db_engine(scratch_db_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO app_user (username, password_hash, display_name, role, active, "
                          "created_at) VALUES ('u', 'x', 'u', 'admin', true, '2020-07-01 00:00:00')"))
        for errors in ('[]', '[{"row": 2, "msg": "a"}, {"row": 3, "msg": "b"}]'):
            conn.execute(text("INSERT INTO import_job (kind, filename, dry_run, status, processed_rows, created, "
                              "updated, errors, user_id, created_at) VALUES ('reports', 'f.csv', false, 'failed', "
                              "0, 0, 0, :errors, 1, '2020-07-01 00:00:00')"), {"errors": errors})
    engine.dispose()
    upgrade(scratch_db_url)
    engine = create_db_engine(scratch_db_url)
    with engine.connect() as conn:
        counts = conn.execute(text("SELECT error_count FROM import_job ORDER BY id")).scalars().all()
    engine.dispose()
    assert counts == [0, 2]
