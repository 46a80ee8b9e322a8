"""Bounded input: bodies over the limits answer 413 before they are read, parsed or authenticated;
an xlsx that would expand past what an upload may take is refused before openpyxl opens it; a file
of a million bad cells gives a bounded answer. The memory a request may add is measured."""

import io
import time
import zipfile
from pathlib import Path

import pytest

from app.auth.models import Role
from tests.factories import auth_headers, make_user
from tests.imports.files import csv_bytes, xlsx_bytes
from tests.scenario import COUNTY

MiB = 1 << 20


def peak_rss_after(call) -> tuple[object, int]:
    """(what `call` answers, how far the process's peak resident memory rose meanwhile, bytes)."""
    status = Path("/proc/self/status")

    def hwm() -> int:
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmHWM:"))
        return int(line.split()[1]) * 1024

    def rss() -> int:
        line = next(x for x in status.read_text().splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024

    Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
    before = rss()
    answer = call()
    return answer, hwm() - before


def test_a_20_mb_json_body_without_a_token_is_413_at_once(client):
    body = b'{"progress": "' + b"x" * (20 * MiB) + b'"}'
    started = time.perf_counter()
    answer, grew = peak_rss_after(lambda: client.put("/api/v1/pairings/1/reports/2020-W29", content=body,
                                                     headers={"Content-Type": "application/json"}))
    assert answer.status_code == 413, answer.text  # FastAPI's own answer to a declared length past the limit
    assert time.perf_counter() - started < 1.0
    assert grew < 100 * MiB


def test_a_body_streamed_past_the_limit_without_a_length_stops_at_413(client, session, settings):
    headers = auth_headers(session, settings, make_user(session, Role.officer, COUNTY))

    def chunks():
        yield b'{"name": "'
        for _ in range(3):
            yield b"x" * MiB
        yield b'"}'

    answer = client.post("/api/v1/units", content=chunks(), headers={**headers, "Content-Type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert "其他请求不能超过 1 MB" in answer.json()["detail"]


def test_a_page_form_over_the_limit_is_a_413_page(client):
    declared = client.post("/login", content=b"username=" + b"a" * (2 * MiB),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert declared.status_code == 413
    streamed = client.post("/login", content=(b"username=" + b"a" * MiB for _ in range(2)),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert streamed.status_code == 413 and "<html" in streamed.text and "不能超过 1 MB" in streamed.text


def test_an_upload_may_be_larger_than_a_form_but_not_past_its_own_limit(client, officer):
    from app.imports.api import MAX_UPLOAD_BYTES
    header = "结对编号,周次\n".encode()
    fits = client.post("/api/v1/imports/reports", headers=officer,
                       files={"file": ("big.csv", header + b"#" * (2 * MiB))})
    assert fits.status_code == 422  # read and checked: past the 1 MB of other bodies, within an upload's
    over = client.post("/api/v1/imports/reports", headers=officer,
                       files={"file": ("huge.csv", header + b"#" * (MAX_UPLOAD_BYTES + 2 * MiB))})
    assert over.status_code == 413


def bomb() -> bytes:
    """A real workbook whose one cell holds 300 MB of one letter: about 300 KB zipped."""
    book = xlsx_bytes([["结对编号", "周次"], ["1", "2020-W29"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"2020-W29")
                with target.open(item.filename, "w", force_zip64=True) as part:
                    part.write(head)
                    for _ in range(300):
                        part.write(b"a" * MiB)
                    part.write(tail)
            else:
                target.writestr(item, data)
    return out.getvalue()


@pytest.fixture
def officer(session, settings):
    return auth_headers(session, settings, make_user(session, Role.officer, COUNTY))


def test_an_xlsx_zip_bomb_is_refused_before_it_expands(client, officer):
    content = bomb()
    assert len(content) < 2 * MiB
    answer, grew = peak_rss_after(lambda: client.post(
        "/api/v1/imports/reports", headers=officer, files={"file": ("bomb.xlsx", content)}))
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"][0]["loc"] == ["body", "file"] and "过大" in answer.json()["detail"][0]["msg"]
    assert grew < 100 * MiB, grew


def test_a_row_of_a_million_stray_cells_gives_a_bounded_answer(client, officer):
    header = "结对编号,周次,资金已到位总投入（万元）,物资已到位（万元）,是否已完成计划,已完成销售（万元）,已解决就业人数," \
             "已完成培训人数,已驻村人数,本周项目进展"
    content = (header + "\n" + "1,2020-W29,1,1,0,1,1,1,1,x" + ",x" * 1_000_000 + "\n").encode()
    answer, grew = peak_rss_after(lambda: client.post(
        "/api/v1/imports/reports", headers=officer, files={"file": ("wide.csv", content)}))
    assert answer.status_code == 422
    assert len(answer.content) < 64 * 1024, len(answer.content)
    assert grew < 150 * MiB, grew


def test_an_answer_lists_the_first_200_bad_rows_and_counts_them_all(client, officer):
    header = ["结对编号", "周次", "资金已到位总投入（万元）", "物资已到位（万元）", "是否已完成计划", "已完成销售（万元）",
              "已解决就业人数", "已完成培训人数", "已驻村人数", "本周项目进展"]
    rows = [header] + [[str(10_000 + n), "2020-W29", "-1", "0", "0", "0", "0", "0", "0", "x"] for n in range(500)]
    answer = client.post("/api/v1/imports/reports", headers=officer, files={"file": ("many.csv", csv_bytes(rows))})
    assert answer.status_code == 422
    body = answer.json()
    assert len(body["detail"]) == 200 and body["error_count"] >= 500
