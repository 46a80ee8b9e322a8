"""Importing weekly reports: the same rules as PUT /pairings/{id}/reports/{week}, all or nothing,
every bad row listed by its spreadsheet row number, flags raised as on a save, scope per row."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.imports.models import ImportKind
from app.reports.models import Report
from app.review.models import Flag
from tests.factories import make_report
from tests.imports.files import FORMATS, csv_bytes, labels, post

FIELDS = ["pairing_id", "week", "funds_arrived_wan", "materials_arrived_wan", "industry_plan_done",
          "sales_done_wan", "jobs_done", "trained_done", "stationed_now", "beneficiaries", "progress"]
HEAD = labels(ImportKind.reports, FIELDS)


def row(pairing_id, week="2020-W28", **overrides) -> list:
    values = dict(pairing_id=pairing_id, week=week, funds_arrived_wan=20, materials_arrived_wan=5,
                  industry_plan_done=0, sales_done_wan=12.5, jobs_done=8, trained_done=15,
                  stationed_now=2, beneficiaries=30, progress="大棚主体完工，8 名贫困户进棚务工")
    values.update(overrides)
    return [values[f] for f in FIELDS]


def count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_with_chinese_headers_stores_every_report(client, session, world, fmt):
    first, second = world["first"], world["second"]
    answer = post(client, "reports", [HEAD, row(first.id), row(second.id, "2020-W29")], fmt, world["headers"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 2, "updated": 0}
    stored = session.scalars(select(Report).where(Report.pairing_id == first.id)).one()
    assert stored.week == "2020-W28" and stored.sales_done_wan == Decimal("12.5")
    assert stored.jobs_done == 8 and stored.beneficiaries == 30 and stored.industry_plan_done is False
    assert stored.submitted_by == world["officer"].id


@pytest.mark.parametrize("fmt", FORMATS)
def test_api_field_names_work_as_headers_and_an_existing_week_is_replaced(client, session, world, fmt):
    first, second = world["first"], world["second"]
    make_report(session, first, "2020-W28", funds_arrived_wan=Decimal("10"))
    answer = post(client, "reports", [FIELDS, row(first.id, funds_arrived_wan=25), row(second.id)], fmt,
                  world["headers"])
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"created": 1, "updated": 1}
    session.expire_all()
    assert session.scalars(select(Report.funds_arrived_wan).where(Report.pairing_id == first.id)).one() == 25


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_bad_row_is_listed_by_spreadsheet_row_and_nothing_is_stored(client, session, world, fmt):
    first, second = world["first"], world["second"]
    reports, events, flags = count(session, Report), count(session, AuditEvent), count(session, Flag)
    rows = [
        HEAD,
        row(first.id),  # 2: good
        row(second.id, funds_arrived_wan=-1),  # 3: negative
        row(second.id, "2020-W27", jobs_done="八"),  # 4: text in a number field
        row(second.id, "2020-W26"),  # 5: good
        row(first.id, sales_done_wan=99),  # 6: the same pairing and week as row 2
        row(first.id, "2020-W40"),  # 7: a week still to come (today is 2020-W29)
        row(first.id, "2020-W29", funds_arrived_wan=50000),  # 8: good, and raises S3
    ]
    answer = post(client, "reports", rows, fmt, world["headers"])
    assert answer.status_code == 422, answer.text
    detail = answer.json()["detail"]
    assert [(e["row"], e["column"]) for e in detail] == [
        (3, "资金已到位总投入（万元）"), (4, "已解决就业人数"), (6, "结对编号"), (7, "周次")]
    assert "不能小于 0" in detail[0]["msg"]
    assert "必须是整数" in detail[1]["msg"]
    assert "第 2 行重复" in detail[2]["msg"]
    assert "2020-W40" in detail[3]["msg"] and "尚未开始" in detail[3]["msg"]
    # Nothing of the good rows either: no report, no audit event, no flag.
    assert (count(session, Report), count(session, AuditEvent), count(session, Flag)) == (reports, events, flags)


def test_a_dry_run_checks_everything_and_stores_nothing(client, session, world):
    first, second = world["first"], world["second"]
    before = count(session, Report), count(session, AuditEvent), count(session, Flag)
    answer = post(client, "reports", [HEAD, row(first.id, funds_arrived_wan=20000), row(second.id)], "csv",
                  world["headers"], dry_run=True)
    assert answer.status_code == 200 and answer.json() == {"created": 2, "updated": 0}
    assert (count(session, Report), count(session, AuditEvent), count(session, Flag)) == before
    bad = post(client, "reports", [HEAD, row(first.id, progress="")], "csv", world["headers"], dry_run=True)
    assert bad.status_code == 422 and bad.json()["detail"][0]["column"] == "本周项目进展"


def test_an_imported_report_raises_the_same_flags_as_a_save(client, session, world):
    first = world["first"]
    answer = post(client, "reports", [HEAD, row(first.id, funds_arrived_wan=12000)], "xlsx", world["headers"])
    assert answer.status_code == 200, answer.text
    flags = session.scalars(select(Flag).where(Flag.pairing_id == first.id, Flag.week == "2020-W28")).all()
    assert "S3" in {f.rule for f in flags}
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "report", AuditEvent.action == "create")) == 1


def test_a_liaison_imports_only_its_own_units_reports(client, session, world):
    own, other = world["first"], world["second"]
    answer = post(client, "reports", [HEAD, row(own.id), row(other.id)], "csv", world["liaison_headers"])
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"row": 3, "column": "结对编号",
                                        "msg": f"结对 {other.id} 不存在或不在您的管辖范围内"}]
    assert count(session, Report) == 0
    answer = post(client, "reports", [HEAD, row(own.id)], "csv", world["liaison_headers"])
    assert answer.status_code == 200 and answer.json() == {"created": 1, "updated": 0}


def test_a_county_officer_imports_no_report_of_another_county(client, session, world):
    answer = post(client, "reports", [HEAD, row(world["first"].id), row(world["far"].id)], "xlsx",
                  world["headers"])
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["detail"]] == [(3, "结对编号")]
    assert count(session, Report) == 0


def test_a_decrease_needs_the_correction_note_column(client, session, world):
    first = world["first"]
    make_report(session, first, "2020-W28", funds_arrived_wan=Decimal("20"))
    answer = post(client, "reports", [HEAD, row(first.id, "2020-W29", funds_arrived_wan=10)], "csv",
                  world["headers"])
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == 2 and error["column"] == "correction_note" and "由 20 减为 10" in error["msg"]
    head = [*HEAD, "更正说明"]
    answer = post(client, "reports", [head, [*row(first.id, "2020-W29", funds_arrived_wan=10), "上周多报"]],
                  "csv", world["headers"])
    assert answer.status_code == 200, answer.text


def test_a_story_is_imported_from_its_two_columns(client, session, world):
    first, second = world["first"], world["second"]
    head = [*HEAD, "案例故事标题", "案例故事正文"]
    answer = post(client, "reports", [head, [*row(first.id), "大棚里的新希望", "一个故事"],
                                      [*row(second.id), "", ""], [*row(second.id, "2020-W27"), "只有标题", ""]],
                  "xlsx", world["headers"])
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["detail"]] == [(4, "案例故事正文")]
    answer = post(client, "reports", [head, [*row(first.id), "大棚里的新希望", "一个故事"],
                                      [*row(second.id), None, None]], "xlsx", world["headers"])
    assert answer.status_code == 200, answer.text
    stored = {r.pairing_id: r for r in session.scalars(select(Report))}
    assert stored[first.id].story_title == "大棚里的新希望" and stored[first.id].story_body == "一个故事"
    assert stored[second.id].story_body is None


def test_a_csv_saved_by_chinese_excel_in_gbk_is_read(client, session, world):
    content = csv_bytes([HEAD, row(world["first"].id)], encoding="gb18030")
    answer = client.post("/api/v1/imports/reports", files={"file": ("周报.csv", content)},
                         headers=world["headers"])
    assert answer.status_code == 200, answer.text
    assert session.scalars(select(Report.progress)).one() == "大棚主体完工，8 名贫困户进棚务工"


def test_numbers_from_xlsx_arrive_as_the_decimals_excel_shows(client, session, world):
    first, second = world["first"], world["second"]
    answer = post(client, "reports", [HEAD, row(first.id, funds_arrived_wan=0.1 + 0.2, sales_done_wan=12.3456),
                                      row(second.id, jobs_done=8.0, materials_arrived_wan=1e-5)],
                  "xlsx", world["headers"])
    # 0.00001 has more than the 4 places money keeps: refused, not rounded.
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["detail"]] == [(3, "物资已到位（万元）")]
    answer = post(client, "reports", [HEAD, row(first.id, funds_arrived_wan=0.1 + 0.2, sales_done_wan=12.3456),
                                      row(second.id, jobs_done=8.0)], "xlsx", world["headers"])
    assert answer.status_code == 200, answer.text
    stored = {r.pairing_id: r for r in session.scalars(select(Report))}
    assert stored[first.id].funds_arrived_wan == Decimal("0.3")
    assert stored[first.id].sales_done_wan == Decimal("12.3456")
    assert stored[second.id].jobs_done == 8


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_rows_are_skipped_but_still_counted_in_row_numbers(client, session, world, fmt):
    first = world["first"]
    blank = [None] * len(FIELDS)
    rows = [HEAD, blank, row(first.id), blank, row(first.id, "2020-W27", trained_done=-3), blank, blank]
    answer = post(client, "reports", rows, fmt, world["headers"])
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["detail"]] == [(5, "已完成培训人数")]


def test_yes_no_cells_read_as_the_documents_write_them(client, session, world):
    first, second = world["first"], world["second"]
    answer = post(client, "reports", [HEAD, row(first.id, industry_plan_done="是"),
                                      row(second.id, industry_plan_done="也许")], "csv", world["headers"])
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == 3 and error["column"] == "是否已完成计划" and "也许" in error["msg"]
    answer = post(client, "reports", [HEAD, row(first.id, industry_plan_done="是"),
                                      row(second.id, industry_plan_done=1)], "xlsx", world["headers"])
    assert answer.status_code == 200
    assert set(session.scalars(select(Report.industry_plan_done))) == {True}


@pytest.mark.parametrize("fmt", FORMATS)
def test_numbers_as_chinese_input_methods_type_them_are_read_as_plain_numbers(client, session, world, fmt):
    first = world["first"]
    typed = row(first.id, funds_arrived_wan="１２０", materials_arrived_wan="1,000", sales_done_wan=" 55万元 ",
                jobs_done="８人", trained_done="1,200", beneficiaries="３０　名")
    answer = post(client, "reports", [HEAD, typed], fmt, world["headers"])
    assert answer.status_code == 200, answer.text
    stored = session.scalars(select(Report).where(Report.pairing_id == first.id)).one()
    assert (stored.funds_arrived_wan, stored.materials_arrived_wan, stored.sales_done_wan) == (120, 1000, 55)
    assert (stored.jobs_done, stored.trained_done, stored.beneficiaries) == (8, 1200, 30)


@pytest.mark.parametrize("field, value, message", [
    ("funds_arrived_wan", "1,00", "必须是数字"),  # not a thousands separator
    ("funds_arrived_wan", "55元", "必须是数字"),  # 元 is not 万元
    ("jobs_done", "8万", "必须是整数"),  # a count's unit is 人
    ("jobs_done", "٨", "必须是整数"),  # other scripts' digits stay refused
])
def test_what_only_looks_like_a_number_is_still_refused_naming_the_field(client, session, world, field, value,
                                                                       message):
    answer = post(client, "reports", [HEAD, row(world["first"].id, **{field: value})], "csv", world["headers"])
    assert answer.status_code == 422, answer.text
    assert message in answer.json()["detail"][0]["msg"]
    assert count(session, Report) == 0
