"""Demonstration candidates (示范点): the bar of seed 000 §二, at and just below each threshold."""

from decimal import Decimal

import pytest

from app.auth.models import Role
from tests.factories import auth_headers, ensure_region, make_pairing, make_report, make_user, make_village
from tests.scenario import COUNTY


@pytest.fixture
def county(session):
    ensure_region(session, COUNTY, "五华区")
    cases = {
        # (funds, materials, beneficiaries, jobs, trained)
        "industry_at_bar": (Decimal(15), Decimal(5), 20, 0, 0),
        "industry_short_of_money": (Decimal("19.99"), Decimal(0), 50, 0, 0),
        "industry_short_of_people": (Decimal(30), Decimal(0), 19, 0, 0),
        "industry_no_people_given": (Decimal(30), Decimal(0), None, 0, 0),
        "jobs_at_bar": (Decimal(0), Decimal(0), None, 10, 25),
        "jobs_below_bar": (Decimal(0), Decimal(0), None, 9, 40),
    }
    pairings = {}
    for n, (name, (funds, materials, people, jobs, trained)) in enumerate(cases.items(), start=1):
        pairing = make_pairing(session, village=make_village(session, code=f"530102001{n:03d}"))
        make_report(session, pairing, "2020-W28", funds_arrived_wan=funds, materials_arrived_wan=materials,
                    beneficiaries=people, jobs_done=jobs, trained_done=trained)
        pairings[name] = pairing.id
    return pairings


def test_candidates_meet_the_industry_or_the_jobs_bar(client, session, settings, county):
    headers = auth_headers(session, settings, make_user(session, Role.officer, region_code=COUNTY))
    answer = client.get(f"/api/v1/counties/{COUNTY}/candidates?week=2020-W29", headers=headers)
    assert answer.status_code == 200
    items = {item["pairing_id"]: item for item in answer.json()["items"]}
    assert set(items) == {county["industry_at_bar"], county["jobs_at_bar"]}
    industry = items[county["industry_at_bar"]]
    assert industry["investment_wan"] == "20" and industry["report_week"] == "2020-W28"
    assert industry["criteria"][0].startswith("产业帮扶") and industry["references"] == []
    jobs = items[county["jobs_at_bar"]]
    assert jobs["criteria"][0].startswith("就业帮扶") and jobs["references"][0].startswith("技能帮扶")


def test_candidates_follow_the_settings(client, session, settings, county):
    settings.demo_jobs = 9
    headers = auth_headers(session, settings, make_user(session, Role.officer, region_code=COUNTY))
    items = client.get(f"/api/v1/counties/{COUNTY}/candidates", headers=headers).json()["items"]
    assert county["jobs_below_bar"] in {item["pairing_id"] for item in items}


def test_candidates_are_scoped_like_the_county_table(client, session, settings, county):
    for user, status in ((make_user(session, Role.officer, region_code="530103000000"), 404),
                         (make_user(session, Role.liaison, unit_id=None), 404),
                         (make_user(session, Role.officer, region_code="530000000000"), 200)):
        answer = client.get(f"/api/v1/counties/{COUNTY}/candidates",
                            headers=auth_headers(session, settings, user))
        assert answer.status_code == status


def test_the_county_page_lists_candidates(client, county, session):
    from tests.web.pages import browser_login

    browser_login(client, make_user(session, Role.officer, region_code=COUNTY))
    page = client.get(f"/counties/{COUNTY}/candidates?week=2020-W29")
    assert page.status_code == 200 and "示范点候选" in page.text
    assert page.text.count("产业帮扶：") == 1 and page.text.count("就业帮扶：") == 1
    assert "示范点候选" in client.get(f"/counties/{COUNTY}/table").text
