"""Login, logout, sessions and CSRF on the pages."""

import pytest

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


def test_every_page_carries_the_token_masked_afresh_and_each_mask_is_accepted(client, session):
    """No two answers hold the same bytes for the token, so a gzipped page cannot leak it (BREACH)."""
    user = make_user(session)
    tokens = {csrf_of(client.get("/login").text) for _ in range(3)}
    assert len(tokens) == 3
    first = tokens.pop()
    for bad in (first[:64] + "0" * 64, first[:-1] + "g", first[:60] + "    " + first[64:],
                first + "00", first.upper()[:-2] + "zz"):
        assert client.post("/login", data={"username": user.username, "password": PASSWORD,
                                            "csrf_token": bad}).status_code == 403, bad
    answer = client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": first},
                         follow_redirects=False)
    assert answer.status_code == 303


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


def test_an_admin_deactivating_a_user_ends_their_sessions_for_good(client, session, settings):
    from tests.factories import auth_headers

    user = make_user(session)
    admin = make_user(session)
    browser_login(client, user)
    answer = client.patch(f"/api/v1/users/{user.id}", json={"active": False},
                          headers=auth_headers(session, settings, admin))
    assert answer.status_code == 200 and answer.json()["active"] is False
    assert client.get("/", follow_redirects=False).status_code == 303
    client.patch(f"/api/v1/users/{user.id}", json={"active": True},
                 headers=auth_headers(session, settings, admin))
    assert client.get("/", follow_redirects=False).status_code == 303  # the old session stays gone


def test_only_admins_change_users(client, session, settings):
    from tests.factories import auth_headers

    officer = make_user(session, Role.officer)
    other = make_user(session)
    answer = client.patch(f"/api/v1/users/{other.id}", json={"active": False},
                          headers=auth_headers(session, settings, officer))
    assert answer.status_code == 403
    admin_headers = auth_headers(session, settings, make_user(session))
    assert client.patch(f"/api/v1/users/{other.id}", json={"role": "admin"},
                        headers=admin_headers).status_code == 422
    assert client.patch("/api/v1/users/999999", json={"active": False},
                        headers=admin_headers).status_code == 404


def test_history_restore_gets_the_whole_page_and_pages_are_not_cached(client, session):
    browser_login(client, make_user(session, Role.officer))
    answer = client.get("/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in answer.text
    assert answer.headers["Cache-Control"] == "no-store" and "HX-Request" in answer.headers["Vary"]


def test_an_htmx_error_goes_to_the_message_area(client, session):
    browser_login(client, make_user(session, Role.officer, region_code="530102000000"))
    answer = client.get("/pairings/424242/plan", headers={"HX-Request": "true"})
    assert answer.status_code == 404
    assert answer.headers["HX-Retarget"] == "#flash" and "<html" not in answer.text
    assert "未找到" in answer.text


def test_an_expired_session_during_a_live_check_returns_to_the_page_not_the_check(client, session):
    from sqlalchemy import delete

    from app.auth.models import WebSession

    token = browser_login(client, make_user(session))
    session.execute(delete(WebSession))  # the session expired on the server
    answer = client.post("/pairings/7/plan/check", headers={
        "HX-Request": "true", "X-CSRF-Token": token,
        "HX-Current-URL": "http://testserver/pairings/7/plan"})
    assert answer.status_code == 204
    assert answer.headers["HX-Redirect"] == "/login?next=/pairings/7/plan"


@pytest.mark.parametrize("target", [
    "//evil.example/x", "/\t/evil.example/x", "/\n/evil.example", "/\\evil.example", "https://evil.example/",
    "/%0d%0aSet-Cookie:x=1".replace("%0d%0a", "\r\n"), "javascript:alert(1)", "/ok\x00", "/\u2028x", "",
])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_next_that_could_leave_the_site_or_break_the_answer_goes_home(client, session, target, htmx):
    user = make_user(session)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": token, "next": target},
                         headers={"HX-Request": "true"} if htmx else {}, follow_redirects=False)
    assert answer.status_code in (204, 303, 422), answer.text
    if answer.status_code != 422:  # control characters in a form are refused outright
        assert answer.headers["HX-Redirect" if htmx else "location"] == "/"


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_next_with_chinese_or_spaces_in_its_query_is_kept_and_encoded(client, session, htmx):
    user = make_user(session)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": token, "next": "/public?q=大坪村"},
                         headers={"HX-Request": "true"} if htmx else {}, follow_redirects=False)
    assert answer.status_code == (204 if htmx else 303), answer.text
    assert answer.headers["HX-Redirect" if htmx else "location"] == "/public?q=%E5%A4%A7%E5%9D%AA%E6%9D%91"


def test_the_login_page_shows_a_tampered_next_as_home(client):
    page = client.get("/login", params={"next": "/\t/evil.example"})
    assert page.status_code in (200, 422)
    assert "evil.example" not in page.text
