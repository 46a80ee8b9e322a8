"""The county weekly table of annex 3, checked against figures computed by hand."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from app.auth.models import Role
from app.stats.models import COLUMNS, TITLE
from tests.factories import (
    auth_headers,
    ensure_region,
    make_pairing,
    make_plan,
    make_report,
    make_unit,
    make_user,
    make_village,
)
from tests.scenario import COUNTY, WEEK

ZERO_PLAN = dict(planned_funds_wan=Decimal(0), planned_materials_wan=Decimal(0), has_project=False,
                 project_plan="", sales_target_wan=Decimal(0), self_purchase_wan=Decimal(0),
                 market_link_wan=Decimal(0), jobs_target=0, unit_jobs=0, outside_jobs=0,
                 entrepreneurship_jobs=0, public_welfare_jobs=0, trainees_target=0,
                 will_station=False, stationed_target=0, members=[], start_date=None)


@pytest.fixture
def county(session):
    """Five active pairings in county 530102, one ended, one in another county.

    p_half_up  village 001, signed 05-01: funds plan 800, W29 report funds 1 -> 0.13 %
    p_carried  village 001, signed 05-02: reported only in W27 -> carried forward, 本周未报
    p_no_plan  village 002: no plan and no report -> a row of zeros
    p_zero     village 003: all-zero plan, W29 actuals > 0 -> percentages 0
    p_full     village 003, signed 05-01 (sorted before p_zero by date): W28 and W29 reports
    """
    ensure_region(session, COUNTY, "五华区")
    v1, v2, v3 = (make_village(session, code=f"530102001{n:03d}", name=f"{n}号村") for n in (1, 2, 3))
    unit_a, unit_b, unit_c = (make_unit(session, name=f"单位{c}") for c in "ABC")
    p_half_up = make_pairing(session, unit_a, v1, signed_on=date(2020, 5, 1))
    make_plan(session, p_half_up, planned_funds_wan=Decimal(800))
    make_report(session, p_half_up, WEEK, funds_arrived_wan=Decimal(1))

    p_carried = make_pairing(session, unit_b, v1, signed_on=date(2020, 5, 2))
    make_plan(session, p_carried)
    make_report(session, p_carried, "2020-W27", funds_arrived_wan=Decimal("12.5"), jobs_done=3)

    p_no_plan = make_pairing(session, unit_a, v2)

    p_zero = make_pairing(session, unit_b, v3, signed_on=date(2020, 5, 3))
    make_plan(session, p_zero, **ZERO_PLAN)
    make_report(session, p_zero, WEEK, funds_arrived_wan=Decimal(4), jobs_done=2, stationed_now=0)

    p_full = make_pairing(session, unit_c, v3, signed_on=date(2020, 5, 1))
    make_plan(session, p_full)  # funds 50, materials 10, sales 30, jobs 20, trainees 40, station 2
    make_report(session, p_full, "2020-W28", funds_arrived_wan=Decimal(10), jobs_done=5,
                trained_done=10, sales_done_wan=Decimal(6), materials_arrived_wan=Decimal(2))
    make_report(session, p_full, WEEK, funds_arrived_wan=Decimal(20), materials_arrived_wan=Decimal(5),
                industry_plan_done=True, sales_done_wan=Decimal("12.5"), jobs_done=8,
                trained_done=15, stationed_now=2, late=True)

    ended = make_pairing(session, unit_c, v2, active=False)
    make_plan(session, ended)
    make_report(session, ended, WEEK)
    elsewhere = make_pairing(session, unit_c, make_village(session, code="530103001001"))
    make_report(session, elsewhere, WEEK)
    return dict(half_up=p_half_up, carried=p_carried, no_plan=p_no_plan, zero=p_zero, full=p_full)


def get_table(client, session, settings, user=None, week=WEEK, fmt=None):
    user = user or make_user(session, Role.officer, region_code=COUNTY)
    url = f"/api/v1/counties/{COUNTY}/weekly-table?week={week}" + (f"&format={fmt}" if fmt else "")
    return client.get(url, headers=auth_headers(session, settings, user))


def test_rows_follow_village_code_then_signed_date_then_id(client, session, settings, county):
    answer = get_table(client, session, settings)
    assert answer.status_code == 200, answer.text
    rows = answer.json()["rows"]
    assert [r["pairing_id"] for r in rows] == [
        county["half_up"].id, county["carried"].id, county["no_plan"].id, county["full"].id,
        county["zero"].id,
    ]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]


def test_one_in_eight_hundred_rounds_half_up_to_0_13(client, session, settings, county):
    row = get_table(client, session, settings).json()["rows"][0]
    assert row["funds_planned_wan"] == "800" and row["funds_arrived_wan"] == "1"
    assert row["funds_pct"] == "0.13"


def test_a_pairing_that_did_not_report_carries_its_last_report_forward(client, session, settings,
                                                                        county):
    row = get_table(client, session, settings).json()["rows"][1]
    assert row["reported_this_week"] is False and row["report_week"] == "2020-W27"
    assert row["funds_arrived_wan"] == "12.5" and row["funds_pct"] == "25.00"
    assert row["jobs_done"] == 3 and row["jobs_pct"] == "15.00"
    assert row["week_increase"]["funds_arrived_wan"] == "0"


def test_a_pairing_without_plan_or_report_is_a_row_of_zeros(client, session, settings, county):
    row = get_table(client, session, settings).json()["rows"][2]
    assert row["reported_this_week"] is False and row["report_week"] is None
    for key, _label, kind in COLUMNS:
        assert row[key] == {"wan": "0", "pct": "0.00", "int": 0, "flag": 0}[kind], key


def test_no_plan_means_zero_percent_even_with_actuals(client, session, settings, county):
    row = get_table(client, session, settings).json()["rows"][4]
    assert row["funds_arrived_wan"] == "4" and row["funds_pct"] == "0.00"
    assert row["jobs_done"] == 2 and row["jobs_pct"] == "0.00"


def test_full_row_and_its_week_increase(client, session, settings, county):
    row = get_table(client, session, settings).json()["rows"][3]
    assert row["reported_this_week"] is True and row["late"] is True
    assert (row["funds_pct"], row["materials_pct"], row["sales_pct"], row["jobs_pct"],
            row["trained_pct"]) == ("40.00", "50.00", "41.67", "40.00", "37.50")
    assert (row["has_industry_plan"], row["industry_plan_done"], row["stationed"],
            row["stationed_count"]) == (1, 1, 1, 2)
    assert row["week_increase"] == {"funds_arrived_wan": "10", "materials_arrived_wan": "3",
                                    "sales_done_wan": "6.5", "jobs_done": 3, "trained_done": 5,
                                    "stationed_count": 0}


def test_total_row_sums_and_takes_percentages_from_the_sums(client, session, settings, county):
    body = get_table(client, session, settings).json()
    total = body["total"]
    # funds planned: 800 + 50 + 0 + 50 + 0; arrived: 1 + 12.5 + 0 + 20 + 4
    assert total["funds_planned_wan"] == "900" and total["funds_arrived_wan"] == "37.5"
    assert total["funds_pct"] == "4.17"  # 37.5 / 900, not the mean of the row percentages
    assert total["jobs_planned"] == 60 and total["jobs_done"] == 3 + 8 + 2 + 8
    assert total["jobs_pct"] == "35.00"
    # 1/0 columns sum to counts: plans with a project (make_plan default True) and stationing
    assert total["has_industry_plan"] == 3 and total["stationed"] == 3
    assert total["industry_plan_done"] == 1
    assert body["not_reported"] == 2


def test_weeks_before_a_report_show_zero_actuals(client, session, settings, county):
    rows = get_table(client, session, settings, week="2020-W26").json()["rows"]
    assert all(r["funds_arrived_wan"] == "0" and not r["reported_this_week"] for r in rows)


def test_week_defaults_to_this_week_and_bad_weeks_are_422(client, session, settings, county):
    officer = make_user(session, Role.officer, region_code=COUNTY)
    headers = auth_headers(session, settings, officer)
    assert client.get(f"/api/v1/counties/{COUNTY}/weekly-table",
                      headers=headers).json()["week"] == WEEK
    for bad in ("2020-W60", "2019-W10", "W29", "2021-W05"):
        answer = client.get(f"/api/v1/counties/{COUNTY}/weekly-table?week={bad}", headers=headers)
        assert answer.status_code == 422, bad
        assert answer.json()["detail"][0]["loc"] == ["query", "week"]
    answer = client.get(f"/api/v1/counties/{COUNTY}/weekly-table?format=pdf", headers=headers)
    assert answer.status_code == 422


@pytest.mark.parametrize("role,region,visible", [
    (Role.officer, COUNTY, True),
    (Role.officer, "530100000000", True),   # its city
    (Role.officer, "530000000000", True),   # its province
    (Role.officer, None, True),             # national
    (Role.admin, None, True),
    (Role.officer, "530103000000", False),  # a neighbouring county
    (Role.officer, "620000000000", False),  # another province
])
def test_who_may_read_the_county_table(client, session, settings, county, role, region, visible):
    user = make_user(session, role, region_code=region)
    assert get_table(client, session, settings, user).status_code == (200 if visible else 404)


def test_liaisons_read_no_tables(client, session, settings, county):
    liaison = make_user(session, Role.liaison, unit_id=county["full"].unit_id)
    assert get_table(client, session, settings, liaison).status_code == 404


def test_unknown_county_is_404(client, session, settings):
    officer = make_user(session, Role.officer, region_code=None)
    answer = client.get("/api/v1/counties/530199000000/weekly-table?week=2020-W29",
                        headers=auth_headers(session, settings, officer))
    assert answer.status_code == 404


def test_csv_has_a_bom_the_annex_columns_and_the_total(client, session, settings, county):
    answer = get_table(client, session, settings, fmt="csv")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "帮扶村", "结对帮扶单位"]
    assert rows[0][3:22] == [label for _k, label, _t in COLUMNS]
    assert rows[1][5] == "0.13"
    assert rows[-1][0] == "合计" and rows[-1][3] == "900" and rows[-1][5] == "4.17"
    assert [r[-1] for r in rows[1:-1]] == ["", "是", "是", "", ""]


def test_xlsx_is_laid_out_like_the_paper_annex(client, session, settings, county):
    answer = get_table(client, session, settings, fmt="xlsx")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["进展统计表", "本周未报"]
    ws = book["进展统计表"]
    assert ws["A1"].value == TITLE
    assert "五华区" in ws["A2"].value and WEEK in ws["A2"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A1:V1", "A3:A4", "B3:B4", "C3:C4", "D3:K3", "L3:N3", "O3:Q3", "R3:T3", "U3:V3"} <= merged
    assert [ws.cell(3, c).value for c in (4, 12, 15, 18, 21)] == [
        "加大资金投入，促进产业扶贫", "消费扶贫", "就业扶贫", "技能培训", "派驻力量"]
    assert [ws.cell(4, c).value for c in range(4, 23)] == [label for _k, label, _t in COLUMNS]
    first = [ws.cell(5, c).value for c in range(1, 23)]
    assert first[:6] == [1, "1号村", "单位A", 800, 1, 0.13]
    assert isinstance(ws.cell(5, 4).value, int | float)  # numbers stored as numbers
    total_row = 5 + 5
    assert ws.cell(total_row, 1).value == "合计"
    assert ws.cell(total_row, 4).value == 900 and ws.cell(total_row, 6).value == 4.17
    assert ws.cell(total_row, 10).value == 3  # has_industry_plan counted
    assert ws.cell(total_row + 1, 10).value.startswith("1：有")
    assert ws.cell(total_row + 1, 12).value == "无计划填零"
    assert ws.freeze_panes == "D5"
    assert [ws.cell(3, c).value for c in (1, 2, 3)] == ["序号", "帮扶村", "结对帮扶单位"]
    heights = (ws.row_dimensions[1].height, ws.row_dimensions[3].height, ws.row_dimensions[4].height)
    assert heights == pytest.approx((30, 22, 58), abs=0.5)  # Excel keeps heights in quarter points
    missing = book["本周未报"]
    listed = [missing.cell(r, 4).value for r in range(4, missing.max_row + 1)]
    assert listed == ["单位B", "单位A"]


def test_completeness_counts_expected_received_on_time_and_lists_the_missing(
        client, session, settings, county):
    liaison = make_user(session, Role.liaison, unit_id=county["carried"].unit_id, display_name="联络员乙")
    officer = make_user(session, Role.officer, region_code=COUNTY)
    answer = client.get(f"/api/v1/counties/{COUNTY}/completeness?week={WEEK}",
                        headers=auth_headers(session, settings, officer))
    assert answer.status_code == 200
    body = answer.json()
    assert (body["expected"], body["received"], body["on_time"]) == (5, 3, 2)
    assert body["rate_pct"] == "60.00"
    assert [m["pairing_id"] for m in body["missing"]] == [county["carried"].id, county["no_plan"].id]
    assert body["missing"][0]["liaisons"] == [{"username": liaison.username, "display_name": "联络员乙"}]
    assert body["missing"][1]["liaisons"] == []


def test_pairings_signed_after_the_week_are_not_in_its_table(client, session, settings, county):
    late_signed = make_pairing(session, signed_on=date(2020, 7, 20),
                               village=make_village(session, code="530102001009"))
    ids = [r["pairing_id"] for r in get_table(client, session, settings).json()["rows"]]
    assert late_signed.id not in ids


def _workbook(content: bytes) -> dict:
    """Everything a reader sees of a workbook: every cell's value and style, merges, row heights,
    column widths and panes, sheet by sheet."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    out = {}
    for ws in book.worksheets:
        cells = {(c.row, c.column): (c.value, c.number_format, c.font.b, c.font.name, c.fill.fgColor.rgb,
                                     c.border.left.style, c.alignment.horizontal)
                 for row in ws.iter_rows() for c in row if c.value is not None or c.has_style}
        out[ws.title] = (cells, sorted(str(r) for r in ws.merged_cells.ranges),
                         {r: d.height for r, d in ws.row_dimensions.items() if d.height},
                         {k: d.width for k, d in ws.column_dimensions.items()}, ws.freeze_panes,
                         ws.print_title_rows)
    return out


def test_the_streamed_workbook_is_the_in_memory_one(client, session, settings, county):
    """The export writes row by row in XlsxWriter's constant_memory mode; what it gives is the
    workbook the in-memory mode gave, cell for cell."""
    from app.auth.policy import Principal
    from app.stats import export
    from app.stats.policy import county_access
    from app.stats.service import county_table, liaison_names

    officer = make_user(session, Role.officer, region_code=COUNTY)
    table = county_table(session, settings, county_access(session, Principal.of(officer), COUNTY), WEEK)
    missing = export.missing_rows(table, liaison_names(session, {row.unit_id for row in table.missing}))
    sheet = export.county_sheet(table)
    streamed = _workbook(export.to_xlsx(sheet, missing))
    assert streamed == _workbook(export.to_xlsx(sheet, missing, constant_memory=False))
    assert streamed == _workbook(get_table(client, session, settings, officer, fmt="xlsx").content)
