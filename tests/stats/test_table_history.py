"""Past weekly tables stay as they were, and names typed by users stay text in the exports."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl

from app.auth.models import Role
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
from tests.scenario import COUNTY


def table(client, headers, week, fmt=None):
    url = f"/api/v1/counties/{COUNTY}/weekly-table?week={week}" + (f"&format={fmt}" if fmt else "")
    return client.get(url, headers=headers)


def test_ending_a_pairing_leaves_the_tables_of_earlier_weeks_alone(client, session, settings):
    ensure_region(session, COUNTY)
    officer = make_user(session, Role.officer, region_code=COUNTY)
    headers = auth_headers(session, settings, officer)
    kept = make_pairing(session, village=make_village(session, code="530102001001"))
    ending = make_pairing(session, village=make_village(session, code="530102001002"))
    make_report(session, ending, "2020-W27", funds_arrived_wan=Decimal(7))
    before = table(client, headers, "2020-W27").json()
    assert [r["pairing_id"] for r in before["rows"]] == [kept.id, ending.id]

    # Ended on 2020-07-15 (the test clock): still counted in W29, gone from W30 on.
    answer = client.patch(f"/api/v1/pairings/{ending.id}", json={"active": False}, headers=headers)
    assert answer.json()["ended_on"] == "2020-07-15"
    assert table(client, headers, "2020-W27").json() == before
    assert len(table(client, headers, "2020-W29").json()["rows"]) == 2


def test_pairings_past_their_valid_until_leave_later_tables(client, session, settings):
    ensure_region(session, COUNTY)
    headers = auth_headers(session, settings, make_user(session, Role.officer, region_code=COUNTY))
    make_pairing(session, valid_until=date(2020, 7, 1),
                 village=make_village(session, code="530102001003"))
    assert len(table(client, headers, "2020-W27").json()["rows"]) == 1
    assert table(client, headers, "2020-W28").json()["rows"] == []


def test_names_that_look_like_formulas_stay_text(client, session, settings):
    ensure_region(session, COUNTY)
    headers = auth_headers(session, settings, make_user(session, Role.officer, region_code=COUNTY))
    evil = make_unit(session, name='=HYPERLINK("http://evil.example","点我")')
    pairing = make_pairing(session, unit=evil, village=make_village(session, code="530102001004",
                                                                     name="+1村"))
    make_plan(session, pairing)
    book = openpyxl.load_workbook(io.BytesIO(table(client, headers, "2020-W29", "xlsx").content))
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert book.active["C5"].value == evil.name
    rows = list(csv.reader(io.StringIO(table(client, headers, "2020-W29", "csv").content.decode("utf-8-sig"))))
    assert rows[1][1] == "'+1村" and rows[1][2] == "'" + evil.name


def test_rollup_xlsx_carry_their_own_title_and_a_merged_total(client, session, settings):
    ensure_region(session, "530000000000", "云南省")
    ensure_region(session, COUNTY)
    make_pairing(session, village=make_village(session, code="530102001005"))
    headers = auth_headers(session, settings, make_user(session, Role.officer))
    answer = client.get("/api/v1/provinces/530000000000/weekly-table?week=2020-W29&format=xlsx",
                        headers=headers)
    ws = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert ws["A1"].value.endswith("（分县汇总）")
    total_row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "合计")
    assert f"A{total_row}:B{total_row}" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.cell(total_row, 3).value == 1
