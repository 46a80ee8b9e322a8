"""Withdrawing a publication: by whoever may publish it, with a reason, audited; it stays on
record, marked; the public page and /public/summary then show the one before it, or nothing.

The clock is pinned to 2020-07-15: April, May and June have ended."""

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.public.models import Publication
from tests.public.conftest import GUIZHOU, YUNNAN
from tests.web.pages import browser_login

URL = "/api/v1/publications"


def publish(client, world, who: str, month: str) -> dict:
    answer = client.post(URL, json={"month": month}, headers=world.headers(who))
    assert answer.status_code == 201, answer.text
    return answer.json()


def withdraw(client, world, who: str, publication_id: int, reason: str = "数据有误，更正后重新发布"):
    return client.post(f"{URL}/{publication_id}/withdraw", json={"reason": reason}, headers=world.headers(who))


def summary(client) -> dict:
    answer = client.get("/api/v1/public/summary")
    return answer.json() if answer.status_code == 200 else {}


def test_withdrawing_the_newest_shows_the_previous_publication_again(client, session, world):
    may = publish(client, world, "national", "2020-05")
    june = publish(client, world, "national", "2020-06")
    assert summary(client)["national"]["month"] == "2020-06"
    answer = withdraw(client, world, "national", june["id"], "6月数据有误")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["withdrawn"] is True and body["withdraw_reason"] == "6月数据有误"
    assert body["withdrawn_by"] == world.users["national"].id and body["withdrawn_at"]
    # The public sees May again, on the JSON and on the page.
    shown = summary(client)
    assert (shown["month"], shown["national"]["month"], shown["national"]["week"]) == ("2020-05", "2020-05", "2020-W22")
    page = client.get("/public").text
    assert "2020年5月 全国进展" in page and "2020年6月" not in page
    # It stays on record, marked, for the officers.
    listed = {p["id"]: p for p in client.get(URL, headers=world.headers("national")).json()["items"]}
    assert listed[june["id"]]["withdrawn"] is True and listed[may["id"]]["withdrawn"] is False
    assert client.get(f"{URL}/{june['id']}", headers=world.headers("national")).json()["snapshot"]["week"] == "2020-W26"


def test_withdrawing_a_republication_shows_the_earlier_one_of_that_month(client, session, world):
    first = publish(client, world, "national", "2020-06")
    second = publish(client, world, "national", "2020-06")
    assert withdraw(client, world, "national", second["id"]).status_code == 200
    shown = summary(client)
    assert shown["national"]["month"] == "2020-06"
    assert shown["national"]["published_at"] == first["published_at"]


def test_withdrawing_the_only_publication_leaves_nothing_public(client, world):
    june = publish(client, world, "national", "2020-06")
    assert withdraw(client, world, "national", june["id"]).status_code == 200
    assert client.get("/api/v1/public/summary").status_code == 404
    assert "尚未发布信息公开数据" in client.get("/public").text


def test_a_withdrawn_province_publication_gives_way_to_the_national_one(client, world):
    publish(client, world, "national", "2020-05")
    yunnan = publish(client, world, "province", "2020-06")
    rows = {p["code"]: p for p in summary(client)["provinces"]}
    assert (rows[YUNNAN]["source"], rows[YUNNAN]["month"]) == ("province", "2020-06")
    assert withdraw(client, world, "province", yunnan["id"]).status_code == 200
    shown = summary(client)
    rows = {p["code"]: p for p in shown["provinces"]}
    assert (rows[YUNNAN]["source"], rows[YUNNAN]["month"]) == ("national", "2020-05")
    assert shown["month"] == "2020-05"


def test_the_withdrawal_is_audited_with_its_reason(client, session, world):
    june = publish(client, world, "national", "2020-06")
    withdraw(client, world, "national", june["id"], "口径调整")
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "publication",
                                                     AuditEvent.action == "withdraw")).one()
    assert event.entity_id == str(june["id"]) and event.actor == world.users["national"].username
    assert event.before["withdrawn_at"] is None and event.after["withdraw_reason"] == "口径调整"
    assert "snapshot" not in event.after


@pytest.mark.parametrize("who,status", [
    ("province", 403),  # reads the national publication, may not withdraw it
    ("guizhou", 403),
    ("county", 403), ("city", 403), ("liaison", 403),
])
def test_only_the_national_office_withdraws_a_national_publication(client, session, world, who, status):
    june = publish(client, world, "national", "2020-06")
    assert withdraw(client, world, who, june["id"]).status_code == status
    assert session.get(Publication, june["id"]).withdrawn_at is None


def test_another_provinces_publication_is_not_found_and_a_province_withdraws_its_own(client, session, world):
    guizhou = publish(client, world, "guizhou", "2020-06")
    yunnan = publish(client, world, "province", "2020-06")
    assert withdraw(client, world, "province", guizhou["id"]).status_code == 404
    assert withdraw(client, world, "province", 999_999).status_code == 404
    assert withdraw(client, world, "province", yunnan["id"]).status_code == 200
    assert session.get(Publication, guizhou["id"]).withdrawn_at is None


def test_a_reason_is_required_and_a_second_withdrawal_is_a_conflict(client, session, world):
    june = publish(client, world, "national", "2020-06")
    for body in ({"reason": "  "}, {}, {"reason": "x", "withdrawn_by": 1}):
        answer = client.post(f"{URL}/{june['id']}/withdraw", json=body, headers=world.headers("national"))
        assert answer.status_code == 422, body
        assert answer.json()["detail"][0]["loc"][-1] in ("reason", "withdrawn_by")
    assert session.get(Publication, june["id"]).withdrawn_at is None
    assert withdraw(client, world, "national", june["id"]).status_code == 200
    again = withdraw(client, world, "national", june["id"])
    assert again.status_code == 409 and "已于" in again.json()["detail"]


# --- the page ---------------------------------------------------------------------------------


def test_the_page_withdraws_with_a_reason_and_lists_it_withdrawn(client, session, world):
    publish(client, world, "national", "2020-05")
    june = publish(client, world, "national", "2020-06")
    token = browser_login(client, world.users["national"])
    page = client.get("/publications").text
    assert f'action="/publications/{june["id"]}/withdraw"' in page and "hx-confirm=" in page
    # No reason: the form comes back saying so, nothing changes.
    answer = client.post(f"/publications/{june['id']}/withdraw", data={"csrf_token": token, "reason": ""})
    assert answer.status_code == 422 and "请填写撤回原因" in answer.text
    assert session.get(Publication, june["id"]).withdrawn_at is None
    answer = client.post(f"/publications/{june['id']}/withdraw",
                         data={"csrf_token": token, "reason": "县级数据待核实"}, headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "已撤回 2020年6月 的发布" in answer.text
    row = re.search(r'<tr class="withdrawn">(.*?)</tr>', answer.text, re.S).group(1)
    assert "已撤回" in row and "县级数据待核实" in row and world.users["national"].display_name in row
    assert f'/publications/{june["id"]}/withdraw' not in answer.text  # no second button
    assert "2020年5月 全国进展" in client.get("/public").text


def test_the_page_offers_withdrawal_only_of_ones_own_level(client, world):
    national = publish(client, world, "national", "2020-06")
    own = publish(client, world, "province", "2020-06")
    publish(client, world, "guizhou", "2020-06")
    browser_login(client, world.users["province"])
    page = client.get("/publications").text
    assert f'/publications/{own["id"]}/withdraw' in page
    assert f'/publications/{national["id"]}/withdraw' not in page
    assert GUIZHOU not in page and "贵州省" not in page  # another province's is not listed


def test_withdrawing_from_the_page_needs_the_csrf_token(client, session, world):
    june = publish(client, world, "national", "2020-06")
    browser_login(client, world.users["national"])
    assert client.post(f"/publications/{june['id']}/withdraw", data={"reason": "x"}).status_code == 403
    assert session.get(Publication, june["id"]).withdrawn_at is None
