"""The import page: templates to download, an upload with CSRF and a dry-run box, the result with
every bad row in a table, and large files as a background job whose progress the page polls."""

import time

import pytest
from sqlalchemy import func, select
from sqlmodel import Session
from starlette.testclient import TestClient

from app.auth.models import Role
from app.imports import jobs
from app.imports.models import ImportJob, ImportKind, JobStatus
from app.main import create_app
from app.reports.models import Report
from tests.conftest import migrate
from tests.factories import ensure_region, make_pairing, make_plan, make_unit, make_user, make_village
from tests.imports.files import csv_bytes, labels, xlsx_bytes
from tests.web.pages import browser_login
from tests.workers import JobWorld, worker

HEAD = labels(ImportKind.reports)[:11]  # 结对编号 … 本周项目进展


def report_row(pairing_id, week="2020-W28", funds=20, jobs=8):
    return [pairing_id, week, funds, 5, 0, 12.5, jobs, 15, 2, 30, "大棚主体完工"]


def upload(client, token, rows, kind="reports", fmt="csv", dry_run=False, headers=None):
    content = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows)
    data = {"csrf_token": token, "kind": kind}
    if dry_run:
        data["dry_run"] = "true"
    return client.post("/imports", data=data, files={"file": (f"周报.{fmt}", content)},
                       headers=headers or {}, follow_redirects=False)


def test_a_county_officer_finds_the_page_in_the_menu_with_every_template(client, world):
    browser_login(client, world["officer"])
    assert 'href="/imports"' in client.get("/").text
    page = client.get("/imports").text
    for kind in ImportKind:
        assert f'href="/imports/{kind.value}/template?format=xlsx"' in page
        assert f'href="/imports/{kind.value}/template?format=csv"' in page
    assert 'name="dry_run"' in page and 'type="file"' in page and 'name="csrf_token"' in page
    template = client.get("/imports/villages/template?format=csv")
    assert template.status_code == 200 and template.content.startswith(b"\xef\xbb\xbf")


def test_a_liaison_is_offered_plans_and_reports_only(client, world):
    token = browser_login(client, world["liaison"])
    page = client.get("/imports").text
    assert "/imports/reports/template" in page and "/imports/plans/template" in page
    assert "/imports/villages/template" not in page and "/imports/units/template" not in page
    answer = upload(client, token, [labels(ImportKind.villages)], kind="villages")
    assert answer.status_code == 403


def test_an_upload_without_the_csrf_token_is_refused(client, session, world):
    browser_login(client, world["officer"])
    answer = upload(client, "0" * 64, [HEAD, report_row(world["first"].id)])
    assert answer.status_code == 403
    assert session.scalar(select(func.count()).select_from(Report)) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_upload_through_the_page_imports_and_shows_the_result(client, session, world, fmt):
    token = browser_login(client, world["officer"])
    answer = upload(client, token, [HEAD, report_row(world["first"].id), report_row(world["second"].id)], fmt=fmt)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/imports/jobs/")
    page = client.get(answer.headers["location"]).text
    assert "导入成功" in page and "新增 2 条" in page and "every 1s" not in page
    assert session.scalar(select(func.count()).select_from(Report)) == 2
    assert "已导入" in client.get("/imports").text  # listed among the recent imports


def test_bad_rows_are_listed_in_a_table_and_nothing_is_stored(client, session, world):
    token = browser_login(client, world["officer"])
    rows = [HEAD, report_row(world["first"].id), report_row(world["second"].id, funds=-3),
            report_row(world["far"].id), report_row(world["first"].id, "2020-W27", jobs="八")]
    answer = upload(client, token, rows, headers={"HX-Request": "true"})
    assert answer.status_code == 204 and answer.headers["HX-Redirect"].startswith("/imports/jobs/")
    page = client.get(answer.headers["HX-Redirect"]).text
    assert "3 处错误" in page and "未导入" in page
    table = page[page.index('id="job-errors"'):]
    for row, column in [(3, "资金已到位总投入（万元）"), (4, "结对编号"), (5, "已解决就业人数")]:
        assert f'<td class="num">{row}</td><td>{column}</td>' in table
    assert "不能小于 0" in table and "不在您的管辖范围内" in table
    assert session.scalar(select(func.count()).select_from(Report)) == 0
    job = session.scalars(select(ImportJob)).one()
    assert (job.status, job.created, len(job.errors)) == (JobStatus.rejected, 0, 3)
    errors_csv = client.get(f"/imports/jobs/{job.id}/errors.csv")
    assert errors_csv.content.startswith(b"\xef\xbb\xbf") and "结对编号" in errors_csv.content.decode("utf-8-sig")


def test_a_dry_run_through_the_page_stores_nothing(client, session, world):
    token = browser_login(client, world["officer"])
    answer = upload(client, token, [HEAD, report_row(world["first"].id)], dry_run=True)
    page = client.get(answer.headers["location"]).text
    assert "检查通过" in page and "未保存" in page
    assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_an_unreadable_file_shows_the_form_again_with_the_reason(client, world):
    token = browser_login(client, world["officer"])
    answer = client.post("/imports", data={"csrf_token": token, "kind": "reports"},
                         files={"file": ("周报.xls", b"\xd0\xcf\x11\xe0")}, headers={"HX-Request": "true"})
    assert answer.status_code == 422
    assert 'id="upload"' in answer.text and "另存为 .xlsx" in answer.text and "<html" not in answer.text


def test_the_progress_fragment_polls_every_second_until_the_job_is_done(client, session, world):
    browser_login(client, world["officer"])
    job = ImportJob(kind="reports", filename="大文件.csv", status=JobStatus.running, processed_rows=1500,
                    total_rows=50000, user_id=world["officer"].id)
    session.add(job)
    session.flush()
    fragment = client.get(f"/imports/jobs/{job.id}", headers={"HX-Request": "true"}).text
    assert fragment.lstrip().startswith('<section class="panel" id="job"') and "<html" not in fragment
    assert f'hx-get="/imports/jobs/{job.id}"' in fragment and 'hx-trigger="every 1s"' in fragment
    assert "1500" in fragment and 'max="50000"' in fragment
    job.status, job.processed_rows, job.created = JobStatus.done, 50000, 50000
    session.flush()
    fragment = client.get(f"/imports/jobs/{job.id}", headers={"HX-Request": "true"}).text
    assert "hx-trigger" not in fragment and "导入成功" in fragment and "新增 50000 条" in fragment


def test_the_error_list_download_opens_headers_as_text_not_formulas(client, session, world):
    token = browser_login(client, world["officer"])
    answer = upload(client, token, [[*HEAD, "=SUM(1)"], report_row(world["first"].id)])
    job = session.scalars(select(ImportJob)).one()
    assert answer.status_code == 303 and job.status == JobStatus.rejected
    content = client.get(f"/imports/jobs/{job.id}/errors.csv").content.decode("utf-8-sig")
    assert "\r\n1,'=SUM(1)," in content


def test_a_job_is_seen_by_its_owner_only(client, session, world):
    job = ImportJob(kind="reports", filename="a.csv", user_id=world["officer"].id)
    session.add(job)
    session.flush()
    browser_login(client, world["other_officer"])
    assert client.get(f"/imports/jobs/{job.id}").status_code == 404
    assert client.get(f"/imports/jobs/{job.id}/errors.csv").status_code == 404


# --- the background job, on a database of its own: its thread commits for real -------------------


@pytest.fixture
def live(scratch_db_url, tmp_path, monkeypatch):
    """The app in this process, and a real `bangfu worker` beside it on the same queue."""
    migrate(scratch_db_url)
    world = JobWorld(scratch_db_url, tmp_path)
    app = create_app(world.settings())
    with Session(app.state.engine, expire_on_commit=False) as session:
        ensure_region(session, "530102001000")
        pairings = [make_pairing(session, make_unit(session), make_village(session, code=f"530102001{n:03d}"))
                    for n in range(1, 4)]
        for pairing in pairings:
            make_plan(session, pairing)
        officer = make_user(session, Role.officer, region_code="530102000000")
        session.commit()
    monkeypatch.setattr(jobs, "BACKGROUND_BYTES", 0)  # every upload runs as a job
    try:
        with worker(world), TestClient(app) as client:
            yield {"client": client, "pairings": pairings, "officer": officer, "engine": app.state.engine,
                   "world": world}
    finally:
        world.forget_queue()
        app.state.engine.dispose()


def finished_fragment(client, url: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fragment = client.get(url, headers={"HX-Request": "true"}).text
        if "hx-trigger" not in fragment:
            return fragment
        time.sleep(0.05)
    raise AssertionError("the import job did not finish")


def reports_in(engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Report))


def test_a_large_file_runs_as_a_job_and_the_page_shows_its_progress(live):
    client = live["client"]
    token = browser_login(client, live["officer"])
    rows = [HEAD] + [report_row(p.id, week) for p in live["pairings"] for week in ("2020-W27", "2020-W28")]
    answer = upload(client, token, rows, fmt="xlsx")
    assert answer.status_code == 303
    fragment = finished_fragment(client, answer.headers["location"])
    assert "导入成功" in fragment and "6 行数据" in fragment and "新增 6 条" in fragment
    assert reports_in(live["engine"]) == 6
    with Session(live["engine"]) as session:
        job = session.scalars(select(ImportJob)).one()
        assert (job.status, job.processed_rows, job.created, job.attempts, job.finished_at is not None) == \
            (JobStatus.done, 6, 6, 1, True)
    assert live["world"].uploads() == []  # the job's copy of the upload is gone with it


def test_a_job_with_bad_rows_stores_nothing_and_lists_them(live):
    client = live["client"]
    token = browser_login(client, live["officer"])
    rows = [HEAD] + [report_row(p.id) for p in live["pairings"]] + [report_row(live["pairings"][0].id, "2020-W29", funds=-1)]
    answer = upload(client, token, rows)
    fragment = finished_fragment(client, answer.headers["location"])
    assert "1 处错误" in fragment and '<td class="num">5</td><td>资金已到位总投入（万元）</td>' in fragment
    assert reports_in(live["engine"]) == 0


def test_a_job_whose_file_turns_out_unreadable_fails_and_says_why(live):
    client = live["client"]
    token = browser_login(client, live["officer"])
    answer = client.post("/imports", data={"csrf_token": token, "kind": "reports"},
                         files={"file": ("周报.xlsx", b"PK\x03\x04 but not really a workbook")},
                         follow_redirects=False)
    fragment = finished_fragment(client, answer.headers["location"])
    assert "无法导入" in fragment and "无法打开 xlsx 文件" in fragment
