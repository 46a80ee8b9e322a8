"""Running Alembic from code: `bangfu migrate` and the tests use the same path.

On PostgreSQL the schema may belong to one role (which migrates) while the app connects as
another with no more than it needs: it reads and writes the ledger's tables, may only insert into
and read the audit trail, and may not alter, truncate or disable triggers on anything (only a
table's owner may). `upgrade` grants exactly that to the app's role after every migration, so new
tables are covered."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent

# {role} is quoted by the caller. Run by the owner after each upgrade; each statement is idempotent.
APP_ROLE_GRANTS = (
    "GRANT USAGE ON SCHEMA public TO {role}",
    "REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
    "REVOKE UPDATE, DELETE ON audit_event FROM {role}",
    "REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
)


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    return config


def app_role(database_url: str, owner_url: str | None) -> str | None:
    """The role to grant the app's privileges to: the app's user on PostgreSQL when another
    user (the owner) migrates."""
    if owner_url is None:
        return None
    app, owner = make_url(database_url), make_url(owner_url)
    if app.get_backend_name() != "postgresql" or app.username == owner.username:
        return None
    return app.username


def upgrade(database_url: str, revision: str = "head", owner_url: str | None = None) -> None:
    """Migrate the app's database; as `owner_url` when given, granting the app's role its share."""
    command.upgrade(alembic_config(owner_url or database_url), revision)
    role = app_role(database_url, owner_url)
    if role is None:
        return
    assert owner_url is not None
    engine = create_engine(owner_url)
    try:
        with engine.begin() as conn:
            quoted = conn.dialect.identifier_preparer.quote(role)
            for statement in APP_ROLE_GRANTS:
                conn.execute(text(statement.format(role=quoted)))
    finally:
        engine.dispose()


def downgrade(database_url: str, revision: str, owner_url: str | None = None) -> None:
    command.downgrade(alembic_config(owner_url or database_url), revision)
