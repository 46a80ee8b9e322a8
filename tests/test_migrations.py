"""The schema comes from Alembic alone: `upgrade head` gives exactly the models, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
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
