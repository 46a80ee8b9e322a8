"""Monthly publications: who may publish what, which week a month's figures come from, the month
rules, the frozen snapshot, and which publication the public sees.

The clock is pinned to 2020-07-15 (2020-W29): June is the last month that has ended."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.config import Settings
from app.errors import Invalid
from app.public.models import Publication
from app.public.service import publishable_months, week_for_month
from app.reports.models import Report
from tests.public.conftest import GUIZHOU, NANMING, PANLONG, WUHUA, YUNNAN

URL = "/api/v1/publications"


def publish(client, world, who: str, month: str = "2020-06"):
    return client.post(URL, json={"month": month}, headers=world.headers(who))


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# --- which week -----------------------------------------------------------------------------


@pytest.mark.parametrize("month,week", [
    ("2020-04", "2020-W17"),  # the last Sunday of April is the 26th
    ("2020-06", "2020-W26"),  # Sunday 28 June; W27 ends on 5 July, in July
    ("2020-07", "2020-W29"),  # W30 and W31 have not begun on 15 July
])
def test_a_month_takes_its_last_week_that_has_begun(settings, month, week):
    assert week_for_month(settings, month) == week


def test_december_stops_at_the_last_week_ending_in_it():
    settings = Settings(today=date(2021, 2, 1), _env_file=None)
    # 2020-W53 (28 Dec – 3 Jan) ends in January.
    assert week_for_month(settings, "2020-12") == "2020-W52"


def test_a_month_whose_only_week_straddles_the_campaign_start_uses_it():
    settings = Settings(today=date(2020, 7, 15), campaign_start=date(2020, 6, 25), _env_file=None)
    assert week_for_month(settings, "2020-06") == "2020-W26"  # 22–28 June, running from the 25th


def test_the_campaigns_last_week_belongs_to_the_month_it_ends_in():
    settings = Settings(today=date(2021, 2, 1), _env_file=None)
    # The campaign ends on Thursday 31 December, inside 2020-W53 (28 Dec – 3 Jan).
    assert week_for_month(settings, "2021-01") == "2020-W53"
    assert publishable_months(settings)[0] == ("2021-01", "2020-W53")
    with pytest.raises(Invalid):
        week_for_month(settings, "2021-02")


@pytest.mark.parametrize("month,reason", [
    ("2020-03", "活动期内"), ("2021-01", "尚未开始"), ("2020-08", "尚未开始"), ("2020-13", "格式不对"),
    ("0000-01", "格式不对"),
])
def test_a_month_without_a_usable_week_is_refused_naming_month(settings, month, reason):
    with pytest.raises(Invalid) as caught:
        week_for_month(settings, month)
    assert caught.value.errors[0]["loc"] == ["body", "month"] and reason in caught.value.errors[0]["msg"]


def test_publishable_months_are_the_ended_ones_from_the_campaign_start_newest_first(settings):
    # On 15 July, July has not ended: its figures are still coming in.
    assert publishable_months(settings) == [("2020-06", "2020-W26"), ("2020-05", "2020-W22"),
                                            ("2020-04", "2020-W17")]
    settings.today = date(2020, 7, 31)  # its last day
    assert publishable_months(settings)[0] == ("2020-06", "2020-W26")
    settings.today = date(2020, 8, 1)
    assert publishable_months(settings)[0] == ("2020-07", "2020-W30")


def test_a_month_that_has_not_ended_is_refused_naming_month(client, session, world):
    answer = publish(client, world, "national", "2020-07")
    assert answer.status_code == 422
    error = answer.json()["detail"][0]
    assert error["loc"] == ["body", "month"]
    assert "尚未结束" in error["msg"] and "2020-08-01 起才能发布" in error["msg"]
    assert count(session, Publication) == 0


# --- who may publish ------------------------------------------------------------------------


def test_the_national_office_publishes_every_province_and_county(client, session, world):
    answer = publish(client, world, "national")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["month"], body["week"], body["region_code"]) == ("2020-06", "2020-W26", None)
    snap = body["snapshot"]
    assert [p["name"] for p in snap["provinces"]] == ["贵州省", "云南省"]
    yunnan = snap["provinces"][1]
    assert (yunnan["pairings"], yunnan["funds_arrived_wan"], yunnan["jobs_done"]) == (3, "119.75", 25)
    assert [(c["code"], c["name"], c["pairings"], c["funds_arrived_wan"]) for c in yunnan["counties"]] == [
        (WUHUA, "五华区", 2, "19.75"), (PANLONG, "盘龙区", 1, "100")]
    assert snap["provinces"][0]["counties"][0]["code"] == NANMING
    assert snap["total"] == {"pairings": 4, "funds_arrived_wan": "123.0833", "materials_arrived_wan": "20",
                             "sales_done_wan": "50", "jobs_done": 27, "trained_done": 60,
                             "stationed_count": 8}
    event = session.scalars(select(AuditEvent).where(AuditEvent.entity == "publication")).one()
    assert (event.action, event.entity_id, event.actor) == ("create", str(body["id"]), world.users["national"].username)
    assert "snapshot" not in event.after


def test_a_province_publishes_its_own_counties_only(client, settings, world):
    settings.today = date(2020, 8, 3)  # July has ended
    answer = publish(client, world, "province", "2020-07")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["region_code"] == YUNNAN and body["week"] == "2020-W30"  # 20–26 July; W31 ends in August
    snap = body["snapshot"]
    assert snap["region"] == {"code": YUNNAN, "name": "云南省"} and "provinces" not in snap
    assert [(c["name"], c["funds_arrived_wan"], c["jobs_done"]) for c in snap["counties"]] == [
        ("五华区", "37.25", 10), ("盘龙区", "100", 20)]
    assert snap["total"]["pairings"] == 3


@pytest.mark.parametrize("who", ["county", "city", "liaison"])
def test_counties_cities_and_liaisons_may_not_publish(client, session, world, who):
    answer = publish(client, world, who)
    assert answer.status_code == 403
    assert count(session, Publication) == 0


def test_publishing_needs_a_token(client, session, world):
    assert client.post(URL, json={"month": "2020-06"}).status_code == 401


@pytest.mark.parametrize("body,loc", [
    ({"month": "2020-13"}, ["body", "month"]),
    ({"month": "2020/06"}, ["body", "month"]),
    ({"month": "0000-06"}, ["body", "month"]),
    ({"month": 202006}, ["body", "month"]),
    ({"month": "2020-08"}, ["body", "month"]),
    ({"month": "2020-07"}, ["body", "month"]),  # has not ended
    ({"month": "2020-03"}, ["body", "month"]),
    ({}, ["body", "month"]),
    ({"month": "2020-06", "region_code": GUIZHOU}, ["body", "region_code"]),
])
def test_a_bad_month_is_422_naming_it_and_stores_nothing(client, session, world, body, loc):
    answer = client.post(URL, json=body, headers=world.headers("national"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == loc
    assert count(session, Publication) == 0
    assert session.scalars(select(AuditEvent).where(AuditEvent.entity == "publication")).first() is None


def test_officers_list_the_national_and_their_own_provinces_publications(client, world):
    national = publish(client, world, "national").json()
    yunnan = publish(client, world, "province").json()
    guizhou = publish(client, world, "guizhou").json()
    listed = client.get(URL, headers=world.headers("county")).json()
    assert {p["id"] for p in listed["items"]} == {national["id"], yunnan["id"]}
    assert "snapshot" not in listed["items"][0]
    everything = client.get(URL, headers=world.headers("national")).json()
    assert everything["total"] == 3
    assert client.get(URL, headers=world.headers("liaison")).status_code == 403
    # Another province's publication is out of scope: not found.
    assert client.get(f"{URL}/{guizhou['id']}", headers=world.headers("province")).status_code == 404
    assert client.get(f"{URL}/{yunnan['id']}", headers=world.headers("province")).status_code == 200
    assert client.get(f"{URL}/{guizhou['id']}", headers=world.headers("national")).status_code == 200
    assert client.get(f"{URL}/{national['id']}", headers=world.headers("liaison")).status_code == 404


# --- frozen, and the newest wins ------------------------------------------------------------


def test_a_publication_stays_as_published_when_the_data_changes(client, session, world):
    publish(client, world, "national")
    report = session.scalars(select(Report).where(Report.pairing_id == world.mine.id,
                                                  Report.week == "2020-W26")).one()
    report.funds_arrived_wan = Decimal("500")
    session.flush()
    summary = client.get("/api/v1/public/summary").json()
    assert summary["national"]["total"]["funds_arrived_wan"] == "123.0833"
    yunnan = next(p for p in summary["provinces"] if p["code"] == YUNNAN)
    assert yunnan["counties"][0]["funds_arrived_wan"] == "19.75"
    # Publishing the month again adds a row; the public sees the newest.
    assert publish(client, world, "national").status_code == 201
    assert count(session, Publication) == 2
    summary = client.get("/api/v1/public/summary").json()
    assert summary["national"]["total"]["funds_arrived_wan"] == "610.5833"


def test_the_latest_month_wins_over_a_later_republication_of_an_earlier_month(client, world):
    publish(client, world, "national", "2020-06")
    publish(client, world, "national", "2020-05")
    summary = client.get("/api/v1/public/summary").json()
    assert summary["month"] == "2020-06" and summary["national"]["week"] == "2020-W26"


def test_a_province_shows_its_own_publication_while_it_is_newer(client, settings, world):
    publish(client, world, "national", "2020-06")
    settings.today = date(2020, 8, 3)  # July has ended
    publish(client, world, "province", "2020-07")
    summary = client.get("/api/v1/public/summary").json()
    rows = {p["code"]: p for p in summary["provinces"]}
    assert (rows[YUNNAN]["source"], rows[YUNNAN]["month"], rows[YUNNAN]["funds_arrived_wan"]) == \
        ("province", "2020-07", "137.25")
    assert [c["name"] for c in rows[YUNNAN]["counties"]] == ["五华区", "盘龙区"]
    assert (rows[GUIZHOU]["source"], rows[GUIZHOU]["month"]) == ("national", "2020-06")
    assert summary["national"]["month"] == "2020-06" and summary["month"] == "2020-07"
    # The national office publishes July too: now its figures are the newest everywhere.
    publish(client, world, "national", "2020-07")
    rows = {p["code"]: p for p in client.get("/api/v1/public/summary").json()["provinces"]}
    assert rows[YUNNAN]["source"] == "national"


def test_a_province_alone_is_published_without_a_national_total(client, world):
    publish(client, world, "province", "2020-06")
    summary = client.get("/api/v1/public/summary").json()
    assert summary["national"] is None
    assert [p["name"] for p in summary["provinces"]] == ["云南省"]
