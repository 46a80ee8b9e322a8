"""Login, logout, sessions and CSRF on the pages."""

from app.auth.models import Role
from tests.factories import PASSWORD, make_user
from tests.web.pages import browser_login, csrf_of


def test_anonymous_visitors_are_sent_to_login(client):
    answer = client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/"
    htmx = client.get("/counties/530102000000/table", headers={"HX-Request": "true"},
                      follow_redirects=False)
    assert htmx.status_code == 204
    assert htmx.headers["HX-Redirect"].startswith("/login?next=/counties/530102000000/table")


def test_login_sets_a_strict_session_cookie_and_follows_next(client, session):
    user = make_user(session, Role.officer, region_code="530102000000")
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": token, "next": "/counties/530102000000/table"},
                         follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/counties/530102000000/table"
    cookie = next(v for k, v in answer.headers.multi_items()
                  if k == "set-cookie" and v.startswith("bangfu_session="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "工作台" in client.get("/").text


def test_login_refuses_to_redirect_off_site(client, session):
    user = make_user(session)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": token, "next": "//evil.example/x"},
                         follow_redirects=False)
    assert answer.headers["location"] == "/"


def test_login_without_or_with_a_wrong_csrf_token_is_403(client, session):
    user = make_user(session)
    client.get("/login")
    data = {"username": user.username, "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 403
    assert client.post("/login", data={**data, "csrf_token": "0" * 64}).status_code == 403
    assert client.post("/login", data=data, headers={"X-CSRF-Token": "nope"}).status_code == 403


def test_wrong_password_shows_the_form_again_with_a_message(client, session):
    user = make_user(session)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": user.username, "password": "wrong-one",
                                         "csrf_token": token})
    assert answer.status_code == 401
    assert "用户名或密码错误" in answer.text and f'value="{user.username}"' in answer.text


def test_logout_ends_the_server_side_session(client, session):
    user = make_user(session)
    token = browser_login(client, user)
    cookie = client.cookies.get("bangfu_session")
    assert client.post("/logout", data={}).status_code == 403  # CSRF applies to logout too
    answer = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login"
    client.cookies.set("bangfu_session", cookie)  # replaying the old cookie does not help
    assert client.get("/", follow_redirects=False).status_code == 303


def test_deactivating_a_user_ends_their_sessions(client, session):
    user = make_user(session)
    browser_login(client, user)
    user.active = False
    session.flush()
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_json_post_without_the_header_is_refused(client, session):
    user = make_user(session)
    browser_login(client, user)
    answer = client.post("/logout", json={"csrf_token": "x"})
    assert answer.status_code == 403


def test_every_page_carries_security_headers(client):
    answer = client.get("/login")
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    csp = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
