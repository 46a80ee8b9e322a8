"""Users' contacts (API.md "Notifications and reminders"): a mainland mobile number and an e-mail
address, typed as people type them, set by admins, by officers for the users they look after and
by users for themselves; shown only to the user, admins and officers whose scope covers the user."""

import io
import zipfile

from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.policy import Principal, sees_contacts
from tests.factories import auth_headers, make_pairing, make_unit, make_user
from tests.web.pages import browser_login

COUNTY = "530102000000"
OTHER_COUNTY = "530103000000"


def test_an_admin_creates_a_user_with_contacts_typed_full_width(client, session, settings):
    admin = make_user(session, Role.admin)
    unit = make_unit(session)
    body = {"username": "liaison-c", "password": "s3cret-pass", "display_name": "联络员丙", "role": "liaison",
            "unit_id": unit.id, "phone": "＋８６ １３８ ００１３ ８０００", "email": "Li.Ming＠Example.COM"}
    answer = client.post("/api/v1/users", json=body, headers=auth_headers(session, settings, admin))
    assert answer.status_code == 201, answer.text
    assert (answer.json()["phone"], answer.json()["email"]) == ("13800138000", "Li.Ming@example.com")
    stored = session.scalars(select(User).where(User.username == "liaison-c")).one()
    assert (stored.phone, stored.email) == ("13800138000", "Li.Ming@example.com")


def test_a_bad_phone_or_email_is_a_422_naming_the_field_and_nothing_changes(client, session, settings):
    liaison = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    headers = auth_headers(session, settings, liaison)
    for field, value in (("phone", "12800138000"), ("phone", "1380013800"), ("phone", "010-12345678"),
                         ("email", "li.ming@"), ("email", "不是邮箱")):
        answer = client.patch("/api/v1/users/me", json={field: value}, headers=headers)
        assert answer.status_code == 422, (field, value, answer.text)
        assert answer.json()["detail"][0]["loc"] == ["body", field]
        assert ("手机号码" if field == "phone" else "电子邮箱") in answer.json()["detail"][0]["msg"]
    session.refresh(liaison)
    assert (liaison.phone, liaison.email) == (None, None)


def test_a_user_sets_and_clears_their_own_contacts(client, session, settings):
    liaison = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    headers = auth_headers(session, settings, liaison)
    answer = client.patch("/api/v1/users/me", json={"phone": "139 1234 5678", "email": "a@example.cn"},
                          headers=headers)
    assert answer.status_code == 200, answer.text
    me = client.get("/api/v1/users/me", headers=headers).json()
    assert (me["phone"], me["email"]) == ("13912345678", "a@example.cn")
    assert client.patch("/api/v1/users/me", json={"phone": None, "email": ""}, headers=headers).status_code == 200
    me = client.get("/api/v1/users/me", headers=headers).json()
    assert (me["phone"], me["email"]) == (None, None)
    # Only contacts: a liaison does not rename or promote themself here.
    assert client.patch("/api/v1/users/me", json={"role": "admin"}, headers=headers).status_code == 422


def test_an_officer_sets_the_contacts_of_the_users_it_looks_after_and_no_more(client, session, settings):
    officer = make_user(session, Role.officer, region_code=COUNTY)
    headers = auth_headers(session, settings, officer)
    paired = make_pairing(session)
    mine = make_user(session, Role.liaison, unit_id=paired.unit_id)
    stranger = make_user(session, Role.liaison, unit_id=make_unit(session).id)
    answer = client.patch(f"/api/v1/users/{mine.id}", json={"phone": "13700001111"}, headers=headers)
    assert answer.status_code == 200 and answer.json()["phone"] == "13700001111", answer.text
    assert client.patch(f"/api/v1/users/{mine.id}", json={"display_name": "改名"}, headers=headers).status_code == 403
    assert client.patch(f"/api/v1/users/{stranger.id}", json={"phone": "13700001111"}, headers=headers).status_code == 404
    liaison = client.patch(f"/api/v1/users/{stranger.id}", json={"phone": "13700001111"},
                           headers=auth_headers(session, settings, mine))
    assert liaison.status_code == 403
    session.refresh(stranger)
    session.refresh(mine)
    assert (stranger.phone, mine.phone, mine.display_name != "改名") == (None, "13700001111", True)


def test_contacts_are_seen_by_the_user_admins_and_covering_officers_only(session):
    paired = make_pairing(session)
    liaison = make_user(session, Role.liaison, unit_id=paired.unit_id, phone="13800138000")
    county_officer = make_user(session, Role.officer, region_code=COUNTY)
    viewers = {
        "self": liaison, "admin": make_user(session, Role.admin),
        "county": county_officer, "province": make_user(session, Role.officer, region_code="530000000000"),
        "other county": make_user(session, Role.officer, region_code=OTHER_COUNTY),
        "colleague": make_user(session, Role.liaison, unit_id=paired.unit_id),
        "another unit": make_user(session, Role.liaison, unit_id=make_unit(session).id),
    }
    seen = {name: sees_contacts(session, Principal.of(viewer), liaison) for name, viewer in viewers.items()}
    assert seen == {"self": True, "admin": True, "county": True, "province": True, "other county": False,
                    "colleague": False, "another unit": False}
    # An officer's contacts: its own region and those above it, not a county beside it.
    assert sees_contacts(session, Principal.of(viewers["province"]), county_officer)
    assert not sees_contacts(session, Principal.of(viewers["other county"]), county_officer)
    assert not sees_contacts(session, Principal.of(county_officer), viewers["admin"])


def test_the_county_table_and_its_files_never_carry_a_liaisons_contacts(client, session, settings):
    paired = make_pairing(session)
    make_user(session, Role.liaison, unit_id=paired.unit_id, phone="13800138000", email="hidden@example.cn")
    officer = make_user(session, Role.officer, region_code=COUNTY)
    headers = auth_headers(session, settings, officer)
    browser_login(client, officer)
    for path in ("/api/v1/counties/530102000000/weekly-table", "/counties/530102000000/table",
                 "/counties/530102000000/table.csv", "/counties/530102000000/table.xlsx"):
        answer = client.get(path, headers=headers if path.startswith("/api") else {})
        assert answer.status_code == 200, (path, answer.text[:200])
        content = answer.content
        if path.endswith(".xlsx"):  # the workbook's parts, unzipped: its cells are in them
            with zipfile.ZipFile(io.BytesIO(content)) as book:
                content = b"".join(book.read(name) for name in book.namelist())
            assert "信息联络员".encode() in content  # the second sheet, with its liaisons' names, is there
        assert b"13800138000" not in content and b"hidden@example.cn" not in content
