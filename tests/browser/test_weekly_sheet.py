"""The weekly sheet in a real browser: download it from the import page, fill it as a unit would
(openpyxl), upload it (two copies at once), read the preview of every change, confirm, and find
the reports stored: at the desk and on a phone."""

import io
from decimal import Decimal

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlmodel import Session

from app.db import create_db_engine
from app.imports.weekly import COLUMNS
from app.reports.models import Report
from tests.browser.conftest import login

pytestmark = pytest.mark.browser
LABELS = {c.field: c.label for c in COLUMNS}
WEEK = "2020-W29"


def stored(live_server) -> dict[int, tuple[Decimal, int]]:
    engine = create_db_engine(live_server["db"])
    try:
        with Session(engine) as session:
            return {r.pairing_id: (r.funds_arrived_wan, r.jobs_done)
                    for r in session.scalars(select(Report).where(Report.week == WEEK))}
    finally:
        engine.dispose()


def download_sheet(page) -> openpyxl.Workbook:
    page.goto("/imports")
    expect(page.locator("#weekly select[name=week]")).to_have_value(WEEK)
    with page.expect_download() as download:
        page.click("text=下载每周填报表（xlsx）")
    with open(download.value.path(), "rb") as sheet:
        return openpyxl.load_workbook(io.BytesIO(sheet.read()))


def filled(book: openpyxl.Workbook, village: str, **values) -> bytes:
    """A copy with one village's row filled in: values by field name."""
    sheet = book.worksheets[0]
    at = {cell.value: cell.column for cell in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, at[LABELS["village"]]).value == village)
    for name, value in values.items():
        sheet.cell(row, at[LABELS[name]]).value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(page, *files: tuple[str, bytes]) -> None:
    page.set_input_files("#weekly-file", [{"name": name, "mimeType": "application/octet-stream", "buffer": content}
                                          for name, content in files])
    page.click("text=上传并预览变化")


FIRST = dict(funds_arrived_wan=12, materials_arrived_wan=0, industry_plan_done=0, sales_done_wan=0, jobs_done=3,
             trained_done=0, stationed_now=0, progress="首次填报：资金到位 12 万元")


def test_upload_preview_and_confirm_at_the_desk(page, live_server):
    login(page, "county")
    before = stored(live_server)
    book = download_sheet(page)
    first = filled(book, "大坪村", **FIRST)  # never reported
    second = filled(download_sheet(page), "新华村", funds_arrived_wan=35, progress="新到位 5 万元")  # 30 last week
    upload(page, ("大坪村.xlsx", first), ("新华村.xlsx", second))
    changes = page.locator("#weekly-changes > li")
    expect(changes).to_have_count(2)
    expect(page.locator("#weekly .preview-note")).to_contain_text("预览（尚未保存）：2 行有变化")
    expect(changes.filter(has_text="新华村")).to_contain_text("30 → 35")
    expect(changes.filter(has_text="大坪村")).to_contain_text("（空） → 12")
    assert stored(live_server) == before  # the preview stored nothing
    page.click("text=确认导入这 2 行")
    expect(page.locator("#weekly p.success")).to_contain_text("已导入：2 行有变化，新增周报 2 条")
    after = stored(live_server)
    assert after[live_server["pairing"]] == (Decimal(12), 3)
    assert after[live_server["planned"]] == (Decimal(35), 6)


def test_upload_preview_and_confirm_on_a_phone(phone, live_server):
    login(phone, "county")
    book = download_sheet(phone)
    upload(phone, ("新华村.xlsx", filled(book, "新华村", funds_arrived_wan=40, jobs_done=7, progress="又到位 5 万元")))
    change = phone.locator("#weekly-changes > li")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("6 → 7")
    # Nothing on the page is wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    confirm = phone.locator("text=确认导入这 1 行")
    expect(confirm).to_be_visible()
    confirm.click()
    expect(phone.locator("#weekly p.success")).to_contain_text("已导入：1 行有变化")
    assert stored(live_server)[live_server["planned"]] == (Decimal(40), 7)
