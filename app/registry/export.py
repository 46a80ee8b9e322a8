"""The register's lists as files: CSV (UTF-8 with BOM, so Excel opens it, as the county table's)
and xlsx (a title, the region, a header row with a filter, the rows). Pure functions of the
service's rows: no database here."""

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import xlsxwriter

from app.catalogue import label
from app.common import format_decimal
from app.registry.service import ENDED, Liaison, PairingLine, RosterUnit, Scope
from app.stats.export import FORMULA_STARTS
from app.units.service import MIN_LIAISONS

PAIRING_TITLE = "社会力量助力挂牌督战村项目村企结对帮扶名单"
ROSTER_TITLE = "社会力量助力挂牌督战村项目信息联络员名册"
SHORT = f"联络员不足{MIN_LIAISONS}名"
HIGHLIGHT = "#FFF2CC"


@dataclass(frozen=True)
class Column:
    heading: str
    width: int
    kind: str = "text"  # text, int, wan (万元), date


@dataclass
class ListSheet:
    title: str
    subtitle: str
    name: str  # the worksheet's tab
    columns: list[Column]
    rows: list[tuple[list[Any], bool]]  # (values, highlighted?)
    legend: str = ""


def _where(scope: Scope) -> str:
    return f"{scope.name}（{scope.code}）" if scope.code else scope.name


PAIRING_COLUMNS = [
    Column(label("seq"), 6, "int"), Column(label("province"), 10), Column("市（州）", 12),
    Column("县（区、旗）", 12), Column("乡（镇）", 12), Column(label("village_code"), 14),
    Column(label("village"), 14), Column(label("unit"), 30), Column(label("credit_code"), 21),
    Column(label("signed_on"), 11, "date"), Column(label("committed_funds_wan"), 12, "wan"),
    Column(label("valid_until"), 11, "date"), Column("帮扶状态", 8), Column("终止日期", 11, "date"),
    Column("终止原因", 24), Column("接力帮扶单位", 30), Column("接力帮扶单位统一社会信用代码", 21),
    Column(label("pairing_id"), 9, "int"),
]


def pairing_sheet(scope: Scope, lines: list[PairingLine], as_of: date) -> ListSheet:
    """004 附件5 结对帮扶名单: one row per pairing, ended ones (highlighted) with why and who took
    the village over."""
    ended = sum(1 for line in lines if not line.active)
    rows = [([seq, ln.province, ln.city, ln.county, ln.township, ln.village_code, ln.village, ln.unit,
              ln.credit_code, ln.signed_on, ln.committed_funds_wan, ln.valid_until, ln.state, ln.ended_on,
              ln.end_reason, ln.successor_unit, ln.successor_credit_code, ln.pairing_id], not ln.active)
            for seq, ln in enumerate(lines, start=1)]
    return ListSheet(
        title=PAIRING_TITLE, name="结对帮扶名单", columns=PAIRING_COLUMNS, rows=rows,
        subtitle=f"{_where(scope)}    截至 {as_of.isoformat()}    结对 {len(lines)} 个"
                 f"（在帮 {len(lines) - ended} 个，{ENDED} {ended} 个）",
        legend=f"标黄：{ENDED}的结对；接力帮扶单位为接替帮扶该村的单位（004 §五(五)4）",
    )


ROSTER_COLUMNS = [
    Column(label("seq"), 6, "int"), Column(label("unit"), 30), Column(label("credit_code"), 21),
    Column("在帮结对数", 10, "int"), Column("有效联络员数", 11, "int"), Column(SHORT, 12),
    Column("信息联络员", 12), Column(label("username"), 16), Column("手机号码", 14), Column("电子邮箱", 26),
    Column("账号状态", 9),
]


def roster_sheet(scope: Scope, units: list[RosterUnit], as_of: date) -> ListSheet:
    """One row per liaison (deactivated ones too), a unit without any keeps a row of its own;
    units below two active liaisons (003 §三(一)1) are highlighted."""
    rows: list[tuple[list[Any], bool]] = []
    for seq, unit in enumerate(units, start=1):
        head = [seq, unit.unit, unit.credit_code, unit.active_pairings, unit.active_liaisons,
                "是" if unit.below_minimum else None]
        people: list[Liaison | None] = list(unit.liaisons) or [None]
        for person in people:
            tail = (["（未设联络员）", None, None, None, None] if person is None else
                    [person.display_name, person.username, person.phone, person.email,
                     "有效" if person.active else "已停用"])
            rows.append((head + tail, unit.below_minimum))
    short = sum(1 for unit in units if unit.below_minimum)
    return ListSheet(
        title=ROSTER_TITLE, name="信息联络员名册", columns=ROSTER_COLUMNS, rows=rows,
        subtitle=f"{_where(scope)}    截至 {as_of.isoformat()}    帮扶单位 {len(units)} 个，"
                 f"{SHORT}的 {short} 个（标黄）",
        legend=f"每个帮扶单位至少 {MIN_LIAISONS} 名信息联络员（003 §三(一)1）。本名册含个人联系方式，仅供扶贫办工作使用，不得公开。",
    )


# --- CSV ------------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    """What a person typed opens as text, never as a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, date):
        return value.isoformat()
    return _text(value)


def to_csv(sheet: ListSheet) -> bytes:
    """The header row and the rows; the title stays out, so the file loads as a table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.heading for c in sheet.columns])
    for values, _highlighted in sheet.rows:
        writer.writerow([_csv_value(v) for v in values])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


# --- xlsx -----------------------------------------------------------------------------------


NUMBER_FORMATS = {"int": "0", "wan": "#,##0.00##", "date": "yyyy-mm-dd", "text": "@"}


def to_xlsx(sheet: ListSheet) -> bytes:
    """Written row by row in XlsxWriter's constant-memory mode: the nation's 18,000 pairings
    without holding their cells."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    font = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    title = book.add_format({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                             "valign": "vcenter"})
    subtitle = book.add_format({"font_name": "宋体", "font_size": 11, "valign": "vcenter"})
    head = book.add_format({**font, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#F2F2F2"})
    cells = {hl: {kind: book.add_format({**font, "num_format": fmt, **({"bg_color": HIGHLIGHT} if hl else {})})
                  for kind, fmt in NUMBER_FORMATS.items()} for hl in (False, True)}
    ws = book.add_worksheet(sheet.name)
    last = len(sheet.columns) - 1
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, last, sheet.title, title)
    ws.merge_range(1, 0, 1, last, sheet.subtitle, subtitle)
    ws.set_row(2, 30)
    for i, column in enumerate(sheet.columns):
        ws.set_column(i, i, column.width)
        ws.write_string(2, i, column.heading, head)
    row_at = 3
    for values, highlighted in sheet.rows:
        formats = cells[highlighted]
        for i, (column, value) in enumerate(zip(sheet.columns, values, strict=True)):
            fmt = formats[column.kind]
            if value is None:
                ws.write_blank(row_at, i, None, fmt)
            elif column.kind == "date":
                ws.write_datetime(row_at, i, value, fmt)
            elif column.kind in ("int", "wan"):
                ws.write_number(row_at, i, float(value) if column.kind == "wan" else int(value), fmt)
            else:
                ws.write_string(row_at, i, str(value), fmt)
        row_at += 1
    if sheet.legend:
        ws.write_string(row_at + 1, 0, sheet.legend, subtitle)
    ws.freeze_panes(3, 0)
    ws.autofilter(2, 0, max(row_at - 1, 2), last)
    ws.repeat_rows(2)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    book.close()
    return buffer.getvalue()
