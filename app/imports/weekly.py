"""The county's pre-filled weekly sheet (API.md "Imports"): one row per pairing in force in a week,
keyed by village code and unit credit code, the plan's figures locked, this week's cumulative
figures pre-filled with the latest report's; and the import of one or many filled copies.

A filled row goes through the same request model (ReportIn, typed as people type) and the same
save as a liaison's (app.reports.flows.save_reports: the week's lock, the decrease note, the
suspicious-data flags, the audit trail), in a savepoint that a dry run or any bad row rolls back.
What a preview listed is bound by its digest: a confirmation stores it only if the same files
still make exactly the same changes."""

import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from pydantic import ValidationError
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.policy import Principal, pairing_clause
from app.catalogue import label
from app.codes import Level
from app.common import TYPED, chunked, clock_now, format_decimal, nest, parse_week
from app.config import Settings
from app.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from app.imports.models import ImportJob, ImportKind, JobStatus
from app.imports.reading import MAX_ROWS, Row, file_format, is_blank, open_rows
from app.imports.service import CONFLICT, ERRORS_KEPT, Importer, RowErrors, RowInvalid, Values, finish_job
from app.imports.templates import Column, column_index, match_columns
from app.pairings.models import Pairing, Plan
from app.pairings.policy import READ_ONLY
from app.regions.models import Region, Village
from app.reports.flows import Filing, save_reports
from app.reports.models import FIGURE_FIELDS, Report, ReportIn
from app.stats import service as stats
from app.stats.policy import county_access
from app.units.models import Unit, check_credit_code

WEEKLY = "weekly"  # ImportJob.kind of a weekly sheet's import
SHEET_NAME = "每周填报表"
TEXT_FIELDS = ("progress", "story.title", "story.body", "correction_note")
KEY_FIELDS = ("week", "village_code", "credit_code")
NOT_REPORTED = "未填报（与已填数据相同，且本周项目进展为空）"
UNCHANGED = "与本周已报送的周报相同"
OTHER_UNIT = "其他帮扶单位的结对，未导入"

_CUMULATIVE = "累计数；已预填最近一次填报的数，有变化的才改"
KEYS = [
    Column("week", True, "预填，请勿修改", "2020-W29"),
    Column("village_code", True, "预填，请勿修改", "530102001001"),
    Column("credit_code", True, "预填，请勿修改", "91110108MA01ABCDEN", aliases=(label("unit_credit_code"),)),
]
NAMES = [Column("village", rule="只读", aliases=(label("village.name"),)),
         Column("unit", rule="只读", aliases=(label("unit.name"),)),
         Column("report_week", rule="只读：预填的数来自这一周的周报；空白为尚未填报")]
# (the plan's figure shown, read only; the report's figure filled beside it)
PAIRS = [("funds_planned_wan", "funds_arrived_wan"), ("materials_planned_wan", "materials_arrived_wan"),
         ("has_industry_plan", "industry_plan_done"), ("sales_planned_wan", "sales_done_wan"),
         ("jobs_planned", "jobs_done"), ("trainees_planned", "trained_done"),
         ("stationed", "stationed_now"), (None, "beneficiaries")]
_RULES = {"industry_plan_done": "1/0（也可填 是/否）", "stationed_now": "当前在村人数，可以减少",
          "beneficiaries": "选填，≥ 0"}
FIGURES = {f: Column(f, f != "beneficiaries", _RULES.get(f, _CUMULATIVE)) for _p, f in PAIRS}
TEXTS = [Column("progress", True, "本周有填报时必填，不超过 2000 字；未填报的行留空", "大棚主体完工"),
         Column("story.title", rule="选填，不超过 200 字"), Column("story.body", rule="选填；填写标题时必填"),
         Column("correction_note", rule="累计数比上一次填报减少时必填")]
PLAN_COLUMNS = {p: Column(p, rule="只读：结对帮扶计划书的数") for p, _f in PAIRS if p is not None}
# The sheet's columns in order: the keys and names, then each plan figure beside its report figure.
LAYOUT: list[tuple[Column, bool]] = (  # (column, filled in by the unit)
    [(KEYS[0], False), (KEYS[1], False), (NAMES[0], False), (KEYS[2], False), (NAMES[1], False), (NAMES[2], False)]
    + [pair for p, f in PAIRS for pair in ([(PLAN_COLUMNS[p], False)] if p else []) + [(FIGURES[f], True)]]
    + [(c, True) for c in TEXTS])
COLUMNS = [c for c, _filled in LAYOUT]
INPUT = KEYS + list(FIGURES.values()) + TEXTS
_INDEX = column_index(COLUMNS)


# --- the sheet's rows -----------------------------------------------------------------------------


@dataclass
class SheetRow:
    """A pairing in force in the week, with its plan and its latest report up to the week."""

    pairing_id: int
    unit_id: int
    week: str
    village_code: str
    village: str
    credit_code: str
    unit: str
    plan: Plan | None
    latest: Report | None

    @property
    def current(self) -> Report | None:
        """The week's own report, if it has one."""
        return self.latest if self.latest is not None and self.latest.week == self.week else None


def sheet_rows(session: Session, actor: Principal, week: str, *, county_code: str | None = None,
               village_codes: Iterable[str] | None = None) -> list[SheetRow]:
    """The pairings in force during `week` that `actor` sees (a liaison: its unit's), in the
    county table's order, each with its latest report up to the week (app.stats.service)."""
    latest, latest_on = stats.latest_report(session, week, "latest")
    columns: list[Any] = [Pairing.id, Pairing.unit_id, Village.code, Village.name, Unit.credit_code, Unit.name,
                          Plan, latest]
    stmt = (sa_select(*columns)
            .select_from(Pairing)
            .join(Village, col(Pairing.village_id) == col(Village.id))
            .join(Unit, col(Pairing.unit_id) == col(Unit.id))
            .outerjoin(Plan, col(Plan.pairing_id) == col(Pairing.id))
            .outerjoin(latest, latest_on)
            .where(stats.in_force_during(week), pairing_clause(actor))
            .order_by(col(Village.code), col(Pairing.signed_on), col(Pairing.id)))
    if county_code is not None:
        stmt = stmt.where(col(Village.county_code) == county_code)
    batches = [stmt] if village_codes is None else [
        stmt.where(col(Village.code).in_(codes)) for codes in chunked(sorted(set(village_codes)))]
    return [SheetRow(pid, unit_id, week, v_code, v_name, credit, unit, plan, report)
            for batch in batches
            for pid, unit_id, v_code, v_name, credit, unit, plan, report in session.execute(batch)]


_PLAN_OF = {"funds_planned_wan": "planned_funds_wan", "materials_planned_wan": "planned_materials_wan",
            "has_industry_plan": "has_project", "sales_planned_wan": "sales_target_wan",
            "jobs_planned": "jobs_target", "trainees_planned": "trainees_target", "stationed": "will_station"}


def _plan_value(plan: Plan | None, key: str) -> Decimal | int:
    """A plan figure as annex 3 shows it: yes/no as 1/0, none planned as 0 (无计划填零)."""
    value = getattr(plan, _PLAN_OF[key]) if plan is not None else 0
    return int(value) if isinstance(value, bool) else value


def _cell(row: SheetRow, column: Column) -> object:
    """What the downloaded sheet holds in the row's cell."""
    key, latest = column.field, row.latest
    if key in _PLAN_OF:
        return _plan_value(row.plan, key)
    if key in FIGURES:
        value = getattr(latest, key) if latest is not None else None
        return int(value) if isinstance(value, bool) else value
    return {"week": row.week, "village_code": row.village_code, "village": row.village,
            "credit_code": row.credit_code, "unit": row.unit,
            "report_week": latest.week if latest is not None else None}.get(key)


def sheet_xlsx(rows: Sequence[SheetRow], week: str, title: str) -> bytes:
    """The sheet: the header on row 1 (what the import reads), keys, names and plan figures
    greyed and locked, the figures to fill white and unlocked; a second sheet says how to fill
    it. The protection has no password: it keeps a filler from typing over a key by mistake,
    while the import reads only the keys and the white cells whatever the rest holds."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    grey = {"bg_color": "#E7E6E6", "font_color": "#404040", "border": 1, "border_color": "#BFBFBF"}
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                            "border": 1, "bg_color": "#D9D9D9"})
    head_fill = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                                 "border": 1, "bg_color": "#FCE4D6"})
    formats = {
        (False, "text"): book.add_format({**grey, "num_format": "@"}),
        (False, "number"): book.add_format(grey),
        (True, "text"): book.add_format({"locked": False, "num_format": "@", "border": 1, "border_color": "#BFBFBF",
                                         "text_wrap": True}),
        (True, "number"): book.add_format({"locked": False, "border": 1, "border_color": "#BFBFBF"}),
    }
    ws = book.add_worksheet(SHEET_NAME)
    for pos, (column, filled) in enumerate(LAYOUT):
        kind = "number" if column.type in ("wan", "int", "bool", "flag") else "text"
        ws.set_column(pos, pos, max(column.width, 24 if column.field in TEXT_FIELDS else 0),
                      formats[(True, kind)] if filled else None)
        ws.write(0, pos, column.label, head_fill if filled else head)
        for r, row in enumerate(rows, start=1):
            value = _cell(row, column)
            fmt = formats[(filled, kind)]
            if value is None:
                ws.write_blank(r, pos, None, fmt)
            elif isinstance(value, Decimal | int):
                ws.write_number(r, pos, float(value), fmt)
            else:
                ws.write_string(r, pos, str(value), fmt)
        if column.field == "industry_plan_done":
            ws.data_validation(1, pos, max(len(rows), 1) + 200, pos, {
                "validate": "list", "source": ["1", "0", "是", "否"], "error_type": "warning"})
    ws.set_row(0, 48)
    ws.freeze_panes(1, 5)
    ws.autofilter(0, 0, max(len(rows), 1), len(LAYOUT) - 1)
    ws.protect("", {"autofilter": True, "sort": False, "format_columns": True, "format_rows": True})

    notes = book.add_worksheet("填写说明")
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    notes.write(0, 0, title, book.add_format({"bold": True}))
    notes.merge_range(1, 0, 1, 4, f"周次 {week}：每个有效结对一行。灰色列（周次、村代码、统一社会信用代码、名称和计划书的数）"
                      "为只读，导入时按村代码和统一社会信用代码找到结对；白色列已预填最近一次填报的累计数，"
                      "有变化的改成本周的累计数，并填写本周项目进展。没有变化、本周项目进展为空的行视为本周未填报，"
                      "导入时跳过。累计数比上一次减少时须填写更正说明。导入前会先列出每一处变化，确认后才保存。", wrap)
    notes.set_row(1, 80)
    for pos, text in enumerate(["列名（表头）", "字段名", "填写", "填写规则"]):
        notes.write(3, pos, text, head)
    for r, (column, filled) in enumerate(LAYOUT, start=4):
        notes.write_row(r, 0, [column.label, column.field, "填写" if filled else "只读", column.rule], wrap)
    for pos, width in enumerate([30, 26, 8, 60]):
        notes.set_column(pos, pos, width)
    book.close()
    return buffer.getvalue()


@dataclass(frozen=True)
class SheetDownload:
    week: str
    content: bytes
    filename: str
    ascii_name: str


def weekly_sheet(session: Session, settings: Settings, actor: Principal, county_code: str | None,
                 week: str | None) -> SheetDownload:
    """The week's sheet as `actor` sees it: every pairing in force in the county for its officers
    and those above (app.stats.policy.county_access: 404 outside their region); a liaison's unit's
    pairings, in the county or (no county) wherever the unit is paired."""
    week = stats.resolve_week(settings, week)
    if actor.is_liaison:
        name = ""
        if county_code is not None:
            county = session.exec(select(Region).where(Region.code == county_code, Region.level == Level.county)).first()
            name = county.name if county is not None else ""
        rows = sheet_rows(session, actor, week, county_code=county_code)
        unit = session.get(Unit, actor.unit_id) if actor.unit_id is not None else None
        if not rows or unit is None:
            where = f"县 {county_code} 不存在或不在您的管辖范围内" if county_code else "本单位"
            raise NotFound(f"{where}在 {week} 没有有效的结对")
        title, ascii_name = f"{name}{unit.name}", f"weekly-sheet-unit-{unit.id}-{week}"
    else:
        if county_code is None:
            raise Invalid.one(["query", "county"], "请填写县代码（12 位），下载该县的每周填报表", "missing")
        county = county_access(session, actor, county_code).county
        rows = sheet_rows(session, actor, week, county_code=county.code)
        title, ascii_name = county.name, f"weekly-sheet-{county.code}-{week}"
    content = sheet_xlsx(rows, week, f"{title} {week} 每周项目进展填报表")
    return SheetDownload(week, content, f"{title}_{week}_每周填报表", ascii_name)


# --- importing filled copies ------------------------------------------------------------------


@dataclass
class SheetFile:
    name: str
    raw: BinaryIO


def shown(value: object) -> str | None:
    """A figure or text as a change lists it: 12.5, 8, 1/0, the text; None for none."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal | int):
        return format_decimal(value)
    return str(value)


def _old_values(row: SheetRow) -> dict[str, object]:
    """What a row's fields held before: the week's report, or the figures carried from the
    latest one before it (no text: progress and notes are the week's own)."""
    latest, current = row.latest, row.current
    values: dict[str, object] = {f: getattr(latest, f) if latest is not None else None for f in FIGURE_FIELDS}
    values.update({"progress": current.progress if current else None,
                   "story.title": current.story_title if current else None,
                   "story.body": current.story_body if current else None,
                   "correction_note": current.correction_note if current else None})
    return values


def _new_values(data: ReportIn) -> dict[str, object]:
    values: dict[str, object] = {f: getattr(data, f) for f in FIGURE_FIELDS}
    values.update({"progress": data.progress, "story.title": data.story.title if data.story else None,
                   "story.body": data.story.body if data.story else None, "correction_note": data.correction_note})
    return values


def changes_of(row: SheetRow, data: ReportIn) -> dict[str, list[str | None]]:
    old, new = _old_values(row), _new_values(data)
    return {f: [shown(old[f]), shown(new[f])] for f in new if shown(old[f]) != shown(new[f])}


class SheetImporter(Importer):
    """A file's rows read as the reports import reads its cells (the same types, full-width
    digits and 是/否), against the sheet's columns."""

    kind, key_field, model = ImportKind.reports, "credit_code", ReportIn

    def input_columns(self) -> list[Column]:
        return INPUT

    def body(self, values: Values) -> dict[str, Any]:
        body = nest({k: v for k, v in values.items() if k not in KEY_FIELDS})
        story = body.get("story")
        if story is not None and not any(v not in (None, "") for v in story.values()):
            body.pop("story")
        return body

    def domain_field(self, exc: DomainError) -> str:
        # A locked week is the week's matter; anything else (an ended pairing, scope) the row's unit's.
        return "week" if isinstance(exc, Conflict) and "锁定" in exc.message else self.key_field

    def read(self, number: int, cells: list[object]) -> tuple[Values, list[dict[str, Any]]]:
        found = RowErrors(self, number)
        values = self._cells(cells, found)
        return values, found.errors

    def request(self, number: int, values: Values) -> ReportIn | list[dict[str, Any]]:
        found = RowErrors(self, number)
        data = self._request(values, found)
        if found.errors or data is None:
            return found.errors
        assert isinstance(data, ReportIn)
        return data


@dataclass
class _Line:
    """One data row of one file, as far as it was read."""

    file: str
    importer: SheetImporter
    number: int
    values: Values
    sheet_row: SheetRow | None = None
    data: ReportIn | None = None
    changes: dict[str, list[str | None]] = field(default_factory=dict)


@dataclass
class SheetResult:
    rows: list[dict[str, Any]] = field(default_factory=list)  # one per row that changes a report
    skipped: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first ERRORS_KEPT
    error_count: int = 0
    data_rows: int = 0
    files: list[str] = field(default_factory=list)
    stale: bool = False  # a confirmation whose files no longer make the changes previewed

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and not self.stale

    @property
    def digest(self) -> str:
        """What the changes are, and so what a confirmation must find again to store them."""
        listed = sorted((r["pairing_id"], r["week"], sorted(r["changes"].items())) for r in self.rows)
        return hashlib.sha256(json.dumps(listed, ensure_ascii=False).encode()).hexdigest()[:32]

    def reject(self, errors: list[dict[str, Any]]) -> None:
        self.error_count += len(errors)
        room = ERRORS_KEPT - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])

    def json(self) -> dict[str, Any]:
        return {"rows": self.rows, "skipped": len(self.skipped), "created": self.created, "updated": self.updated,
                "skipped_rows": self.skipped, "digest": self.digest}


def _named(files: Sequence[SheetFile]) -> list[str]:
    """Each file's name, made distinct when two share one."""
    names: list[str] = []
    for n, sheet in enumerate(files, start=1):
        name = sheet.name or f"第 {n} 个文件"
        names.append(name if name not in names else f"{name}（第 {n} 个文件）")
    return names


def _where(line: _Line, several: bool) -> str:
    return f"文件“{line.file}”第 {line.number} 行" if several else f"第 {line.number} 行"


class _SheetImport:
    """One import of one or many files: read, resolve each row's pairing, compare, save."""

    def __init__(self, session: Session, settings: Settings, actor: Principal, now: datetime):
        self.session, self.settings, self.actor, self.now = session, settings, actor, now
        self.result = SheetResult()
        self.lines: list[_Line] = []

    def error(self, line: _Line, field_name: str, msg: str) -> None:
        self.reject(line.file, [line.importer.error(line.number, field_name, msg)])

    def reject(self, file: str, errors: list[dict[str, Any]]) -> None:
        self.result.reject([{"file": file, **e} for e in errors])

    # -- reading --------------------------------------------------------------------------------
    def read(self, files: Sequence[SheetFile]) -> None:
        self.result.files = _named(files)
        for name, sheet in zip(self.result.files, files, strict=True):
            try:
                self._read_file(name, sheet.raw)
            except Invalid as exc:  # the file cannot be read at all: said once, on the file
                self.reject(name, [{"row": None, "column": "file", "msg": exc.errors[0]["msg"]}])

    def _read_file(self, name: str, raw: BinaryIO) -> None:
        with open_rows(raw, file_format(name)) as rows:
            first = next(rows, None)
            if first is None or is_blank(first[1]):
                raise Invalid.one(["body", "file"], "文件的第 1 行应为表头（请使用下载的每周填报表），但文件是空的或第 1 行为空")
            header, errors = match_columns(COLUMNS, _INDEX, SHEET_NAME, first[1])
            if errors:
                self.reject(name, errors)
                return
            importer = SheetImporter(self.session, self.settings, self.actor, header, self.now)
            lines: list[Row] = []
            for number, cells in rows:
                if not is_blank(cells):
                    if len(self.lines) + len(lines) == MAX_ROWS:
                        raise Invalid.one(["body", "file"], f"文件超过 {MAX_ROWS:,} 行数据，请拆分为多个文件分别导入")
                    lines.append((number, cells))
        if not lines:
            raise Invalid.one(["body", "file"], "文件只有表头，没有数据行")
        for number, cells in lines:
            values, errors = importer.read(number, cells)
            if errors:
                self.reject(name, errors)
            else:
                self.lines.append(_Line(name, importer, number, values))
        self.result.data_rows += len(lines)

    # -- each row's pairing ---------------------------------------------------------------------
    def resolve(self) -> None:
        """Each line's pairing by (week, village code, credit code), in the caller's scope."""
        keyed: list[_Line] = []
        for line in self.lines:
            try:
                self._keys(line)
            except RowInvalid as exc:
                self.error(line, exc.field, exc.msg)
                continue
            keyed.append(line)
        by_week: dict[str, set[str]] = {}
        for line in keyed:
            by_week.setdefault(line.values["week"], set()).add(line.values["village_code"])
        found = {(row.week, row.village_code, row.credit_code): row
                 for week, codes in by_week.items() for row in sheet_rows(self.session, self.actor, week,
                                                                          village_codes=codes)}
        credits = {line.values["credit_code"] for line in keyed}
        registered: set[str] = set()
        for batch in chunked(sorted(credits)):
            registered.update(self.session.exec(select(Unit.credit_code).where(col(Unit.credit_code).in_(batch))))
        own = self._own_credit_code()
        resolved: list[_Line] = []
        for line in keyed:
            week, village, credit = (line.values[k] for k in KEY_FIELDS)
            line.sheet_row = found.get((week, village, credit))
            if line.sheet_row is not None:
                resolved.append(line)
            elif own is not None and credit != own:
                if any(f in line.values for f in TEXT_FIELDS):
                    self.error(line, "credit_code", f"统一社会信用代码 {credit} 不是本单位的：该行是其他帮扶单位的结对，"
                                                    "信息联络员只能导入本单位的结对")
                else:
                    self._skip(line, OTHER_UNIT)
            elif credit not in registered:
                self.error(line, "credit_code", f"统一社会信用代码 {credit} 的帮扶单位尚未登记，请核对代码")
            else:
                self.error(line, "credit_code", f"村 {village} 与统一社会信用代码 {credit} 的帮扶单位在 {week} "
                                                "没有有效的结对，或该结对不在您的管辖范围内")
        self.lines = resolved

    def _keys(self, line: _Line) -> None:
        values = line.values
        for key in KEY_FIELDS:
            if key not in values:
                raise RowInvalid(key, f"{label(key)}为必填项（请使用下载的每周填报表，不要删除预填的列）")
            values[key] = unicodedata.normalize("NFKC", str(values[key])).strip().upper()
        try:
            parse_week(values["week"])
        except ValueError as exc:
            raise RowInvalid("week", str(exc)) from None
        if not re.fullmatch(r"[0-9]{12}", values["village_code"]):
            raise RowInvalid("village_code", f"村代码应为 12 位数字，不能是“{values['village_code']}”")
        try:
            check_credit_code(values["credit_code"])
        except ValueError as exc:
            raise RowInvalid("credit_code", f"{exc}（{values['credit_code']}）") from None

    def _own_credit_code(self) -> str | None:
        if not self.actor.is_liaison or self.actor.unit_id is None:
            return None
        return self.session.exec(select(Unit.credit_code).where(Unit.id == self.actor.unit_id)).first()

    def _skip(self, line: _Line, reason: str) -> None:
        row = line.sheet_row
        self.result.skipped.append({
            "file": line.file, "row": line.number, "pairing_id": row.pairing_id if row else None,
            "week": line.values["week"], "village_code": line.values["village_code"],
            "village": row.village if row else None, "credit_code": line.values["credit_code"],
            "unit": row.unit if row else None, "reason": reason})

    # -- what each row says ---------------------------------------------------------------------
    def compare(self) -> list[_Line]:
        """The lines that file a report (one per pairing and week); the rest skipped or bad."""
        filed: dict[tuple[int, str], _Line] = {}
        several = len(self.result.files) > 1
        for line in self.lines:
            row = line.sheet_row
            assert row is not None
            if self._not_reported(line.values, row):
                self._skip(line, NOT_REPORTED)
                continue
            current = row.current
            if current is not None:
                # The week has its report already: a text cell left empty keeps the report's text
                # (the sheet carries figures; a story is not lost by correcting one of them).
                for name, kept in (("progress", current.progress), ("story.title", current.story_title),
                                   ("story.body", current.story_body), ("correction_note", current.correction_note)):
                    if name not in line.values and kept:
                        line.values[name] = kept
            data = line.importer.request(line.number, line.values)
            if isinstance(data, list):
                self.reject(line.file, data)
                continue
            line.data = data
            key = (row.pairing_id, row.week)
            first = filed.get(key)
            if first is not None:
                if first.data != data:
                    self.error(line, "credit_code", f"与{_where(first, several)}是同一结对（村 {row.village_code}、"
                                                    f"统一社会信用代码 {row.credit_code}、{row.week}），但填的内容不同："
                                                    "请核对后只保留一份")
                continue  # the same figures twice (two copies of one unit's row): filed once
            # Compared now: the save replaces the week's report in place (the same object as `row.latest`).
            line.changes = changes_of(row, data)
            if not line.changes:
                self._skip(line, UNCHANGED)
                continue
            filed[key] = line
        self._one_skip_per_pairing(set(filed))
        return list(filed.values())

    def _one_skip_per_pairing(self, filed: set[tuple[int, str]]) -> None:
        """Copies from several units each carry the others' rows untouched: a pairing is skipped
        once, and not at all when another copy reports it."""
        seen: set[tuple[object, ...]] = set()
        kept = []
        for skip in self.result.skipped:
            key: tuple[object, ...] = ((skip["pairing_id"], skip["week"]) if skip["pairing_id"] is not None
                                       else (skip["village_code"], skip["credit_code"], skip["week"]))
            if key not in filed and key not in seen:
                seen.add(key)
                kept.append(skip)
        self.result.skipped = kept

    def _not_reported(self, values: Values, row: SheetRow) -> bool:
        """No text, and the figures as pre-filled: the latest report's, or blank for a pairing
        that never reported."""
        if any(f in values for f in TEXT_FIELDS):
            return False
        figures = {f: values[f] for f in FIGURES if f in values}
        if not figures:
            return True
        if row.latest is None:
            return False
        try:  # the figures typed as the report reads them; the text is not yet there
            typed = ReportIn.model_validate(nest({**figures, "progress": "-"}), context=TYPED)
        except ValidationError:
            return False
        return all(getattr(typed, f) == getattr(row.latest, f) for f in FIGURE_FIELDS)

    # -- storing ----------------------------------------------------------------------------------
    def save(self, filed: list[_Line]) -> None:
        """Through the liaison's save, all at once; a refused row is a bad row."""
        if not filed:
            return
        filings = [Filing(line.sheet_row.pairing_id, line.sheet_row.week, line.data)  # type: ignore[union-attr,arg-type]
                   for line in filed]
        try:
            outcomes = save_reports(self.session, self.settings, self.actor, filings, self.now)
        except IntegrityError:
            # A liaison's new report for one of these weeks landed after they were read.
            raise Conflict(CONFLICT) from None
        for line, outcome in zip(filed, outcomes, strict=True):
            row, data = line.sheet_row, line.data
            assert row is not None and data is not None
            if isinstance(outcome, DomainError):
                self.reject(line.file, line.importer.refusal(line.number, outcome))
                continue
            if outcome:
                self.result.created += 1
            else:
                self.result.updated += 1
            self.result.rows.append({
                "file": line.file, "row": line.number, "pairing_id": row.pairing_id, "week": row.week,
                "village_code": row.village_code, "village": row.village, "credit_code": row.credit_code,
                "unit": row.unit, "created": outcome, "changes": line.changes})


def import_sheets(session: Session, settings: Settings, actor: Principal, files: Sequence[SheetFile], *,
                  dry_run: bool = False, expect: str | None = None) -> SheetResult:
    """Check every row of every file and, when none is bad and this is no dry run, store the
    changes (and only when they are those of the preview whose digest is `expect`, if given).

    Raises Forbidden when the user may not file figures. Bad rows and unreadable files come back
    in the result, with nothing kept."""
    if not actor.may_import_figures:
        raise Forbidden(READ_ONLY)
    job = _SheetImport(session, settings, actor, clock_now(settings))
    job.read(files)  # every file whole before the first statement: the transaction stays short
    if not job.lines and not job.result.error_count:
        job.reject(job.result.files[0] if job.result.files else "", [
            {"row": None, "column": "file", "msg": "没有可导入的数据行"}])
    outer = session.begin_nested()
    try:
        job.resolve()
        job.save(job.compare())
    except BaseException:
        outer.rollback()
        raise
    result = job.result
    result.rows.sort(key=lambda r: (result.files.index(r["file"]), r["row"]))
    result.skipped.sort(key=lambda r: (result.files.index(r["file"]), r["row"]))
    result.errors.sort(key=lambda e: (result.files.index(e["file"]) if e["file"] in result.files else 0,
                                      e["row"] or 0))
    if result.error_count == 0 and expect is not None and expect != result.digest:
        result.stale = True
    if not result.ok or dry_run:
        outer.rollback()
        if not result.ok:
            result.created = result.updated = 0
    else:
        outer.commit()
    return result


# --- a preview's files, kept for its confirmation ---------------------------------------------


def keep_files(settings: Settings, files: Sequence[SheetFile]) -> str:
    """The uploaded files in a directory of their own under the upload directory, where the
    confirmation reads them again (the request's temporary files go with the request)."""
    root = Path(settings.upload_dir)
    root.mkdir(parents=True, exist_ok=True)
    directory = tempfile.mkdtemp(dir=root, prefix="import-weekly-")
    for n, (name, sheet) in enumerate(zip(_named(files), files, strict=True), start=1):
        safe = re.sub(r"[\\/\x00-\x1f]", "_", name)[-120:]
        with open(os.path.join(directory, f"{n:03d}-{safe}"), "wb") as copy:
            sheet.raw.seek(0)
            shutil.copyfileobj(sheet.raw, copy, length=1 << 20)
    return directory


def kept_files(directory: str) -> list[tuple[str, str]]:
    """(file name as uploaded, path) of a kept preview, in the order uploaded."""
    entries = sorted(p for p in os.listdir(directory) if re.match(r"[0-9]{3}-", p))
    return [(entry[4:], os.path.join(directory, entry)) for entry in entries]


def remove_files(directory: str | None) -> None:
    if directory:
        shutil.rmtree(directory, ignore_errors=True)


def preview_job(session: Session, actor: Principal, result: SheetResult, directory: str | None) -> ImportJob:
    """The record of a preview (a dry run), which keeps its files while it waits for confirmation."""
    assert actor.id is not None
    job = ImportJob(kind=WEEKLY, filename="、".join(result.files)[-255:], dry_run=True, user_id=actor.id,
                    upload_path=directory if result.ok else None)
    finish_job(job, result)
    session.add(job)
    session.flush()
    return job


EXPIRED = "预览已过期或已确认导入，请重新上传文件"
STALE = "预览之后数据有了变化（例如联络员刚报送了周报），这次没有保存；请重新预览，核对后再确认"


def confirm(session: Session, settings: Settings, actor: Principal, job_id: int, digest: str) -> tuple[ImportJob, SheetResult]:
    """Store what the preview `job_id` showed: the same kept files imported again, kept only when
    they make exactly the changes of `digest` (else the result is `stale`, nothing stored, and
    the preview stays to be looked at again)."""
    job = session.exec(select(ImportJob).where(ImportJob.id == job_id, ImportJob.user_id == actor.id)).first()
    if job is None or job.kind != WEEKLY:
        raise NotFound(f"导入任务 {job_id} 不存在")
    directory = job.upload_path
    if not job.dry_run or job.status != JobStatus.done or not directory or not os.path.isdir(directory):
        raise Conflict(EXPIRED)
    handles = [(name, open(path, "rb")) for name, path in kept_files(directory)]
    try:
        session.commit()  # the login's transaction: none (on SQLite, no write lock) while the files are read
        result = import_sheets(session, settings, actor, [SheetFile(name, raw) for name, raw in handles],
                               expect=digest)
    finally:
        for _name, raw in handles:
            raw.close()
    if result.ok:
        finish_job(job, result)
        job.dry_run, job.upload_path = False, None
        session.add(job)
        session.commit()  # the reports and the job's record; then the files are no longer needed
        remove_files(directory)
    return job, result
