"""Tables to CSV (UTF-8 with BOM, so Excel opens it) and to xlsx laid out like the paper annex 3.
Pure functions of the table objects: no database here."""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import xlsxwriter

from app.catalogue import label
from app.common import parse_week
from app.stats.models import COLUMNS, COUNTY_LEAD, GROUPS, LEGEND, TITLE, Figures, encode, rollup_lead

if TYPE_CHECKING:
    from app.stats.service import CountyTable, Rollup

NOT_REPORTED = "本周未报"


@dataclass
class Sheet:
    """What both formats need: a subtitle, leading columns, rows and the 合计 row."""

    subtitle: str
    lead: list[tuple[str, int]]  # (label, column width) of the columns before the annex's figures
    rows: list[tuple[list[Any], Figures, bool]]  # (lead values, figures, highlighted?)
    total_lead: list[Any]
    total: Figures
    title: str = TITLE
    trailing: list[str] | None = None  # extra CSV-only columns after the figures
    trailing_rows: list[list[Any]] | None = None


def _week_text(week: str) -> str:
    monday = parse_week(week)
    return f"{week}（{monday:%Y-%m-%d} 至 {monday + timedelta(days=6):%Y-%m-%d}）"


def _lead(keys: tuple[str, ...], widths: tuple[int, ...]) -> list[tuple[str, int]]:
    return [(label(key), width) for key, width in zip(keys, widths, strict=True)]


def county_sheet(table: "CountyTable") -> Sheet:
    rows: list[tuple[list[Any], Figures, bool]] = [
        ([seq, row.village, row.unit], row.figures, not row.reported_this_week)
        for seq, row in enumerate(table.rows, start=1)]
    return Sheet(
        subtitle=f"县：{table.county.name}（{table.county.code}）    周次：{_week_text(table.week)}"
                 f"    结对 {len(table.rows)} 个，{NOT_REPORTED} {len(table.missing)} 个",
        lead=_lead(COUNTY_LEAD, (6, 14, 30)),
        rows=rows, total_lead=["合计", "", ""], total=table.total,
        trailing=[label("village_code"), label("pairing_id"), NOT_REPORTED],
        trailing_rows=[[row.village_code, row.pairing_id, "是" if not row.reported_this_week else ""]
                       for row in table.rows],
    )


def rollup_sheet(rollup: "Rollup") -> Sheet:
    where = f"省：{rollup.province.name}（{rollup.province.code}）    " if rollup.province else "全国    "
    rows: list[tuple[list[Any], Figures, bool]] = [
        ([seq, row.name, row.pairings, row.reports_this_week], row.figures, False)
        for seq, row in enumerate(rollup.rows, start=1)]
    return Sheet(
        subtitle=f"{where}周次：{_week_text(rollup.week)}",
        lead=_lead(rollup_lead(rollup.kind), (6, 16, 8, 10)),
        rows=rows,
        total_lead=["合计", "", sum(r.pairings for r in rollup.rows),
                    sum(r.reports_this_week for r in rollup.rows)],
        total=rollup.total,
        title="社会力量助力挂牌督战村项目结对帮扶项目进展统计表"
              + ("（分县汇总）" if rollup.kind == "county" else "（分省汇总）"),
        trailing=[f"{label(rollup.kind)}代码", label("reports_on_time")],
        trailing_rows=[[row.code, row.on_time] for row in rollup.rows],
    )


# --- CSV ------------------------------------------------------------------------------------


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: Any) -> Any:
    """A name typed by a user must open as text, never run as a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(sheet: Sheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    trailing = sheet.trailing or []
    writer.writerow([text for text, _ in sheet.lead] + [text for _k, text, _t in COLUMNS] + trailing)
    extra = sheet.trailing_rows or [[] for _ in sheet.rows]
    for (lead, figures, _hl), more in zip(sheet.rows, extra, strict=True):
        writer.writerow([_text(v) for v in lead] + _encoded(figures) + [_text(v) for v in more])
    writer.writerow(sheet.total_lead + _encoded(sheet.total) + [""] * len(trailing))
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def _encoded(figures: Figures) -> list[Any]:
    return [encode(kind, value) for (_k, _l, kind), value in zip(COLUMNS, figures.values().values(), strict=True)]


# --- xlsx -----------------------------------------------------------------------------------

NUMBER_FORMATS = {"wan": "#,##0.00##", "pct": "0.00", "int": "0", "flag": "0"}


def _cell(kind: str, value: Decimal | int) -> float | int:
    return float(value) if kind in ("wan", "pct") else int(value)


KINDS = [kind for _k, _l, kind in COLUMNS]
HIGHLIGHT = "#FFF2CC"  # 本周未报 rows


class _Formats:
    """The workbook's cell formats: 宋体 10 with borders, as the paper annex."""

    def __init__(self, book: Any):
        font = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.title = book.add_format({"font_name": "黑体", "font_size": 16, "bold": True, "align": "center",
                                      "valign": "vcenter"})
        self.subtitle = book.add_format({"font_name": "宋体", "font_size": 11, "valign": "vcenter"})
        self.head = book.add_format({**font, "bold": True, "align": "center", "text_wrap": True,
                                     "bg_color": "#F2F2F2"})
        self.text = book.add_format({**font, "text_wrap": True})
        self.center = book.add_format({**font, "align": "center"})
        self.text_hl = book.add_format({**font, "text_wrap": True, "bg_color": HIGHLIGHT})
        self.number = {k: book.add_format({**font, "num_format": f}) for k, f in NUMBER_FORMATS.items()}
        self.number_hl = {k: book.add_format({**font, "num_format": f, "bg_color": HIGHLIGHT})
                          for k, f in NUMBER_FORMATS.items()}
        self.total = {k: book.add_format({**font, "num_format": f, "bold": True}) for k, f in NUMBER_FORMATS.items()}
        self.total_text = book.add_format({**font, "bold": True, "align": "center"})
        self.legend = book.add_format({**font, "font_size": 9, "align": "center", "text_wrap": True})


def to_xlsx(sheet: Sheet, missing: list[list[Any]] | None = None, constant_memory: bool = True) -> bytes:
    """One sheet laid out like annex 3 and, for a county, a second listing 本周未报.
    `constant_memory` off: the whole workbook held in memory until it is closed (what the
    benchmark compares with)."""
    buffer = io.BytesIO()
    # Text stays text: a unit named "=HYPERLINK(…)" must not become a live formula or link.
    # constant_memory: each row goes to a temporary file as soon as the next begins, with its
    # strings inline; a county of 10,000 pairings is written without holding its cells (the rows
    # are written top to bottom, each once).
    book = xlsxwriter.Workbook(buffer, {"constant_memory": constant_memory, "in_memory": not constant_memory,
                                        "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    formats = _Formats(book)
    ws = book.add_worksheet("进展统计表")
    _annex_head(ws, formats, sheet)
    row_at = _annex_rows(ws, formats, sheet, 4)
    _annex_total(ws, formats, sheet, row_at)
    _annex_legend(ws, formats, sheet, row_at + 1)
    ws.freeze_panes(4, len(sheet.lead))
    ws.repeat_rows(2, 3)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    if missing is not None:
        _missing_sheet(book.add_worksheet(NOT_REPORTED), formats, sheet, missing)
    book.close()
    return buffer.getvalue()


def _annex_head(ws: Any, formats: _Formats, sheet: Sheet) -> None:
    """The title, the subtitle and the two-row grouped header, written row by row (constant
    memory): the lead columns' headings span rows 2 and 3."""
    lead_n = len(sheet.lead)
    last_col = lead_n + len(COLUMNS) - 1
    ws.set_row(0, 30)
    ws.merge_range(0, 0, 0, last_col, sheet.title, formats.title)
    ws.merge_range(1, 0, 1, last_col, sheet.subtitle, formats.subtitle)
    ws.set_row(2, 22)
    for col, (heading, width) in enumerate(sheet.lead):
        ws.write(2, col, heading, formats.head)
        ws.set_column(col, col, width)
    col = lead_n
    for heading, span in GROUPS:
        ws.merge_range(2, col, 2, col + span - 1, heading, formats.head)
        col += span
    ws.set_row(3, 58)
    for col in range(lead_n):
        ws.write_blank(3, col, None, formats.head)
    for i, (_key, heading, kind) in enumerate(COLUMNS):
        ws.write(3, lead_n + i, heading, formats.head)
        ws.set_column(lead_n + i, lead_n + i, 9 if kind in ("flag", "int") else 11)
    # merge_range refuses a range that starts on a row already written out, which row 2 is by
    # now; both rows hold what the merged cell shows, so the range is recorded as merge_range
    # records it (XlsxWriter's list of merged ranges, written when the sheet closes).
    ws.merge.extend([2, col, 3, col] for col in range(lead_n))


def _annex_rows(ws: Any, formats: _Formats, sheet: Sheet, row_at: int) -> int:
    """The rows from `row_at`; the row after the last."""
    lead_n = len(sheet.lead)
    for lead, figures, highlight in sheet.rows:
        for col, value in enumerate(lead):
            fmt = formats.text_hl if highlight else (formats.center if isinstance(value, int) else formats.text)
            ws.write(row_at, col, value, fmt)
        numbers = formats.number_hl if highlight else formats.number
        for i, value in enumerate(figures.values().values()):
            ws.write_number(row_at, lead_n + i, _cell(KINDS[i], value), numbers[KINDS[i]])
        row_at += 1
    return row_at


def _annex_total(ws: Any, formats: _Formats, sheet: Sheet, row_at: int) -> None:
    """合计 spans the text columns, as on the paper annex; counts after them keep their cells."""
    text_cols = sum(1 for value in sheet.total_lead if not isinstance(value, int))
    if text_cols > 1:
        ws.merge_range(row_at, 0, row_at, text_cols - 1, sheet.total_lead[0], formats.total_text)
    else:
        ws.write(row_at, 0, sheet.total_lead[0], formats.total_text)
    for col, value in enumerate(sheet.total_lead[text_cols:], start=text_cols):
        ws.write(row_at, col, value, formats.total_text)
    for i, value in enumerate(sheet.total.values().values()):
        ws.write_number(row_at, len(sheet.lead) + i, _cell(KINDS[i], value), formats.total[KINDS[i]])


def _annex_legend(ws: Any, formats: _Formats, sheet: Sheet, row_at: int) -> None:
    lead_n = len(sheet.lead)
    ws.set_row(row_at, 28)
    for col in range(lead_n):
        ws.write_blank(row_at, col, None, formats.legend)
    for i, (key, _label, _kind) in enumerate(COLUMNS):
        ws.write(row_at, lead_n + i, LEGEND.get(key, ""), formats.legend)


def _missing_sheet(ws: Any, formats: _Formats, sheet: Sheet, missing: list[list[Any]]) -> None:
    heads = [label("seq"), label("village_code"), label("village"), label("unit"), "最近一次报送周次", "信息联络员"]
    widths = [6, 14, 14, 30, 16, 30]
    ws.merge_range(0, 0, 0, len(heads) - 1, f"{NOT_REPORTED}的结对", formats.title)
    ws.merge_range(1, 0, 1, len(heads) - 1, sheet.subtitle, formats.subtitle)
    for col, (heading, width) in enumerate(zip(heads, widths, strict=True)):
        ws.write(2, col, heading, formats.head)
        ws.set_column(col, col, width)
    for r, values in enumerate(missing, start=3):
        for col, value in enumerate(values):
            ws.write(r, col, value, formats.center if isinstance(value, int) else formats.text)
    ws.freeze_panes(3, 0)


def missing_rows(table: "CountyTable", liaisons: dict[int, list[dict[str, str]]]) -> list[list[Any]]:
    return [
        [seq, row.village_code, row.village, row.unit, row.report_week or "从未报送",
         "、".join(p["display_name"] for p in liaisons.get(row.unit_id, [])) or "（未设联络员）"]
        for seq, row in enumerate(table.missing, start=1)
    ]
