"""The API fuzzed from its own OpenAPI document by schemathesis, over the demonstration campaign, as
an administrator, a county officer and a liaison: no answer is a server error, and every status
code and media type is one the document lists for that operation. Examples per operation are
bounded (FUZZ_EXAMPLES) so the suite stays quick; the seed is fixed, so a failure replays."""

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance
from sqlmodel import Session, select

from app.auth.models import User
from app.auth.service import issue_token
from app.config import Settings
from app.db import create_db_engine
from app.demo import load_demo
from app.main import create_app
from tests.conftest import TEST_TODAY, migrate, scratch_database

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
ROLES = {"admin": "admin", "county": "zhenxiong", "liaison": "lianluo1"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def campaign(db_url, tmp_path_factory):
    """The app over a database of its own holding the demonstration campaign, and a token per role."""
    with scratch_database(db_url, tmp_path_factory.mktemp("fuzz")) as url:
        migrate(url)
        config = Settings(database_url=url, today=TEST_TODAY, _env_file=None)
        engine = create_db_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            load_demo(session, config)
            session.commit()
            users = {role: session.exec(select(User).where(User.username == name)).one()
                     for role, name in ROLES.items()}
        app = create_app(config)
        yield app, engine, config, users
        app.state.engine.dispose()
        engine.dispose()


# The document does not depend on the database: read it off an app that never connects.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(database_url=f"sqlite:///{tempfile.gettempdir()}/never-opened.db", _env_file=None)).openapi()
).exclude(path="/api/v1/auth/revoke")  # revoking the token under test would leave the rest unauthenticated
fuzz = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def call_as(role, case, campaign):
    _, engine, config, users = campaign
    with Session(engine, expire_on_commit=False) as session:
        user = session.get(User, users[role].id)
        user.active = True  # should the fuzzer have deactivated this user, let it in again
        token = issue_token(session, config, user)[0]
        session.commit()
    case.call_and_validate(app=campaign[0], headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)


@schema.parametrize()
@fuzz
def test_as_an_administrator(case, campaign):
    call_as("admin", case, campaign)


@schema.parametrize()
@fuzz
def test_as_a_county_officer(case, campaign):
    call_as("county", case, campaign)


@schema.parametrize()
@fuzz
def test_as_a_liaison(case, campaign):
    call_as("liaison", case, campaign)
