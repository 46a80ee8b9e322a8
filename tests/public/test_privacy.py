"""Nothing personal is ever public: after publishing and featuring, the public JSON and pages
carry no liaison, contact, stationed staff or officer name, no username, no phone, no user id."""

import re

import pytest
from sqlalchemy import select

from app.public.models import Publication
from tests.public.conftest import PERSONAL
from tests.web.pages import browser_login

PUBLIC_JSON = ["/api/v1/public/summary", "/api/v1/public/cases"]
PUBLIC_PAGES = ["/public", "/public/cases"]
# Keys that would carry a person or a user; none may appear anywhere in a public answer.
PERSONAL_KEYS = {"published_by", "featured_by", "submitted_by", "user_id", "liaisons", "liaison",
                 "contact_name", "contact_phone", "members", "username", "display_name", "actor",
                 "actor_id", "unit_id", "pairing_id"}


@pytest.fixture
def published(client, world):
    """May and June published nationally, June by 云南, and the story of 大坪村 featured."""
    for who, month in (("national", "2020-05"), ("national", "2020-06"), ("province", "2020-06")):
        assert client.post("/api/v1/publications", json={"month": month},
                           headers=world.headers(who)).status_code == 201
    answer = client.post(f"/api/v1/pairings/{world.mine.id}/reports/2020-W29/feature",
                         headers=world.headers("county"))
    assert answer.status_code == 200
    return world


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


def test_the_public_json_carries_no_personal_field_or_value(client, published):
    for path in PUBLIC_JSON:
        answer = client.get(path)  # no token
        assert answer.status_code == 200, path
        text = answer.content.decode()
        for what, value in PERSONAL.items():
            assert value not in text, f"{what} ({value}) leaked in {path}"
        assert not keys_of(answer.json()) & PERSONAL_KEYS, path
    # The published figures and the story are there, so the scan looked at real answers.
    summary = client.get(PUBLIC_JSON[0]).json()
    assert summary["national"]["total"]["pairings"] == 4
    assert client.get(PUBLIC_JSON[1]).json()["total"] == 1


def test_the_public_pages_carry_no_personal_value(client, published):
    for path in PUBLIC_PAGES:
        answer = client.get(path)  # not logged in
        assert answer.status_code == 200, path
        for what, value in PERSONAL.items():
            assert value not in answer.text, f"{what} ({value}) leaked in {path}"
        assert "大棚里的新希望" in answer.text


def test_a_logged_in_officer_sees_the_same_public_page_without_names_in_it(client, published):
    browser_login(client, published.users["county"])
    page = client.get("/public").text
    # The header names the officer who is logged in, as on every page; nothing else may.
    body = re.split(r'<main id="main"[^>]*>', page, maxsplit=1)[1]
    for what, value in PERSONAL.items():
        assert value not in body, f"{what} ({value}) leaked in /public"


def test_the_stored_snapshot_holds_codes_names_and_figures_only(client, published, session):
    for publication in session.scalars(select(Publication)):
        text = str(publication.snapshot)
        assert not keys_of(publication.snapshot) & PERSONAL_KEYS
        for value in PERSONAL.values():
            assert value not in text
        # No number in it that could be a phone: figures are small, codes are 12 digits.
        assert not re.search(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])", text)
