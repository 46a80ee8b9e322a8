"""The weekly sheet on the import page: download, upload one or many copies, a preview of every
change that stores nothing, and a confirmation that stores exactly what was previewed."""

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.imports.models import ImportJob
from app.reports.models import Report
from tests.imports.test_weekly_sheet import fill, five_pairings, key, reports, rows_by_key, saved
from tests.scenario import COUNTY, PROVINCE, WEEK
from tests.web.pages import browser_login

HTMX = {"HX-Request": "true"}


@pytest.fixture
def w(session, settings):
    return five_pairings(session, settings)
CONFIRM_RE = re.compile(r'action="(/imports/weekly-sheet/\d+/confirm)"')
DIGEST_RE = re.compile(r'name="digest" value="([0-9a-f]+)"')


def page_sheet(client, county=None):
    answer = client.get("/imports/weekly-sheet.xlsx" + (f"?county={county}&week={WEEK}" if county else f"?week={WEEK}"))
    assert answer.status_code == 200, answer.text
    return openpyxl.load_workbook(io.BytesIO(answer.content))


def upload(client, token, *files):
    return client.post("/imports/weekly-sheet", data={"csrf_token": token},
                       files=[("file", (name, content)) for name, content in files], headers=HTMX)


def confirm(client, token, preview_html):
    action, digest = CONFIRM_RE.search(preview_html).group(1), DIGEST_RE.search(preview_html).group(1)
    return client.post(action, data={"csrf_token": token, "digest": digest}, headers=HTMX)


def changed_copy(client, w, **changes_by_pairing):
    book = page_sheet(client)
    sheet = book.worksheets[0]
    rows = rows_by_key(sheet)
    for name, values in changes_by_pairing.items():
        fill(sheet, rows[key(w, name)], **values)
    return saved(book)


def test_the_import_page_and_the_county_table_offer_the_sheet(client, w):
    browser_login(client, w.users["county"])
    page = client.get("/imports").text
    assert 'id="weekly"' in page and 'action="/imports/weekly-sheet.xlsx"' in page and "multiple" in page
    table = client.get(f"/counties/{COUNTY}/table?week={WEEK}").text
    assert f'href="/imports/weekly-sheet.xlsx?county={COUNTY}&amp;week={WEEK}"' in table
    sheet = page_sheet(client).worksheets[0]  # the county officer's own county by default
    assert set(rows_by_key(sheet)) == {key(w, n) for n in ("a1", "a2", "b1", "b2", "c1")}


def test_a_preview_lists_every_change_and_stores_nothing_then_the_confirmation_stores_it(client, session, w):
    token = browser_login(client, w.users["county"])
    first = changed_copy(client, w, a1={"funds_arrived_wan": 25, "progress": "甲公司：新到位 5 万元"})
    second = changed_copy(client, w, b1={"jobs_done": 6, "progress": "乙公司：新增 2 人"})
    before = reports(session)
    preview = upload(client, token, ("甲公司.xlsx", first), ("乙公司.xlsx", second))
    assert preview.status_code == 200, preview.text
    html = preview.text
    assert "预览（尚未保存）：2 行有变化" in html and "甲公司.xlsx" in html and "乙公司.xlsx" in html
    assert "资金已到位总投入（万元）" in html and '<span class="old">20</span> → <span class="new">25</span>' in html
    assert '<span class="old">4</span> → <span class="new">6</span>' in html
    assert "未填报、跳过的结对（3 个）" in html
    assert reports(session) == before  # nothing stored by the preview
    job = session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job.kind == "weekly" and job.dry_run and job.upload_path

    done = confirm(client, token, html)
    assert done.status_code == 200, done.text
    assert "已导入：2 行有变化，新增周报 2 条" in done.text
    after = reports(session)
    assert set(after) - set(before) == {(w.id("a1"), WEEK), (w.id("b1"), WEEK)}
    session.expire_all()
    assert session.get(ImportJob, job.id).upload_path is None and not session.get(ImportJob, job.id).dry_run

    again = confirm(client, token, html)  # the same confirmation sent twice stores nothing more
    assert "预览已过期或已确认导入" in again.text
    assert reports(session) == after


def test_a_confirmation_after_the_data_moved_shows_the_new_preview_and_stores_nothing(client, session, w):
    token = browser_login(client, w.users["county"])
    content = changed_copy(client, w, a1={"funds_arrived_wan": 25, "progress": "新到位"},
                           b1={"jobs_done": 6, "progress": "新增 2 人"})
    html = upload(client, token, ("五华区.xlsx", content)).text
    w.file_report("liaison_a", "a1", WEEK, funds_arrived_wan="25", jobs_done=8, progress="新到位")  # the same, by phone
    before = reports(session)
    answer = confirm(client, token, html)
    assert answer.status_code == 200
    assert "预览之后数据有了变化" in answer.text and "预览（尚未保存）：1 行有变化" in answer.text
    assert reports(session) == before
    done = confirm(client, token, answer.text)  # the new preview, confirmed
    assert "已导入：1 行有变化" in done.text
    session.expire_all()
    assert session.scalars(select(Report.jobs_done).where(Report.pairing_id == w.id("b1"),
                                                          Report.week == WEEK)).one() == 6


def test_bad_rows_are_listed_with_file_and_row_and_no_confirmation_is_offered(client, session, w):
    token = browser_login(client, w.users["county"])
    content = changed_copy(client, w, a1={"funds_arrived_wan": 12, "progress": "少了"})
    answer = upload(client, token, ("五华区.xlsx", content))
    assert answer.status_code == 422
    assert "有 1 处错误，没有保存任何数据" in answer.text and "更正说明" in answer.text
    assert "/confirm" not in answer.text and 'id="weekly-file"' in answer.text


def test_an_upload_without_a_file_or_the_csrf_token_is_refused(client, w):
    token = browser_login(client, w.users["county"])
    answer = client.post("/imports/weekly-sheet", data={"csrf_token": token}, headers=HTMX)
    assert answer.status_code == 422 and "请选择要导入的文件" in answer.text
    answer = client.post("/imports/weekly-sheet", data={"csrf_token": "0" * 64},
                         files=[("file", ("a.xlsx", b"x"))], headers=HTMX)
    assert answer.status_code == 403


def test_a_province_officer_downloads_a_county_sheet_but_uploads_nothing(client, w):
    w.user("province", Role.officer, PROVINCE)
    token = browser_login(client, w.users["province"])
    page = client.get("/imports").text
    assert 'name="county"' in page and 'action="/imports/weekly-sheet"' not in page
    assert len(rows_by_key(page_sheet(client, COUNTY).worksheets[0])) == 5
    answer = upload(client, token, ("a.xlsx", b"x"))
    assert answer.status_code == 403
