"""The county's pre-filled weekly sheet: downloaded with one row per pairing in force, the plan's
figures locked and the latest report's figures filled in; filled copies imported keyed by village
code and credit code, every change listed by a dry run, stored by the liaison's own save (its
decrease note, its week lock, its flags); several copies merged."""

import io
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.auth.models import Role
from app.imports.weekly import COLUMNS
from app.regions.models import Village
from app.reports.models import Report, ReportStatus
from app.review.models import Flag
from app.stats.models import Submission
from app.units.models import Unit
from tests.factories import credit_code
from tests.scenario import CITY, COUNTY, LAST_WEEK, OTHER_COUNTY, WEEK, Scenario

LABELS = {c.field: c.label for c in COLUMNS}


@pytest.fixture
def w(session, settings):
    return five_pairings(session, settings)


def five_pairings(session, settings) -> Scenario:
    """Five pairings of three units in COUNTY (two of them reported last week, one this week), one
    in the neighbouring county."""
    w = Scenario(session, settings)
    w.pairing("a1", "530102001001", unit="甲公司", village="大坪村")
    w.pairing("a2", "530102001002", unit="甲公司", village="小河村")
    w.pairing("b1", "530102001005", unit="乙公司", village="石桥村")
    w.pairing("b2", "530102001003", unit="乙公司", village="新华村")
    w.pairing("c1", "530102001004", unit="丙协会", village="高桥村")
    w.pairing("far", "530103001001", unit="甲公司", village="远山村")
    w.user("county", Role.officer, COUNTY)
    w.user("other_county", Role.officer, OTHER_COUNTY)
    w.user("city", Role.officer, CITY)
    w.user("liaison_a", Role.liaison, unit="甲公司")
    w.file_report("county", "a1", LAST_WEEK, funds_arrived_wan="20", jobs_done=8)
    w.file_report("county", "b1", LAST_WEEK, funds_arrived_wan="30", jobs_done=4, beneficiaries=None)
    w.file_report("county", "b2", WEEK, funds_arrived_wan="5", progress="本周已报")
    return w


def download(client, w, who="county", county=COUNTY, week=WEEK):
    answer = client.get(f"/api/v1/counties/{county}/weekly-sheet?week={week}", headers=w.headers(who))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(answer.content))


def columns(sheet) -> dict[str, int]:
    """Field -> column number (1-based) by the header's labels."""
    by_label = {v: k for k, v in LABELS.items()}
    return {by_label[cell.value]: cell.column for cell in sheet[1]}


def rows_by_key(sheet) -> dict[tuple[str, str], int]:
    at = columns(sheet)
    return {(sheet.cell(r, at["village_code"]).value, sheet.cell(r, at["credit_code"]).value): r
            for r in range(2, sheet.max_row + 1)}


def fill(sheet, row: int, **values) -> None:
    at = columns(sheet)
    for name, value in values.items():
        sheet.cell(row, at[name]).value = value


def saved(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def post(client, w, *files, who="county", dry_run=False, expect=None):
    query = "&".join(q for q in ("dry_run=true" if dry_run else "", f"expect={expect}" if expect else "") if q)
    parts = [("file", (name, content)) for name, content in files]
    return client.post("/api/v1/imports/weekly-sheet" + (f"?{query}" if query else ""), files=parts,
                       headers=w.headers(who))


def key(w, name: str) -> tuple[str, str]:
    """The row key of a pairing: (village code, unit credit code)."""
    pairing = w.pairings[name]
    return w.session.get(Village, pairing.village_id).code, w.session.get(Unit, pairing.unit_id).credit_code


def reports(session) -> dict[tuple[int, str], tuple]:
    session.expire_all()
    return {(r.pairing_id, r.week): (r.funds_arrived_wan, r.jobs_done, r.progress, r.status, r.submitted_at)
            for r in session.scalars(select(Report))}


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def test_the_sheet_has_every_pairing_in_force_with_the_plan_locked_and_the_latest_figures(client, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    at = columns(sheet)
    found = rows_by_key(sheet)
    assert set(found) == {key(w, n) for n in ("a1", "a2", "b1", "b2", "c1")}  # not the other county's
    a1 = found[key(w, "a1")]
    assert sheet.cell(a1, at["week"]).value == WEEK
    assert sheet.cell(a1, at["village"]).value == "大坪村" and sheet.cell(a1, at["unit"]).value == "甲公司"
    assert sheet.cell(a1, at["report_week"]).value == LAST_WEEK
    assert sheet.cell(a1, at["funds_arrived_wan"]).value == 20 and sheet.cell(a1, at["jobs_done"]).value == 8
    assert sheet.cell(a1, at["funds_planned_wan"]).value == 50  # the factory plan
    assert sheet.cell(a1, at["progress"]).value is None
    a2 = found[key(w, "a2")]  # never reported: nothing to carry
    assert sheet.cell(a2, at["funds_arrived_wan"]).value is None and sheet.cell(a2, at["report_week"]).value is None
    # The plan's figures and the keys are locked on a protected sheet; the figures to fill are not.
    assert sheet.protection.sheet is True
    assert sheet.cell(a1, at["funds_planned_wan"]).protection.locked is True
    assert sheet.cell(a1, at["credit_code"]).protection.locked is True
    assert sheet.cell(a1, at["funds_arrived_wan"]).protection.locked is False
    assert sheet.cell(a1, at["progress"]).protection.locked is False
    assert sheet.cell(a1, at["funds_planned_wan"]).fill.fgColor.rgb.endswith("E7E6E6")


def test_three_changed_rows_are_listed_by_a_dry_run_and_stored_on_confirmation(client, session, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    found = rows_by_key(sheet)
    fill(sheet, found[key(w, "a1")], funds_arrived_wan=25, progress="新到位 5 万元")
    fill(sheet, found[key(w, "a2")], funds_arrived_wan=3, materials_arrived_wan=0, industry_plan_done=0,
         sales_done_wan=0, jobs_done=2, trained_done=0, stationed_now=0, progress="首次填报")
    fill(sheet, found[key(w, "b1")], jobs_done=6, progress="新增 2 人务工")
    content = saved(book)
    before, events = reports(session), count(session, AuditEvent)

    dry = post(client, w, ("五华区.xlsx", content), dry_run=True)
    assert dry.status_code == 200, dry.text
    answer = dry.json()
    changed = {r["pairing_id"]: r for r in answer["rows"]}
    assert set(changed) == {w.id("a1"), w.id("a2"), w.id("b1")}
    assert changed[w.id("a1")]["changes"] == {"funds_arrived_wan": ["20", "25"], "progress": [None, "新到位 5 万元"]}
    assert changed[w.id("b1")]["changes"] == {"jobs_done": ["4", "6"], "progress": [None, "新增 2 人务工"]}
    assert changed[w.id("a2")]["changes"]["funds_arrived_wan"] == [None, "3"]
    assert changed[w.id("a1")]["row"] == found[key(w, "a1")]
    assert answer["skipped"] == 2 and answer["created"] == 3 and answer["updated"] == 0
    assert {s["pairing_id"] for s in answer["skipped_rows"]} == {w.id("b2"), w.id("c1")}
    assert reports(session) == before and count(session, AuditEvent) == events  # nothing stored

    stored = post(client, w, ("五华区.xlsx", content), expect=answer["digest"])
    assert stored.status_code == 200, stored.text
    assert stored.json()["created"] == 3 and stored.json()["rows"] == answer["rows"]
    after = reports(session)
    assert set(after) - set(before) == {(w.id(n), WEEK) for n in ("a1", "a2", "b1")}
    assert all(after[k] == v for k, v in before.items())  # every other report as it was
    a1 = session.scalars(select(Report).where(Report.pairing_id == w.id("a1"), Report.week == WEEK)).one()
    assert a1.funds_arrived_wan == Decimal("25") and a1.jobs_done == 8 and a1.beneficiaries == 30
    assert a1.submitted_by == w.users["county"].id and a1.status == ReportStatus.submitted
    assert count(session, AuditEvent) == events + 3

    again = post(client, w, ("五华区.xlsx", content), dry_run=True)  # the same file once stored: nothing new
    assert again.json()["rows"] == [] and again.json()["skipped"] == 5


def test_a_wrong_credit_code_is_named_with_its_row_and_nothing_is_stored(client, session, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    found = rows_by_key(sheet)
    a1, b1 = found[key(w, "a1")], found[key(w, "b1")]
    fill(sheet, a1, funds_arrived_wan=25, progress="新到位", credit_code=credit_code(987654321))  # not registered
    bad_digit = credit_code(1)[:17] + ("0" if credit_code(1)[17] != "0" else "1")
    fill(sheet, b1, credit_code=bad_digit)
    fill(sheet, found[key(w, "c1")], funds_arrived_wan=1, materials_arrived_wan=0, industry_plan_done=0,
         sales_done_wan=0, jobs_done=0, trained_done=0, stationed_now=0, progress="好的一行")
    before = reports(session)
    answer = post(client, w, ("五华区.xlsx", saved(book)), dry_run=True)
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert [(e["row"], e["column"]) for e in detail] == [(min(a1, b1), LABELS["credit_code"]),
                                                        (max(a1, b1), LABELS["credit_code"])]
    by_row = {e["row"]: e["msg"] for e in detail}
    assert credit_code(987654321) in by_row[a1] and "尚未登记" in by_row[a1]
    assert "校验位" in by_row[b1]
    assert all(e["file"] == "五华区.xlsx" for e in detail)
    assert reports(session) == before


def test_a_decrease_needs_a_note_and_raises_its_flag_as_a_liaisons_save_does(client, session, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    row = rows_by_key(sheet)[key(w, "a1")]
    fill(sheet, row, funds_arrived_wan=12, progress="更正到位资金")
    answer = post(client, w, ("a.xlsx", saved(book)))
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["row"] == row and error["column"] == LABELS["correction_note"]
    assert "减少" in error["msg"] and "更正说明" in error["msg"]
    fill(sheet, row, correction_note="上周多报了 8 万元")
    answer = post(client, w, ("a.xlsx", saved(book)))
    assert answer.status_code == 200, answer.text
    session.expire_all()
    assert session.scalars(select(Flag.rule).where(Flag.pairing_id == w.id("a1"), Flag.week == WEEK)).all() == ["S6"]


def test_a_figure_over_the_threshold_raises_its_flag_and_full_width_digits_are_read(client, session, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    row = rows_by_key(sheet)[key(w, "a1")]
    fill(sheet, row, funds_arrived_wan="２００００", jobs_done="１２", progress="大额到位")
    answer = post(client, w, ("a.xlsx", saved(book)))
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"][0]["changes"]["jobs_done"] == ["8", "12"]
    session.expire_all()
    rules = set(session.scalars(select(Flag.rule).where(Flag.pairing_id == w.id("a1"), Flag.week == WEEK)))
    assert "S3" in rules  # funds over 1 亿元, as on a liaison's save


def test_a_locked_week_refuses_its_rows(client, session, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    row = rows_by_key(sheet)[key(w, "a1")]
    fill(sheet, row, funds_arrived_wan=25, progress="新到位")
    # The county's week sent up (straight into the table: whatever the submission's own rules).
    session.add(Submission(county_code=COUNTY, week=WEEK, snapshot={}, submitted_by=w.users["county"].id))
    session.flush()
    answer = post(client, w, ("a.xlsx", saved(book)), dry_run=True)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["row"] == row and error["column"] == LABELS["week"] and "锁定" in error["msg"]


def test_a_changed_row_without_progress_is_a_bad_row(client, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    row = rows_by_key(sheet)[key(w, "a1")]
    fill(sheet, row, funds_arrived_wan=25)
    answer = post(client, w, ("a.xlsx", saved(book)), dry_run=True)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == row and error["column"] == LABELS["progress"] and "必填" in error["msg"]


def test_copies_from_several_units_are_merged_and_a_clash_names_both_files(client, session, w):
    first, second = download(client, w), download(client, w)
    one, two = first.worksheets[0], second.worksheets[0]
    rows = rows_by_key(one)
    fill(one, rows[key(w, "a1")], funds_arrived_wan=25, progress="甲公司填")
    fill(two, rows[key(w, "b1")], jobs_done=6, progress="乙公司填")
    files = [("甲公司.xlsx", saved(first)), ("乙公司.xlsx", saved(second))]
    answer = post(client, w, *files, dry_run=True)
    assert answer.status_code == 200, answer.text
    assert [(r["file"], r["pairing_id"]) for r in answer.json()["rows"]] == [
        ("甲公司.xlsx", w.id("a1")), ("乙公司.xlsx", w.id("b1"))]
    assert answer.json()["skipped"] == 3  # the other pairings, once however many copies carry them

    fill(two, rows[key(w, "a1")], funds_arrived_wan=26, progress="乙公司也填了甲的")
    answer = post(client, w, ("甲公司.xlsx", saved(first)), ("乙公司.xlsx", saved(second)), dry_run=True)
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["file"] == "乙公司.xlsx" and error["row"] == rows[key(w, "a1")]
    assert f"文件“甲公司.xlsx”第 {rows[key(w, 'a1')]} 行" in error["msg"] and "不同" in error["msg"]


def test_a_liaison_gets_and_files_only_its_units_rows(client, session, w):
    book = download(client, w, who="liaison_a")
    sheet = book.worksheets[0]
    assert set(rows_by_key(sheet)) == {key(w, "a1"), key(w, "a2")}
    # The county's whole sheet in a liaison's hands: another unit's untouched rows are skipped,
    # a touched one is refused on its own row.
    county_book = download(client, w)
    county_sheet = county_book.worksheets[0]
    rows = rows_by_key(county_sheet)
    fill(county_sheet, rows[key(w, "a1")], funds_arrived_wan=25, progress="甲公司填")
    assert post(client, w, ("全县.xlsx", saved(county_book)), who="liaison_a", dry_run=True).status_code == 200
    fill(county_sheet, rows[key(w, "b1")], jobs_done=6, progress="改了乙公司的")
    answer = post(client, w, ("全县.xlsx", saved(county_book)), who="liaison_a", dry_run=True)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == rows[key(w, "b1")] and "本单位" in error["msg"]
    # A county the unit has no pairing in, or another county's sheet: not found.
    assert client.get(f"/api/v1/counties/{CITY[:6]}000000/weekly-sheet",
                      headers=w.headers("liaison_a")).status_code == 404


def test_who_may_download_and_who_may_import(client, w):
    assert client.get(f"/api/v1/counties/{COUNTY}/weekly-sheet?week={WEEK}",
                      headers=w.headers("other_county")).status_code == 404
    book = download(client, w, who="city")  # officers above read the sheet
    content = saved(book)
    assert post(client, w, ("a.xlsx", content), who="city", dry_run=True).status_code == 403
    assert post(client, w, ("a.xlsx", content), who="other_county", dry_run=True).status_code == 422  # rows out of scope
    bad_week = client.get(f"/api/v1/counties/{COUNTY}/weekly-sheet?week=2020-W60", headers=w.headers("county"))
    assert bad_week.status_code == 422


def test_a_confirmation_whose_preview_no_longer_holds_is_refused(client, session, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    fill(sheet, rows_by_key(sheet)[key(w, "a1")], funds_arrived_wan=25, progress="新到位")
    content = saved(book)
    digest = post(client, w, ("a.xlsx", content), dry_run=True).json()["digest"]
    w.file_report("liaison_a", "a1", WEEK, funds_arrived_wan="24", jobs_done=8)  # meanwhile, from a phone
    answer = post(client, w, ("a.xlsx", content), expect=digest)
    assert answer.status_code == 409 and "重新预览" in answer.json()["detail"]
    session.expire_all()
    assert session.scalars(select(Report.funds_arrived_wan).where(
        Report.pairing_id == w.id("a1"), Report.week == WEEK)).one() == Decimal("24")


def test_a_county_of_300_pairings_is_previewed_and_stored_in_one_request(client, session, settings):
    import time

    big = Scenario(session, settings)
    for n in range(300):
        big.pairing(f"p{n}", f"530102{201 + n // 100:03d}{n % 100 + 1:03d}", unit=f"单位{n}")
    big.user("county", Role.officer, COUNTY)
    book = download(client, big)
    sheet = book.worksheets[0]
    at = columns(sheet)
    assert sheet.max_row == 301
    for r in range(2, 302):
        for name, value in (("funds_arrived_wan", 10), ("materials_arrived_wan", 1), ("industry_plan_done", 0),
                            ("sales_done_wan", 2), ("jobs_done", 3), ("trained_done", 4), ("stationed_now", 1),
                            ("progress", "第一次填报")):
            sheet.cell(r, at[name]).value = value
    content = saved(book)
    started = time.monotonic()
    dry = post(client, big, ("全县.xlsx", content), dry_run=True)
    assert dry.status_code == 200, dry.text[:500]
    assert len(dry.json()["rows"]) == 300 and dry.json()["created"] == 300
    stored = post(client, big, ("全县.xlsx", content), expect=dry.json()["digest"])
    assert stored.status_code == 200, stored.text[:500]
    elapsed = time.monotonic() - started
    print(f"300 pairings: preview and store in {elapsed:.2f} s")
    assert elapsed < 30  # both requests, on a loaded 2-core machine
    assert count(session, Report) == 300


def test_a_row_of_a_week_already_reported_updates_that_report_and_keeps_its_texts(client, session, w):
    book = download(client, w)
    sheet = book.worksheets[0]
    row = rows_by_key(sheet)[key(w, "b2")]
    assert columns(sheet) and sheet.cell(row, columns(sheet)["report_week"]).value == WEEK
    fill(sheet, row, funds_arrived_wan=7)  # the progress cell left empty: the report's own stays
    dry = post(client, w, ("a.xlsx", saved(book)), dry_run=True)
    assert dry.status_code == 200, dry.text
    expected = [{"row": row, "pairing_id": w.id("b2"), "changes": {"funds_arrived_wan": ["5", "7"]}}]
    assert [{k: r[k] for k in ("row", "pairing_id", "changes")} for r in dry.json()["rows"]] == expected
    stored = post(client, w, ("a.xlsx", saved(book)))
    assert [{k: r[k] for k in ("row", "pairing_id", "changes")} for r in stored.json()["rows"]] == expected
    assert stored.json()["updated"] == 1 and stored.json()["created"] == 0
    session.expire_all()
    report = session.scalars(select(Report).where(Report.pairing_id == w.id("b2"), Report.week == WEEK)).one()
    assert report.funds_arrived_wan == 7 and report.progress == "本周已报" and report.story_title == "大棚里的新希望"


def test_the_reports_import_takes_village_code_and_credit_code_for_the_pairing(client, session, w):
    from app.imports.models import ImportKind
    from tests.imports.files import labels

    head = ["村代码", "统一社会信用代码", *labels(ImportKind.reports)[1:11]]
    village, credit = key(w, "a2")
    good = [village, credit, WEEK, 3, 0, 0, 0, 2, 0, 0, 10, "按代码填报"]
    unknown = ["530102001099", credit, WEEK, 3, 0, 0, 0, 2, 0, 0, 10, "没有这个结对"]
    answer = client.post("/api/v1/imports/reports", headers=w.headers("county"),
                         files={"file": ("周报.xlsx", saved_rows([head, good, unknown]))})
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == 3 and error["column"] == "统一社会信用代码" and "没有结对" in error["msg"]
    answer = client.post("/api/v1/imports/reports", headers=w.headers("county"),
                         files={"file": ("周报.xlsx", saved_rows([head, good]))})
    assert answer.status_code == 200, answer.text
    session.expire_all()
    assert session.scalars(select(Report.jobs_done).where(Report.pairing_id == w.id("a2"))).one() == 2
    # Neither a number nor both codes: the header says what is missing.
    answer = client.post("/api/v1/imports/reports", headers=w.headers("county"),
                         files={"file": ("周报.xlsx", saved_rows([head[1:], good[1:]]))})
    assert answer.status_code == 422
    assert "须有“结对编号”或“村代码”与“帮扶单位统一社会信用代码”其中一种" in answer.json()["detail"][0]["msg"]


def saved_rows(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    return saved(book)
