"""Resolving several flags of one rule together with one note (POST /flags/resolve): exactly those
resolved, each audited as a single resolve is; other rules, other counties and unknown ids
refused before anything changes."""

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.review.models import Flag
from tests.scenario import COUNTY, OTHER_COUNTY, WEEK, Scenario
from tests.web.pages import browser_login

URL = "/api/v1/flags/resolve"


@pytest.fixture
def world(session, settings):
    """Three pairings whose reports are above 10000 万元 (S3, S4, S5 each), one in the county next
    door; and a county officer of each."""
    w = Scenario(session, settings)
    for n, key in enumerate(("a", "b", "c"), start=1):
        w.pairing(key, f"530102001{n:03d}", unit=f"{key}公司")
        w.user(f"{key}-liaison", Role.liaison, unit=f"{key}公司")
        w.file_report(f"{key}-liaison", key, WEEK, funds_arrived_wan="20000")
    w.pairing("far", "530103001001", unit="邻县公司")
    w.user("far-liaison", Role.liaison, unit="邻县公司")
    w.file_report("far-liaison", "far", WEEK, funds_arrived_wan="20000")
    w.user("county", Role.officer, COUNTY)
    w.user("other_county", Role.officer, OTHER_COUNTY)
    w.user("province", Role.officer, "530000000000")
    return w


def flag_ids(session, world, rule, *keys) -> list[int]:
    return list(session.scalars(select(Flag.id).where(
        Flag.rule == rule, Flag.pairing_id.in_([world.id(k) for k in keys])).order_by(Flag.id)))


def states(session, rule) -> dict[int, tuple[str, str | None]]:
    return {f.id: (f.status, f.note) for f in session.scalars(select(Flag).where(Flag.rule == rule))}


def audited(session, ids) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "flag", AuditEvent.action == "state",
        AuditEvent.entity_id.in_([str(i) for i in ids]))) or 0


def test_flags_of_one_rule_are_resolved_with_one_note_exactly_those_and_audited(client, session, world):
    chosen = flag_ids(session, world, "S3", "a", "b")
    left = flag_ids(session, world, "S3", "c")
    answer = client.post(URL, json={"flag_ids": chosen, "resolution": "verified", "note": "大额捐赠，已电话核实"},
                         headers=world.headers("county"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["resolved"], body["skipped"]) == (2, [])
    assert [f["id"] for f in body["flags"]] == chosen and {f["status"] for f in body["flags"]} == {"verified"}
    now = states(session, "S3")
    assert [now[i] for i in chosen] == [("verified", "大额捐赠，已电话核实")] * 2
    assert now[left[0]] == ("open", None)
    # The other rules of the same reports stay open.
    assert {status for status, _note in states(session, "S5").values()} == {"open"}
    assert audited(session, chosen) == 2 and audited(session, left) == 0
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "flag", AuditEvent.action == "state")).all()
    assert {e.after["note"] for e in events} == {"大额捐赠，已电话核实"}


def test_a_flag_resolved_meanwhile_is_skipped_with_its_state(client, session, world):
    first, second = flag_ids(session, world, "S3", "a", "b")
    headers = world.headers("county")
    assert client.post(f"/api/v1/flags/{first}/resolve", json={"resolution": "corrected", "note": "已改"},
                       headers=headers).status_code == 200
    answer = client.post(URL, json={"flag_ids": [first, second], "resolution": "verified", "note": "核实"},
                         headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["resolved"] == 1
    assert answer.json()["skipped"] == [{"flag_id": first, "reason": "已处理（已更正）"}]
    assert states(session, "S3")[first] == ("corrected", "已改")


def test_flags_of_different_rules_are_refused_before_anything_changes(client, session, world):
    mixed = flag_ids(session, world, "S3", "a") + flag_ids(session, world, "S5", "a")
    answer = client.post(URL, json={"flag_ids": mixed, "resolution": "verified", "note": "核实"},
                         headers=world.headers("county"))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "flag_ids"] and "S3、S5" in answer.json()["detail"][0]["msg"]
    assert {status for status, _ in states(session, "S3").values()} == {"open"}


def test_a_flag_out_of_scope_is_404_and_nothing_changes(client, session, world):
    ids = flag_ids(session, world, "S3", "a", "far")
    answer = client.post(URL, json={"flag_ids": ids, "resolution": "verified", "note": "核实"},
                         headers=world.headers("county"))
    assert answer.status_code == 404 and str(ids[1]) in answer.json()["detail"]
    assert {status for status, _ in states(session, "S3").values()} == {"open"}


@pytest.mark.parametrize(("body", "field"), [
    ({"flag_ids": [], "resolution": "verified", "note": "x"}, "flag_ids"),
    ({"flag_ids": [1], "resolution": "verified", "note": ""}, "note"),
    ({"flag_ids": [1], "resolution": "maybe", "note": "x"}, "resolution"),
    ({"flag_ids": [1], "resolution": "verified", "note": "x", "rule": "S3"}, "rule"),
])
def test_bad_bodies_are_422_naming_the_field(client, session, world, body, field):
    answer = client.post(URL, json=body, headers=world.headers("county"))
    assert answer.status_code == 422 and field in answer.json()["detail"][0]["loc"], answer.text


def test_who_may_resolve_in_bulk(client, session, world):
    body = {"flag_ids": flag_ids(session, world, "S3", "a"), "resolution": "verified", "note": "核实"}
    assert client.post(URL, json=body, headers=world.headers("province")).status_code == 403
    assert client.post(URL, json=body, headers=world.headers("other_county")).status_code == 404
    assert client.post(URL, json=body, headers=world.headers("a-liaison")).status_code == 403
    assert {status for status, _ in states(session, "S3").values()} == {"open"}


# --- the review page ---------------------------------------------------------------------------


def test_the_review_page_resolves_the_flags_ticked_with_one_note_and_shows_them_in_place(client, session, world):
    token = browser_login(client, world.users["county"])
    page = client.get("/review").text
    assert 'id="resolve-S3"' in page and "S3</span> 到位资金过大（待核实 3 条）" in page
    chosen = flag_ids(session, world, "S3", "a", "b")
    answer = client.post("/review/flags/resolve", headers={"HX-Request": "true"},
                         data={"csrf_token": token, "rule": "S3", "flag_ids": [str(i) for i in chosen],
                               "resolution": "verified", "note": "大额捐赠，已核实"})
    assert answer.status_code == 200, answer.text
    html = answer.text
    assert html.lstrip().startswith('<div id="queue">')
    bar = html[html.index('id="resolve-S3"'):]
    assert '<p class="success" role="status">已处理 2 条 S3 存疑数据：核实无误</p>' in bar[:bar.index("</form>")]
    for flag_id in chosen:  # kept in their places, marked, with the note
        row = html[html.index(f'id="flag-{flag_id}"'):]
        row = row[:row.index("</tr>")]
        assert 'class="done"' in row and "核实无误" in row and "大额捐赠，已核实" in row
    left = flag_ids(session, world, "S3", "c")[0]
    assert f'name="flag_ids" value="{left}"' in html
    assert [states(session, "S3")[i] for i in chosen] == [("verified", "大额捐赠，已核实")] * 2


def test_nothing_ticked_or_no_note_is_422_beside_the_rules_buttons(client, session, world):
    token = browser_login(client, world.users["county"])
    refused = client.post("/review/flags/resolve", headers={"HX-Request": "true"},
                          data={"csrf_token": token, "rule": "S5", "resolution": "verified", "note": "x"})
    assert refused.status_code == 422
    bar = refused.text[refused.text.index('id="resolve-S5"'):]
    assert '<p class="reason" role="alert">请先勾选要处理的存疑数据</p>' in bar[:bar.index("</form>")]
    chosen = flag_ids(session, world, "S5", "a")
    refused = client.post("/review/flags/resolve", data={"csrf_token": token, "rule": "S5", "resolution": "verified",
                                                         "flag_ids": [str(chosen[0])], "note": ""})
    assert refused.status_code == 422 and "不能为空" in refused.text
    assert {status for status, _ in states(session, "S5").values()} == {"open"}
