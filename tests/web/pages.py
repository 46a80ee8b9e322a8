"""Helpers for page tests: log in through the real form, read the CSRF token off a page."""

import re

from tests.factories import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page carries no CSRF token"
    return match.group(1)


def browser_login(client, user) -> str:
    """Logs `user` in on the client's cookie jar; the CSRF token of the new session."""
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                         "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/").text)
