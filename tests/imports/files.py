"""Building upload files in both formats, and sending them to the API."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl

from app.common import parse_week, week_of
from app.imports.models import ImportKind
from app.imports.templates import COLUMNS

FORMATS = ["csv", "xlsx"]


def labels(kind: ImportKind, fields: list[str] | None = None) -> list[str]:
    """The template's Chinese header labels, of every column or of `fields` in that order."""
    by_field = {c.field: c.label for c in COLUMNS[kind]}
    return [by_field[f] for f in fields] if fields else list(by_field.values())


WEEKS = [week_of(parse_week("2020-W15") + timedelta(weeks=n)) for n in range(15)]  # W15 … W29
SHEET_FIELDS = ["pairing_id", "week", "funds_arrived_wan", "materials_arrived_wan", "industry_plan_done",
                "sales_done_wan", "jobs_done", "trained_done", "stationed_now", "beneficiaries", "progress"]


def county_sheet(pairing_ids: list[int], rows: int = 5000) -> list[list]:
    """A county's sheet of weekly reports, week after week from 2020-W15, each pairing's figures
    growing: its header and the first `rows` rows."""
    lines = [labels(ImportKind.reports, SHEET_FIELDS)]
    for n, week in enumerate(WEEKS, start=1):
        share = Decimal(n) / len(WEEKS)
        for pairing_id in pairing_ids:
            lines.append([pairing_id, week, (40 * share).quantize(Decimal("0.01")),
                          (8 * share).quantize(Decimal("0.01")), "否", (20 * share).quantize(Decimal("0.01")),
                          int(15 * share), int(30 * share), 2, int(100 * share) + 1, f"第 {n} 周：按计划推进"])
    return lines[:rows + 1]


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    """As a person fills it in Excel: numbers typed as numbers, text as text."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def file_of(rows: list[list], fmt: str) -> tuple[str, bytes]:
    if fmt == "csv":
        return "导入.csv", csv_bytes([["" if v is None else v for v in row] for row in rows])
    return "导入.xlsx", xlsx_bytes(rows)


def post(client, kind: str, rows: list[list], fmt: str, headers: dict, dry_run: bool = False):
    name, content = file_of(rows, fmt)
    url = f"/api/v1/imports/{kind}" + ("?dry_run=true" if dry_run else "")
    return client.post(url, files={"file": (name, content)}, headers=headers)
