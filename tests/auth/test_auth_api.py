"""Tokens, the failed-login throttle, revocation and who may create whom."""

from sqlalchemy import select

from app.auth.models import Role, User
from tests.factories import PASSWORD, auth_headers, make_pairing, make_unit, make_user


def login(client, username, password=PASSWORD):
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def test_password_flow_issues_a_bearer_token_that_reaches_me(client, session):
    user = make_user(session, Role.officer, region_code="530102000000")
    answer = login(client, user.username)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and len(body["access_token"]) >= 40
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == user.username and me.json()["region_code"] == "530102000000"
    assert "password_hash" not in me.json()


def test_wrong_password_is_401_and_unknown_user_too(client, session):
    user = make_user(session)
    assert login(client, user.username, "wrong-password").status_code == 401
    assert login(client, "nobody-here", "whatever1").status_code == 401


def test_repeated_failures_lock_the_username_with_429(client, session, settings):
    user = make_user(session)
    for _ in range(settings.login_max_failures):
        assert login(client, user.username, "wrong-password").status_code == 401
    locked = login(client, user.username)  # even the right password waits out the lock
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0


def test_failed_login_is_audited(client, session):
    from app.audit.models import AuditEvent

    user = make_user(session)
    login(client, user.username, "wrong-password")
    events = session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed")).all()
    assert [e.actor for e in events] == [user.username]


def test_no_token_and_a_bad_token_are_401(client):
    assert client.get("/api/v1/users/me").status_code == 401
    answer = client.get("/api/v1/users/me", headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"


def test_revoked_token_no_longer_works(client, session):
    user = make_user(session)
    token = login(client, user.username).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.post("/api/v1/auth/revoke", headers=headers).status_code == 204
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_deactivated_user_token_stops_working(client, session, settings):
    user = make_user(session)
    headers = auth_headers(session, settings, user)
    user.active = False
    session.flush()
    assert client.get("/api/v1/users/me", headers=headers).status_code == 401


def test_tokens_are_stored_hashed(client, session):
    from app.auth.models import ApiToken

    user = make_user(session)
    token = login(client, user.username).json()["access_token"]
    stored = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert stored.token_hash != token and len(stored.token_hash) == 64


def test_admin_creates_an_officer_and_password_is_hashed(client, session, settings):
    admin = make_user(session)
    make_user(session, Role.officer, region_code="530000000000")  # makes the province exist
    body = {"username": "kunming-officer", "password": "s3cret-pass", "display_name": "李科长",
            "role": "officer", "region_code": "530000000000"}
    answer = client.post("/api/v1/users", json=body, headers=auth_headers(session, settings, admin))
    assert answer.status_code == 201, answer.text
    stored = session.scalars(select(User).where(User.username == "kunming-officer")).one()
    assert stored.password_hash.startswith("$argon2")
    assert login(client, "kunming-officer", "s3cret-pass").status_code == 200


def test_county_officer_may_not_create_officers_but_a_province_officer_may(client, session, settings):
    county = make_user(session, Role.officer, region_code="530102000000")
    province = make_user(session, Role.officer, region_code="530000000000")
    body = {"username": "new-county", "password": "s3cret-pass", "display_name": "新用户",
            "role": "officer", "region_code": "530102000000"}
    assert client.post("/api/v1/users", json=body,
                       headers=auth_headers(session, settings, county)).status_code == 403
    assert client.post("/api/v1/users", json=body,
                       headers=auth_headers(session, settings, province)).status_code == 201


def test_officer_creates_liaisons_only_for_units_paired_in_its_region(client, session, settings):
    officer = make_user(session, Role.officer, region_code="530102000000")
    paired = make_pairing(session).unit_id
    stranger = make_unit(session).id
    headers = auth_headers(session, settings, officer)
    body = {"username": "liaison-a", "password": "s3cret-pass", "display_name": "联络员甲",
            "role": "liaison", "unit_id": paired}
    assert client.post("/api/v1/users", json=body, headers=headers).status_code == 201
    body.update(username="liaison-b", unit_id=stranger)
    assert client.post("/api/v1/users", json=body, headers=headers).status_code == 403


def test_liaison_may_not_create_users(client, session, settings):
    unit = make_unit(session)
    liaison = make_user(session, Role.liaison, unit_id=unit.id)
    body = {"username": "another", "password": "s3cret-pass", "display_name": "x",
            "role": "liaison", "unit_id": unit.id}
    assert client.post("/api/v1/users", json=body,
                       headers=auth_headers(session, settings, liaison)).status_code == 403


def test_user_body_rules_name_the_field(client, session, settings):
    admin = make_user(session)
    headers = auth_headers(session, settings, admin)
    cases = [
        ({"role": "liaison"}, "unit_id"),
        ({"role": "officer", "region_code": "5301"}, "region_code"),
        ({"role": "officer", "region_code": "530102001000"}, "region_code"),  # a township
        ({"role": "wizard"}, "role"),
        ({"password": "short"}, "password"),
        ({"is_admin": True}, "is_admin"),
    ]
    for overrides, field in cases:
        body = {"username": "someone", "password": "s3cret-pass", "display_name": "某人",
                "role": "officer", **overrides}
        answer = client.post("/api/v1/users", json=body, headers=headers)
        assert answer.status_code == 422, (overrides, answer.text)
        assert field in answer.json()["detail"][0]["loc"], (overrides, answer.json())
    assert session.scalars(select(User).where(User.username == "someone")).first() is None


def test_duplicate_username_is_409(client, session, settings):
    admin = make_user(session)
    body = {"username": admin.username, "password": "s3cret-pass", "display_name": "x", "role": "admin"}
    assert client.post("/api/v1/users", json=body,
                       headers=auth_headers(session, settings, admin)).status_code == 409


def test_an_overlong_username_is_an_ordinary_401(client, session):
    for name in ("x" * 45, "y" * 60, "z" * 500):
        assert login(client, name, "whatever1").status_code == 401
