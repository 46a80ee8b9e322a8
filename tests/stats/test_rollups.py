"""Province (one row per county) and national (one row per province) tables, and completeness."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from app.auth.models import Role
from tests.factories import (
    auth_headers,
    ensure_region,
    make_pairing,
    make_plan,
    make_report,
    make_user,
    make_village,
)
from tests.scenario import WEEK


@pytest.fixture
def campaign(session):
    """Province 53: county 530102 with two pairings (one reported this week, late), county 530103
    with one (carried forward), county 530104 with none. Province 62: county 620102 with one."""
    ensure_region(session, "530000000000", "云南省")
    ensure_region(session, "620000000000", "甘肃省")
    for code, name in [("530102000000", "五华区"), ("530103000000", "盘龙区"),
                       ("530104000000", "官渡区"), ("620102000000", "城关区")]:
        ensure_region(session, code, name)
    a = make_pairing(session, village=make_village(session, code="530102001001"))
    make_plan(session, a, planned_funds_wan=Decimal(100), jobs_target=10, unit_jobs=0, outside_jobs=0,
              entrepreneurship_jobs=0, public_welfare_jobs=0)
    make_report(session, a, WEEK, funds_arrived_wan=Decimal("33.3333"), jobs_done=5, late=True)
    b = make_pairing(session, village=make_village(session, code="530102001002"))
    make_plan(session, b, planned_funds_wan=Decimal(200), has_project=False, will_station=False,
              stationed_target=0, members=[], start_date=None)
    make_report(session, b, WEEK, funds_arrived_wan=Decimal("66.6667"), jobs_done=1, stationed_now=0)
    c = make_pairing(session, village=make_village(session, code="530103001001"))
    make_plan(session, c)
    make_report(session, c, "2020-W27", funds_arrived_wan=Decimal(10))
    d = make_pairing(session, village=make_village(session, code="620102001001"))
    make_plan(session, d)
    make_report(session, d, WEEK, funds_arrived_wan=Decimal(50))
    return dict(a=a, b=b, c=c, d=d)


def fetch(client, session, settings, url, role=Role.officer, region=None):
    user = make_user(session, role, region_code=region)
    return client.get(url, headers=auth_headers(session, settings, user))


def test_province_table_has_one_row_per_county_with_sums(client, session, settings, campaign):
    answer = fetch(client, session, settings,
                   f"/api/v1/provinces/530000000000/weekly-table?week={WEEK}", region="530000000000")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["province"] == {"code": "530000000000", "name": "云南省"}
    rows = {r["county_code"]: r for r in body["rows"]}
    assert list(rows) == ["530102000000", "530103000000", "530104000000"]
    wuhua = rows["530102000000"]
    assert (wuhua["county"], wuhua["pairings"], wuhua["reports_this_week"],
            wuhua["reports_on_time"]) == ("五华区", 2, 2, 1)
    assert wuhua["funds_planned_wan"] == "300" and wuhua["funds_arrived_wan"] == "100"
    assert wuhua["funds_pct"] == "33.33"
    assert wuhua["jobs_planned"] == 30 and wuhua["jobs_done"] == 6 and wuhua["jobs_pct"] == "20.00"
    assert wuhua["has_industry_plan"] == 1 and wuhua["stationed"] == 1
    panlong = rows["530103000000"]
    assert (panlong["pairings"], panlong["reports_this_week"], panlong["funds_arrived_wan"]) == (1, 0, "10")
    empty = rows["530104000000"]
    assert (empty["pairings"], empty["funds_planned_wan"], empty["funds_pct"]) == (0, "0", "0.00")
    total = body["total"]
    assert (total["pairings"], total["reports_this_week"]) == (3, 2)
    assert total["funds_planned_wan"] == "350" and total["funds_arrived_wan"] == "110"
    assert total["funds_pct"] == "31.43"


def test_national_table_has_one_row_per_province(client, session, settings, campaign):
    answer = fetch(client, session, settings, f"/api/v1/national/weekly-table?week={WEEK}")
    assert answer.status_code == 200
    rows = {r["province_code"]: r for r in answer.json()["rows"]}
    assert rows["530000000000"]["pairings"] == 3 and rows["620000000000"]["pairings"] == 1
    assert rows["620000000000"]["funds_arrived_wan"] == "50"
    assert answer.json()["total"]["funds_arrived_wan"] == "160"


@pytest.mark.parametrize("url,region,status", [
    ("/api/v1/provinces/530000000000/weekly-table", "530000000000", 200),
    ("/api/v1/provinces/530000000000/weekly-table", None, 200),
    ("/api/v1/provinces/530000000000/weekly-table", "620000000000", 404),
    ("/api/v1/provinces/530000000000/weekly-table", "530100000000", 404),  # a city officer
    ("/api/v1/provinces/530000000000/weekly-table", "530102000000", 404),  # a county officer
    ("/api/v1/national/weekly-table", "530000000000", 404),
    ("/api/v1/provinces/530000000000/completeness", "530102000000", 404),
    ("/api/v1/national/completeness", "530000000000", 404),
])
def test_rollup_scope(client, session, settings, campaign, url, region, status):
    assert fetch(client, session, settings, f"{url}?week={WEEK}", region=region).status_code == status


def test_liaison_reads_no_rollup(client, session, settings, campaign):
    liaison = make_user(session, Role.liaison, unit_id=campaign["a"].unit_id)
    headers = auth_headers(session, settings, liaison)
    for url in ("/api/v1/provinces/530000000000/weekly-table", "/api/v1/national/weekly-table",
                "/api/v1/counties/530102000000/completeness"):
        assert client.get(url, headers=headers).status_code == 404


def test_province_csv_and_xlsx(client, session, settings, campaign):
    base = f"/api/v1/provinces/530000000000/weekly-table?week={WEEK}"
    answer = fetch(client, session, settings, base + "&format=csv")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["序号", "县", "结对数", "本周报送数"]
    assert rows[1][1] == "五华区" and rows[-1][0] == "合计" and rows[-1][2] == "3"
    answer = fetch(client, session, settings, base + "&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A3:A4", "D3:D4", "E3:L3", "M3:O3", "V3:W3"} <= merged
    assert ws["B5"].value == "五华区" and ws["C5"].value == 2
    assert ws["A8"].value == "合计" and ws["C8"].value == 3


def test_national_xlsx_lists_provinces(client, session, settings, campaign):
    answer = fetch(client, session, settings, f"/api/v1/national/weekly-table?week={WEEK}&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert [ws["B5"].value, ws["B6"].value] == ["云南省", "甘肃省"]


def test_province_completeness_rolls_up_per_county(client, session, settings, campaign):
    answer = fetch(client, session, settings,
                   f"/api/v1/provinces/530000000000/completeness?week={WEEK}", region="530000000000")
    body = answer.json()
    assert (body["expected"], body["received"], body["on_time"], body["rate_pct"]) == (3, 2, 1, "66.67")
    first = body["rows"][0]
    assert (first["county"], first["expected"], first["received"], first["rate_pct"]) == (
        "五华区", 2, 2, "100.00")
    national = fetch(client, session, settings, f"/api/v1/national/completeness?week={WEEK}").json()
    assert (national["expected"], national["received"]) == (4, 3)
