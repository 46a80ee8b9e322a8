"""Building upload files in both formats, and sending them to the API."""

import csv
import io

import openpyxl

from app.imports.models import ImportKind
from app.imports.templates import COLUMNS

FORMATS = ["csv", "xlsx"]


def labels(kind: ImportKind, fields: list[str] | None = None) -> list[str]:
    """The template's Chinese header labels, of every column or of `fields` in that order."""
    by_field = {c.field: c.label for c in COLUMNS[kind]}
    return [by_field[f] for f in fields] if fields else list(by_field.values())


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
