"""The register's exports: the pairing list (004 附件5, ended pairings with their reason and the
unit that took the village over) and the liaison roster with contacts, as JSON, CSV and xlsx, for
a county, a province and the nation; read in scope (another province: 404), the roster never by a
liaison; the pages' download routes and the links to them on the table pages."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from app.auth.models import Role
from app.regions.models import Village
from app.registry.export import PAIRING_COLUMNS, PAIRING_TITLE, ROSTER_COLUMNS, ROSTER_TITLE
from tests.factories import make_pairing
from tests.scenario import COUNTY, OTHER_COUNTY, OTHER_PROVINCE, OTHER_PROVINCE_COUNTY, PROVINCE, Scenario
from tests.web.pages import browser_login

API = "/api/v1"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def world(session, settings):
    """五华区: 大坪村 paired with 甲 (two liaisons), 新华村 paired with 乙 until 30 June, when 丙
    took it over (接力帮扶); 盘龙区 光明村 with 丁; 贵州 南明区 红旗村 with 戊."""
    w = Scenario(session, settings)
    w.place("530102001000")  # 普吉街道, and 五华区 above it under their names
    w.place("530103001000")
    w.pairing("mine", "530102001001", unit="甲农业科技有限公司", village="大坪村",
              committed_funds_wan=Decimal("120.5"))
    ended = w.pairing("ended", "530102001002", unit="乙商贸有限公司", village="新华村",
                      signed_on=date(2020, 4, 10))
    relay = make_pairing(session, w.unit("丙基金会"), session.get(Village, ended.village_id),
                         signed_on=date(2020, 6, 30), committed_funds_wan=Decimal("30"))
    w.pairings["relay"] = relay
    ended.active, ended.ended_on, ended.end_reason, ended.successor_id = False, date(2020, 6, 30), "企业经营困难", relay.id
    w.pairing("panlong", "530103001001", unit="丁实业集团", village="光明村")
    w.pairing("guizhou", "520102001001", unit="戊慈善会", village="红旗村")
    session.flush()
    w.user("liaison", Role.liaison, unit="甲农业科技有限公司", display_name="欧阳娜娜", username="ouyang",
           phone="13912345678", email="ouyang@example.cn")
    w.user("liaison2", Role.liaison, unit="甲农业科技有限公司", display_name="司马青青", phone="13800000002")
    w.user("yi", Role.liaison, unit="乙商贸有限公司", display_name="皇甫嘉嘉")
    w.user("yi_gone", Role.liaison, unit="乙商贸有限公司", display_name="端木蓉蓉", active=False)
    w.user("ding", Role.liaison, unit="丁实业集团", display_name="诸葛亮亮")
    w.user("county", Role.officer, COUNTY)
    w.user("panlong", Role.officer, OTHER_COUNTY)
    w.user("city", Role.officer, "530100000000")
    w.user("province", Role.officer, PROVINCE)
    w.user("guizhou", Role.officer, OTHER_PROVINCE)
    w.user("national", Role.officer)
    w.user("admin", Role.admin)
    return w


def get(client, world, who: str, path: str, fmt: str = "json"):
    return client.get(f"{API}{path}", params={"format": fmt}, headers=world.headers(who))


def workbook(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def sheet_rows(ws) -> list[list]:
    """The data rows under the header (row 3), up to the blank row before the legend."""
    rows = []
    for values in ws.iter_rows(min_row=4, values_only=True):
        if all(v is None for v in values):
            break
        rows.append(list(values))
    return rows


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # BOM: Excel opens it as UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


# --- the pairing list -------------------------------------------------------------------------


def test_the_county_pairing_list_has_ended_pairings_with_reason_and_successor(client, world):
    answer = get(client, world, "county", f"/counties/{COUNTY}/pairing-list")
    assert answer.status_code == 200
    body = answer.json()
    assert body["region"] == {"code": COUNTY, "name": "五华区", "level": "county"} and body["total"] == 3
    rows = body["items"]
    assert [(r["village"], r["unit"], r["state"]) for r in rows] == [
        ("大坪村", "甲农业科技有限公司", "在帮"), ("新华村", "乙商贸有限公司", "已结束"), ("新华村", "丙基金会", "在帮")]
    mine, ended, relay = rows
    assert (mine["county"], mine["township"], mine["committed_funds_wan"], mine["signed_on"]) == \
        ("五华区", "普吉街道", "120.5", "2020-04-08")
    assert (ended["ended_on"], ended["end_reason"], ended["successor_pairing_id"], ended["successor_unit"]) == \
        ("2020-06-30", "企业经营困难", world.id("relay"), "丙基金会")
    assert ended["successor_credit_code"] == world.units["丙基金会"].credit_code
    assert relay["successor_unit"] is None and relay["ended_on"] is None


def test_the_pairing_list_as_xlsx_reads_back_with_its_title_header_and_rows(client, world):
    answer = get(client, world, "county", f"/counties/{COUNTY}/pairing-list", "xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    assert f"pairing-list-{COUNTY}.xlsx" in answer.headers["content-disposition"]
    ws = workbook(answer.content)
    assert ws["A1"].value == PAIRING_TITLE
    assert "五华区（530102000000）" in ws["A2"].value and "在帮 2 个，已结束 1 个" in ws["A2"].value
    assert [c.value for c in ws[3]] == [c.heading for c in PAIRING_COLUMNS]
    rows = sheet_rows(ws)
    assert len(rows) == 3
    head = [c.heading for c in PAIRING_COLUMNS]
    ended = dict(zip(head, rows[1], strict=True))
    assert ended["帮扶状态"] == "已结束" and ended["终止原因"] == "企业经营困难"
    assert ended["接力帮扶单位"] == "丙基金会" and ended["终止日期"] == datetime(2020, 6, 30)
    assert ended["村代码"] == "530102001002"  # a code stays text, leading digits and all
    mine = dict(zip(head, rows[0], strict=True))
    assert mine["至少投入扶贫资金（万元）"] == 120.5 and mine["签订日期"] == datetime(2020, 4, 8)
    assert mine["终止日期"] is None and mine["接力帮扶单位"] is None
    # Ended rows stand out.
    assert ws.cell(row=5, column=1).fill.fgColor.rgb.endswith("FFF2CC")
    assert ws.cell(row=4, column=1).fill.fgColor.rgb in (None, "00000000")


def test_the_pairing_list_as_csv_has_a_bom_the_header_and_every_row(client, world):
    answer = get(client, world, "county", f"/counties/{COUNTY}/pairing-list", "csv")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    rows = csv_rows(answer.content)
    assert rows[0] == [c.heading for c in PAIRING_COLUMNS]
    assert len(rows) == 4
    record = dict(zip(rows[0], rows[2], strict=True))
    assert (record["帮扶状态"], record["终止日期"], record["接力帮扶单位"]) == ("已结束", "2020-06-30", "丙基金会")
    assert dict(zip(rows[0], rows[1], strict=True))["至少投入扶贫资金（万元）"] == "120.5"


def test_a_province_and_the_nation_list_their_counties_pairings(client, world):
    province = get(client, world, "province", f"/provinces/{PROVINCE}/pairing-list").json()
    assert {r["county"] for r in province["items"]} == {"五华区", "盘龙区"} and province["total"] == 4
    national = get(client, world, "national", "/national/pairing-list").json()
    assert national["total"] == 5 and national["region"]["level"] == "national"
    assert [r["village_code"] for r in national["items"]] == sorted(r["village_code"] for r in national["items"])
    ws = workbook(get(client, world, "national", "/national/pairing-list", "xlsx").content)
    assert len(sheet_rows(ws)) == 5 and "全国" in ws["A2"].value
    rows = csv_rows(get(client, world, "province", f"/provinces/{PROVINCE}/pairing-list", "csv").content)
    assert len(rows) == 5


@pytest.mark.parametrize("who,path", [
    ("guizhou", f"/counties/{COUNTY}/pairing-list"),  # another province
    ("guizhou", f"/provinces/{PROVINCE}/pairing-list"),
    ("panlong", f"/counties/{COUNTY}/pairing-list"),  # another county
    ("county", f"/provinces/{PROVINCE}/pairing-list"),  # the province above
    ("city", f"/provinces/{PROVINCE}/pairing-list"),
    ("province", "/national/pairing-list"),
    ("province", f"/counties/{OTHER_PROVINCE_COUNTY}/pairing-list"),
    ("national", f"/counties/{PROVINCE}/pairing-list"),  # not a county
    ("national", f"/provinces/{COUNTY}/pairing-list"),
    ("national", "/counties/530102999000/pairing-list"),  # no such county
    ("liaison", f"/counties/{COUNTY}/pairing-list"),
])
def test_a_pairing_list_out_of_scope_is_not_found(client, world, who, path):
    for fmt in ("json", "xlsx"):
        assert get(client, world, who, path, fmt).status_code == 404, (who, path, fmt)


def test_the_city_reads_its_counties_lists(client, world):
    assert get(client, world, "city", f"/counties/{OTHER_COUNTY}/pairing-list").json()["total"] == 1


def test_a_bad_format_is_422_and_no_token_is_401(client, world):
    answer = get(client, world, "county", f"/counties/{COUNTY}/pairing-list", "pdf")
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "format"]
    assert client.get(f"{API}/counties/{COUNTY}/pairing-list").status_code == 401


def test_a_name_that_looks_like_a_formula_stays_text(client, session, world):
    unit = world.units["甲农业科技有限公司"]
    unit.name = '=HYPERLINK("http://evil.example","点我")'
    session.flush()
    rows = csv_rows(get(client, world, "county", f"/counties/{COUNTY}/pairing-list", "csv").content)
    assert rows[1][7].startswith("'=HYPERLINK")
    ws = workbook(get(client, world, "county", f"/counties/{COUNTY}/pairing-list", "xlsx").content)
    cell = ws.cell(row=4, column=8)
    assert cell.data_type == "s" and cell.value == unit.name


# --- the liaison roster -----------------------------------------------------------------------


def test_the_county_roster_lists_every_liaison_with_contacts_and_units_short_of_two(client, world):
    body = get(client, world, "county", f"/counties/{COUNTY}/liaison-roster").json()
    units = {u["unit"]: u for u in body["items"]}
    assert set(units) == {"甲农业科技有限公司", "乙商贸有限公司", "丙基金会"}  # 丙 took over in 五华区
    jia, yi, bing = units["甲农业科技有限公司"], units["乙商贸有限公司"], units["丙基金会"]
    assert (jia["active_liaisons"], jia["below_minimum"], jia["active_pairings"]) == (2, False, 1)
    assert jia["liaisons"][0] | {"user_id": 0} == {"user_id": 0, "display_name": "欧阳娜娜", "username": "ouyang",
                                                  "phone": "13912345678", "email": "ouyang@example.cn",
                                                  "active": True}
    assert (yi["active_liaisons"], yi["below_minimum"], yi["active_pairings"]) == (1, True, 0)
    assert [p["active"] for p in yi["liaisons"]] == [True, False]
    assert bing["liaisons"] == [] and bing["below_minimum"]
    assert body["below_minimum"] == 2


def test_the_roster_as_xlsx_and_csv(client, world):
    answer = get(client, world, "county", f"/counties/{COUNTY}/liaison-roster", "xlsx")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    ws = workbook(answer.content)
    assert ws["A1"].value == ROSTER_TITLE and "联络员不足2名的 2 个" in ws["A2"].value
    assert [c.value for c in ws[3]] == [c.heading for c in ROSTER_COLUMNS]
    head = [c.heading for c in ROSTER_COLUMNS]
    rows = [dict(zip(head, r, strict=True)) for r in sheet_rows(ws)]
    # 丙 (no liaison), 乙 (one active, one deactivated), 甲 (two): by name, a row per liaison.
    assert [(r["结对帮扶单位"], r["信息联络员"], r["账号状态"]) for r in rows] == [
        ("丙基金会", "（未设联络员）", None), ("乙商贸有限公司", "皇甫嘉嘉", "有效"),
        ("乙商贸有限公司", "端木蓉蓉", "已停用"), ("甲农业科技有限公司", "欧阳娜娜", "有效"),
        ("甲农业科技有限公司", "司马青青", "有效")]
    assert rows[3]["手机号码"] == "13912345678" and rows[3]["电子邮箱"] == "ouyang@example.cn"
    assert rows[1]["联络员不足2名"] == "是" and rows[3]["联络员不足2名"] is None
    assert ws.cell(row=4, column=1).fill.fgColor.rgb.endswith("FFF2CC")  # short of liaisons
    assert ws.cell(row=7, column=1).fill.fgColor.rgb in (None, "00000000")
    rows = csv_rows(get(client, world, "county", f"/counties/{COUNTY}/liaison-roster", "csv").content)
    assert rows[0] == head and len(rows) == 6
    assert "13912345678" in rows[4]


def test_a_province_and_the_nation_have_their_rosters(client, world):
    province = get(client, world, "province", f"/provinces/{PROVINCE}/liaison-roster").json()
    assert {u["unit"] for u in province["items"]} == {"甲农业科技有限公司", "乙商贸有限公司", "丙基金会", "丁实业集团"}
    national = get(client, world, "admin", "/national/liaison-roster").json()
    assert len(national["items"]) == 5
    ws = workbook(get(client, world, "national", "/national/liaison-roster", "xlsx").content)
    assert len(sheet_rows(ws)) == 7  # five liaisons' rows, and 丙 and 戊 without any


@pytest.mark.parametrize("who,path", [
    ("liaison", f"/counties/{COUNTY}/liaison-roster"),  # contacts never reach a liaison
    ("liaison", f"/provinces/{PROVINCE}/liaison-roster"),
    ("liaison", "/national/liaison-roster"),
    ("guizhou", f"/counties/{COUNTY}/liaison-roster"),
    ("guizhou", f"/provinces/{PROVINCE}/liaison-roster"),
    ("panlong", f"/counties/{COUNTY}/liaison-roster"),
    ("province", "/national/liaison-roster"),
])
def test_a_roster_out_of_scope_is_not_found(client, world, who, path):
    for fmt in ("json", "csv", "xlsx"):
        answer = get(client, world, who, path, fmt)
        assert answer.status_code == 404, (who, path, fmt)
        assert "13912345678" not in answer.text


def test_the_roster_of_another_county_does_not_carry_this_countys_liaisons(client, world):
    body = get(client, world, "panlong", f"/counties/{OTHER_COUNTY}/liaison-roster").json()
    assert [u["unit"] for u in body["items"]] == ["丁实业集团"]
    assert "13912345678" not in get(client, world, "panlong", f"/counties/{OTHER_COUNTY}/liaison-roster",
                                    "csv").content.decode("utf-8-sig")


# --- the pages' downloads and links -----------------------------------------------------------


def test_an_officer_downloads_both_lists_from_the_pages(client, world):
    browser_login(client, world.users["county"])
    answer = client.get(f"/registry/pairing-list.xlsx?region={COUNTY}")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    assert len(sheet_rows(workbook(answer.content))) == 3
    answer = client.get(f"/registry/liaison-roster.csv?region={COUNTY}")
    assert answer.status_code == 200 and "13912345678" in answer.content.decode("utf-8-sig")
    for path in (f"/registry/pairing-list.xlsx?region={OTHER_PROVINCE_COUNTY}", "/registry/pairing-list.xlsx",
                 f"/registry/liaison-roster.xlsx?region={PROVINCE}", "/registry/pairing-list.pdf"):
        assert client.get(path).status_code in (404, 422), path


def test_the_national_office_downloads_the_nations_list_from_the_page(client, world):
    browser_login(client, world.users["national"])
    answer = client.get("/registry/pairing-list.xlsx")
    assert answer.status_code == 200 and len(sheet_rows(workbook(answer.content))) == 5
    assert "pairing-list-national.xlsx" in answer.headers["content-disposition"]


def test_a_liaison_and_a_visitor_get_no_list_from_the_pages(client, world):
    response = client.get(f"/registry/liaison-roster.xlsx?region={COUNTY}", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    browser_login(client, world.users["liaison"])
    for path in (f"/registry/liaison-roster.xlsx?region={COUNTY}", f"/registry/pairing-list.csv?region={COUNTY}",
                 "/registry/liaison-roster.csv"):
        answer = client.get(path)
        assert answer.status_code == 404 and "13912345678" not in answer.text


def test_the_table_pages_link_to_the_lists_of_their_region(client, world):
    browser_login(client, world.users["county"])
    page = client.get(f"/counties/{COUNTY}/table").text
    assert f'href="/registry/pairing-list.xlsx?region={COUNTY}"' in page
    assert f'href="/registry/liaison-roster.csv?region={COUNTY}"' in page
    client.cookies.clear()
    browser_login(client, world.users["province"])
    page = client.get(f"/provinces/{PROVINCE}/table").text
    assert f'href="/registry/pairing-list.xlsx?region={PROVINCE}"' in page
    client.cookies.clear()
    browser_login(client, world.users["national"])
    page = client.get("/national/table").text
    assert 'href="/registry/pairing-list.xlsx"' in page and 'href="/registry/liaison-roster.xlsx"' in page


@pytest.mark.parametrize("who,region", [("county", COUNTY), ("province", PROVINCE), ("national", "")])
def test_the_register_page_links_the_callers_own_lists(client, world, who, region):
    browser_login(client, world.users[who])
    page = client.get("/registry").text
    q = f"?region={region}" if region else ""
    for link in (f"/registry/pairing-list.xlsx{q}", f"/registry/liaison-roster.csv{q}"):
        assert f'href="{link}"' in page
        assert client.get(link).status_code == 200, link
