"""The templates the system hands out, the header row, and files that cannot be imported at all."""

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app.imports.models import ImportKind
from app.imports.reading import cell_text
from app.imports.templates import COLUMNS, match_header, normalise
from app.reports.models import Report
from tests.imports.files import csv_bytes, labels, post, xlsx_bytes

KINDS = [k.value for k in ImportKind]


@pytest.mark.parametrize("kind", KINDS)
def test_the_xlsx_template_has_the_chinese_labels_and_a_sheet_of_rules(client, world, kind):
    answer = client.get(f"/api/v1/imports/{kind}/template?format=xlsx", headers=world["headers"])
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in answer.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    data, notes = book.worksheets
    header = [c.value for c in data[1]]
    assert header == labels(ImportKind(kind))
    assert data.freeze_panes == "A2" and data["A1"].font.bold
    assert notes.title == "填写说明"
    fields = [notes.cell(row=r, column=2).value for r in range(5, 5 + len(header))]
    assert fields == [c.field for c in COLUMNS[ImportKind(kind)]]


@pytest.mark.parametrize("kind", KINDS)
def test_the_csv_template_starts_with_a_bom_and_the_chinese_labels(client, world, kind):
    answer = client.get(f"/api/v1/imports/{kind}/template?format=csv", headers=world["headers"])
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.content.startswith(b"\xef\xbb\xbf")
    assert answer.content.decode("utf-8-sig").strip().split(",") == labels(ImportKind(kind))


def test_a_downloaded_template_filled_in_imports(client, session, world):
    content = client.get("/api/v1/imports/reports/template?format=xlsx", headers=world["headers"]).content
    book = openpyxl.load_workbook(io.BytesIO(content))
    book.worksheets[0].append([world["first"].id, "2020-W28", 20, 5, 0, 12.5, 8, 15, 2, 30, "进展"])
    filled = io.BytesIO()
    book.save(filled)
    answer = client.post("/api/v1/imports/reports", files={"file": ("周报.xlsx", filled.getvalue())},
                         headers=world["headers"])
    assert answer.status_code == 200 and answer.json() == {"created": 1, "updated": 0}


def test_templates_need_a_token_and_a_known_kind_and_format(client, world):
    assert client.get("/api/v1/imports/reports/template").status_code == 401
    answer = client.get("/api/v1/imports/households/template", headers=world["headers"])
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["path", "kind"] and "villages" in error["msg"] and "households" in error["msg"]
    assert client.get("/api/v1/imports/reports/template?format=pdf", headers=world["headers"]).status_code == 422


# --- the header row -------------------------------------------------------------------------


def test_an_unknown_header_is_an_error_on_row_1_naming_the_column(client, session, world):
    head = [*labels(ImportKind.reports), "备注"]
    answer = post(client, "reports", [head, [world["first"].id, "2020-W28"]], "csv", world["headers"])
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["row"] == 1 and error["column"] == "备注" and "备注" in error["msg"]
    assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_missing_required_columns_are_each_named(client, world):
    head = [c for c in labels(ImportKind.reports) if c not in ("周次", "本周项目进展")]
    answer = post(client, "reports", [head], "xlsx", world["headers"])
    assert answer.status_code == 422
    assert [(e["row"], e["column"]) for e in answer.json()["detail"]] == [(1, "周次"), (1, "本周项目进展")]
    assert "缺少必填列" in answer.json()["detail"][0]["msg"]


def test_header_matching_forgives_width_spaces_and_case_but_not_a_column_twice():
    head = ["区划代码", " 村 名 称 ", "POOR_HOUSEHOLDS", "是否挂牌督战村*", "code"]
    header, errors = match_header(ImportKind.villages, head)
    assert header.positions == {"code": 0, "name": 1, "poor_households": 2, "listed": 3}
    assert errors == [{"row": 1, "column": "code", "msg": "列“code”与第 1 列“区划代码”是同一列，请只保留一列"}]
    assert normalise("资金已到位总投入(万元)") == normalise("资金已到位总投入（万元）")
    assert normalise("其中：帮扶单位自购（万元）") == normalise("帮扶单位自购（万元）")
    _header, errors = match_header(ImportKind.villages, ["区划代码", None, "村名称"])
    assert errors == [{"row": 1, "column": "第 2 列", "msg": "第 2 列的表头为空：请填写列名或删除该列"}]


def test_a_value_beyond_the_header_is_an_error(client, world):
    row = [world["first"].id, "2020-W28", 20, 5, 0, 12.5, 8, 15, 2, 30, "进展", None, None, None, "多余"]
    answer = post(client, "reports", [labels(ImportKind.reports), row], "csv", world["headers"])
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"row": 2, "column": "第 15 列", "msg": "第 15 列没有表头，无法识别其中的“多余”"}]


# --- files that are not imports -------------------------------------------------------------


@pytest.mark.parametrize("name, content, words", [
    ("周报.xls", b"\xd0\xcf\x11\xe0", ".xlsx"),
    ("周报.txt", b"a,b", ".csv"),
    ("周报.xlsx", b"not a zip at all", "无法打开"),
    ("周报.csv", b"", "第 1 行应为表头"),
    ("周报.csv", csv_bytes([labels(ImportKind.reports), []]), "没有数据行"),
    ("周报.xlsx", xlsx_bytes([]), "第 1 行应为表头"),
])
def test_a_file_that_cannot_be_read_is_refused_naming_file(client, session, world, name, content, words):
    answer = client.post("/api/v1/imports/reports", files={"file": (name, content)}, headers=world["headers"])
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "file"] and words in error["msg"]


def test_an_upload_without_a_file_is_refused_naming_file(client, world):
    answer = client.post("/api/v1/imports/reports", data={"x": "1"}, headers=world["headers"])
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "file"]


def test_importing_needs_a_token_and_a_known_kind(client, world):
    content = csv_bytes([labels(ImportKind.reports)])
    assert client.post("/api/v1/imports/reports", files={"file": ("a.csv", content)}).status_code == 401
    answer = client.post("/api/v1/imports/farms", files={"file": ("a.csv", content)}, headers=world["headers"])
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["path", "kind"]


def test_a_semicolon_or_tab_separated_file_is_read(client, session, world):
    head = ";".join(labels(ImportKind.reports, ["pairing_id", "week", "funds_arrived_wan",
                                                "materials_arrived_wan", "industry_plan_done", "sales_done_wan",
                                                "jobs_done", "trained_done", "stationed_now", "progress"]))
    body = f"{world['first'].id};2020-W28;20;5;0;12.5;8;15;2;进展"
    content = ("\ufeff" + head + "\r\n" + body + "\r\n").encode()
    answer = client.post("/api/v1/imports/reports", files={"file": ("a.csv", content)}, headers=world["headers"])
    assert answer.status_code == 200, answer.text
    content = ("\ufeff" + head.replace(";", "\t") + "\n" + body.replace(";", "\t").replace("W28", "W27")
               + "\n").encode("utf-16")
    answer = client.post("/api/v1/imports/reports", files={"file": ("a.csv", content)}, headers=world["headers"])
    assert answer.status_code == 200, answer.text


def test_cells_read_as_the_text_a_person_typed():
    from datetime import date, datetime

    assert cell_text(12.5) == "12.5" and cell_text(0.1 + 0.2) == "0.3" and cell_text(8.0) == "8"
    assert cell_text(530102001001.0) == "530102001001" and cell_text(1e-05) == "0.00001"
    assert cell_text(datetime(2020, 6, 1)) == "2020-06-01" and cell_text(date(2020, 6, 1)) == "2020-06-01"
    assert cell_text("  ") is None and cell_text(None) is None and cell_text(True) == "true"


def test_an_xlsx_whose_recorded_dimension_is_wrong_is_read_whole(client, session, world):
    """Some tools write <dimension ref="A1"/> whatever the sheet holds: every row still counts."""
    import re
    import zipfile

    rows = [labels(ImportKind.reports)[:11],
            [world["first"].id, "2020-W28", 20, 5, 0, 12.5, 8, 15, 2, 30, "进展"],
            [world["second"].id, "2020-W28", 20, 5, 0, 12.5, 8, 15, 2, 30, "进展"]]
    source, tampered = io.BytesIO(xlsx_bytes(rows)), io.BytesIO()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(tampered, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
            zout.writestr(item, data)
    answer = client.post("/api/v1/imports/reports", files={"file": ("周报.xlsx", tampered.getvalue())},
                         headers=world["headers"])
    assert answer.status_code == 200 and answer.json() == {"created": 2, "updated": 0}, answer.text
