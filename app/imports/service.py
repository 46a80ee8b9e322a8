"""Bulk import: every row of an uploaded file goes through the same request models and the same
service functions as the JSON API, so the same 422 rules, 409 duplicates, scope and
suspicious-data flags apply. One transaction, a savepoint per row so that a bad row is undone and
the rows after it are still checked; any bad row, or a dry run, rolls the whole file back."""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, BinaryIO, Protocol

from pydantic import BaseModel, ValidationError
from sqlalchemy import select as sa_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.auth.policy import Principal, pairing_clause
from app.catalogue import label
from app.common import TYPED, clock_now, nest, parse_week, utcnow
from app.config import Settings
from app.errors import Conflict, DomainError, Invalid, NotFound
from app.imports.models import ImportJob, ImportKind, JobStatus
from app.imports.policy import require_allowed
from app.imports.reading import (
    MAX_ROWS,
    Row,
    cell_text,
    file_error,
    file_format,
    is_blank,
    open_rows,
)
from app.imports.templates import Column, Header, match_header, read_columns
from app.messages import translate_errors
from app.pairings.flows import save_plan
from app.pairings.models import Pairing, PairingCreate, PlanIn
from app.pairings.policy import pairing_access
from app.pairings.service import create_pairing
from app.regions.models import Village, VillageCreate
from app.regions.service import create_village
from app.reports.flows import Filing, save_report, save_reports
from app.reports.models import ReportIn
from app.reports.policy import report_access
from app.rollups import service as rollups
from app.units.models import KIND_LABELS, Unit, UnitCreate, UnitUpdate
from app.units.policy import unit_access
from app.units.service import create_unit, update_unit

PROGRESS_EVERY = 500  # rows between two progress reports
Progress = Callable[[int, int | None], None]  # (data rows done, rows in the file or None)

TRUE_WORDS = {"是", "有", "1", "true", "t", "yes", "y", "√", "✓", "on"}
FALSE_WORDS = {"否", "无", "0", "false", "f", "no", "n", "×", "✗", "off"}
KIND_BY_LABEL = {label: kind.value for kind, label in KIND_LABELS.items()}
DATE_RE = re.compile(r"([0-9]{4})\s*[-/.年]\s*([0-9]{1,2})\s*[-/.月]\s*([0-9]{1,2})\s*日?")
MEMBER_SEPARATORS = re.compile(r"[、,，;；\n]+")


ERRORS_KEPT = 200  # bad rows an answer lists; error_count counts them all
CONFLICT = "数据冲突：该记录已存在或刚被他人修改，请核对后重新导入"
BATCH_ROWS = 2000  # report rows checked and saved at once
STORE_ATTEMPTS = 3  # a batch that meets a concurrent writer's new row is checked and written again


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    rows: int = 0  # data rows read (blank rows not counted)
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first ERRORS_KEPT
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def data_rows(self) -> int:
        return self.rows

    def count(self, created: bool) -> None:
        if created:
            self.created += 1
        else:
            self.updated += 1

    def reject(self, errors: list[dict[str, Any]]) -> None:
        """Bad cells of the file: all counted, the first ERRORS_KEPT kept, so a file of a million
        bad cells gives an answer of a bounded size."""
        self.error_count += len(errors)
        room = ERRORS_KEPT - len(self.errors)
        if room > 0:
            self.errors.extend(errors[:room])


class RowInvalid(Exception):
    """A cell this module reads itself (an id, a yes/no, a unit kind) is not what it should be."""

    def __init__(self, field_name: str, msg: str):
        super().__init__(msg)
        self.field, self.msg = field_name, msg


Values = dict[str, Any]  # a row's cells as the request body's fields, by API field name
OMIT = object()  # an empty cell: the field is left out, so the model's default or "missing" applies


def _date_text(col: Column, raw: object, text: str) -> str:
    if re.fullmatch(r"[0-9]{8}", text):  # 20200601
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if isinstance(raw, int | float) and not isinstance(raw, bool) and 1 <= raw < 2_958_466:
        from openpyxl.utils.datetime import from_excel  # a date cell stored without its format

        return str(from_excel(raw).date().isoformat())
    match = DATE_RE.fullmatch(text)
    if match:  # 2020/6/1, 2020.6.1, 2020年6月1日: how Chinese Excel writes dates into CSV
        return f"{match.group(1)}-{int(match.group(2)):02d}-{int(match.group(3)):02d}"
    if text.isdigit():  # never a Unix timestamp, which the model alone would take
        raise RowInvalid(col.field, f"{col.label}必须是日期，格式 YYYY-MM-DD，不能是“{text}”")
    return text


def cell_value(col: Column, raw: object) -> object:
    """What the request body would carry for this cell."""
    text = cell_text(raw)
    if text is None:
        return OMIT
    if col.type == "bool":
        word = unicodedata.normalize("NFKC", text).casefold()  # "１" as a Chinese input method types it
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise RowInvalid(col.field, f"{col.label}应填 是/否（或 1/0），不能是“{text}”")
    if col.type == "kind":
        if text in KIND_BY_LABEL or text in KIND_BY_LABEL.values():
            return KIND_BY_LABEL.get(text, text)
        raise RowInvalid(col.field, f"{col.label}应为{'、'.join(KIND_LABELS.values())}之一，不能是“{text}”")
    if col.type == "members":
        return [name.strip() for name in MEMBER_SEPARATORS.split(text) if name.strip()]
    if col.type == "date":
        return _date_text(col, raw, text)
    if col.type == "week":
        return text.upper()
    if col.type == "credit":
        return text.upper()
    if col.type == "id":
        if not text.isascii() or not text.isdigit() or len(text) > 12:
            raise RowInvalid(col.field, f"{col.label}必须是正整数，不能是“{text}”")
        return int(text)
    return text


def _field_of(loc: Sequence[object]) -> str:
    """("body", "industry", "project_plan") -> "industry.project_plan"; list indexes dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "path", "query"):
        parts = parts[1:]
    return ".".join(p for p in parts if isinstance(p, str))


class Importer:
    """One kind's rows: read the cells, build the request model, call the service."""

    kind: ImportKind
    key_field: str  # the column a duplicate, or an error without a field, is reported on
    model: type[BaseModel]

    def __init__(self, session: Session, settings: Settings, actor: Principal, header: Header,
                 now: datetime):
        self.session, self.settings, self.actor, self.header, self.now = (
            session, settings, actor, header, now)
        self.columns = [(col, header.positions[col.field]) for col in self.input_columns()
                        if col.field in header.positions]
        self.seen: dict[object, int] = {}

    # -- hooks -------------------------------------------------------------------------------
    def input_columns(self) -> list[Column]:
        """The columns whose cells are read (a file may carry others, shown only)."""
        return read_columns(self.kind)

    def resolve(self, values: Values, found: "RowErrors") -> None:
        """Fill in what the row names by other means (a report's pairing by village and unit)."""

    def key(self, values: Values) -> object | None:
        return None

    def duplicate(self, values: Values, first: int) -> str:
        return f"与第 {first} 行重复"

    def body(self, values: Values) -> dict[str, Any]:
        return nest(values)

    def precheck(self, values: Values) -> None:
        """A check that needs no database trip beyond what was read once for the whole file."""

    def apply(self, data: Any, values: Values) -> bool:
        """Store one row through the service; True when it created a record."""
        raise NotImplementedError

    def domain_field(self, exc: DomainError) -> str:
        return self.key_field

    # -- the row -----------------------------------------------------------------------------
    def error(self, number: int, field_name: str, msg: str) -> dict[str, Any]:
        return {"row": number, "column": self.header.column_name(field_name), "msg": msg}

    def rows(self, lines: Sequence[Row], result: ImportResult, tick: Callable[[int], None]) -> None:
        """Check and store the file's data rows; `tick(n)` once n rows are done."""
        for done, (number, cells) in enumerate(lines, start=1):
            checked = self.check(number, cells)
            if isinstance(checked, list):
                result.reject(checked)
            else:
                self._store(number, *checked, result)
            tick(done)

    def check(self, number: int, cells: list[object]) -> tuple[BaseModel, Values] | list[dict[str, Any]]:
        """The row's request and cells, or what is wrong with the row."""
        found = RowErrors(self, number)
        values = self._cells(cells, found)
        self.resolve(values, found)
        data = None if self._repeated(values, found) else self._request(values, found)
        if found.errors or found.refused or data is None:
            return found.errors
        return data, values

    def _cells(self, cells: list[object], found: "RowErrors") -> Values:
        """The row's cells as the request's fields; a cell refused here is not checked again."""
        values: Values = {}
        for column, pos in self.columns:
            try:
                value = cell_value(column, cells[pos] if pos < len(cells) else None)
            except RowInvalid as exc:
                found.add(exc.field, exc.msg)
                found.refused.add(exc.field)
                continue
            if value is not OMIT:
                values[column.field] = value
        # One message for the cells beyond the header, however many: a row of a million stray
        # cells is one mistake.
        stray = next((pos for pos in range(self.header.width, len(cells))
                      if cell_text(cells[pos]) is not None), None)
        if stray is not None:
            text = cell_text(cells[stray])
            found.errors.append({"row": found.number, "column": f"第 {stray + 1} 列",
                                 "msg": f"第 {stray + 1} 列没有表头，无法识别其中的“{text}”"
                                        + ("（其后各列同样没有表头）" if len(cells) > stray + 1 else "")})
        return values

    def _repeated(self, values: Values, found: "RowErrors") -> bool:
        """Whether an earlier row of the file has the same key (then only that is said)."""
        key = None if found.refused else self.key(values)
        if key is None:
            return False
        first = self.seen.setdefault(key, found.number)
        if first == found.number:
            return False
        found.add(self.key_field, self.duplicate(values, first))
        return True

    def _request(self, values: Values, found: "RowErrors") -> BaseModel | None:
        """The request model of the row, and what is wrong with it without a trip to the service."""
        data = None
        try:
            data = self.model.model_validate(self.body(values), context=TYPED)
        except ValidationError as exc:
            for err in translate_errors(exc.errors()):
                found.add(_field_of(err["loc"]) or self.key_field, err["msg"])
        except RowInvalid as exc:
            found.add(exc.field, exc.msg)
        try:
            self.precheck(values)
        except RowInvalid as exc:
            found.add(exc.field, exc.msg)
        return data

    def _store(self, number: int, data: BaseModel, values: Values, result: ImportResult) -> None:
        """The row through the service, in a savepoint that a refusal undoes."""
        savepoint = self.session.begin_nested()
        try:
            created = self.apply(data, values)
        except (DomainError, RowInvalid, IntegrityError) as exc:
            savepoint.rollback()
            result.reject(self.refusal(number, exc))
        except BaseException:
            savepoint.rollback()
            raise
        else:
            savepoint.commit()
            result.count(created)

    def refusal(self, number: int, exc: DomainError | RowInvalid | IntegrityError) -> list[dict[str, Any]]:
        """The row's errors when the service refused it."""
        if isinstance(exc, Invalid):
            return [self.error(number, _field_of(err["loc"]) or self.key_field, err["msg"]) for err in exc.errors]
        if isinstance(exc, RowInvalid):
            return [self.error(number, exc.field, exc.msg)]
        if isinstance(exc, DomainError):
            return [self.error(number, self.domain_field(exc), exc.message)]
        return [self.error(number, self.key_field, CONFLICT)]


class RowErrors:
    """What is wrong with one row: one message a field, and none for a field whose cell was
    already refused."""

    def __init__(self, importer: Importer, number: int):
        self.importer, self.number = importer, number
        self.errors: list[dict[str, Any]] = []
        self.refused: set[str] = set()

    def add(self, field_name: str, msg: str) -> None:
        if field_name not in self.refused:
            self.errors.append(self.importer.error(self.number, field_name, msg))


class VillageImporter(Importer):
    kind, key_field, model = ImportKind.villages, "code", VillageCreate

    def key(self, values: Values) -> object | None:
        return values.get("code")

    def duplicate(self, values: Values, first: int) -> str:
        return f"区划代码 {values['code']} 与第 {first} 行重复"

    def apply(self, data: Any, values: Values) -> bool:
        create_village(self.session, self.actor, data)
        return True


class UnitImporter(Importer):
    """A credit code already registered updates that unit; a new one registers a unit."""

    kind, key_field, model = ImportKind.units, "credit_code", UnitCreate

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.ids: dict[str, int | None] = dict(self.session.exec(select(Unit.credit_code, Unit.id)).all())

    def key(self, values: Values) -> object | None:
        return values.get("credit_code")

    def duplicate(self, values: Values, first: int) -> str:
        return f"统一社会信用代码 {values['credit_code']} 与第 {first} 行重复"

    def apply(self, data: Any, values: Values) -> bool:
        unit_id = self.ids.get(data.credit_code)
        if unit_id is None:
            self.ids[data.credit_code] = create_unit(self.session, self.actor, data).id
            return True
        update_unit(self.session, unit_access(self.session, self.actor, unit_id), UnitUpdate(**data.model_dump()))
        return False

    def domain_field(self, exc: DomainError) -> str:
        # Credit codes are matched first, so a conflict left over is the name's.
        return "name" if isinstance(exc, Conflict) else self.key_field


class PairingImporter(Importer):
    """The unit by its number or by its credit code, which officers have at hand after
    importing the units."""

    kind, key_field, model = ImportKind.pairings, "village_code", PairingCreate

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.by_credit: dict[str, int | None] = {}

    def _unit_id(self, values: Values) -> int | None:
        code = values.get("unit_credit_code")
        if code is None:
            return values.get("unit_id")
        if code not in self.by_credit:
            self.by_credit[code] = self.session.exec(select(Unit.id).where(Unit.credit_code == code)).first()
        unit_id = self.by_credit[code]
        if unit_id is None:
            raise RowInvalid("unit_credit_code", f"统一社会信用代码 {code} 的帮扶单位尚未登记，请先导入帮扶单位")
        given = values.get("unit_id")
        if given is not None and given != unit_id:
            raise RowInvalid("unit_id", f"帮扶单位编号 {given} 与统一社会信用代码 {code} 不符"
                                        f"（该代码的单位编号为 {unit_id}）")
        return unit_id

    def key(self, values: Values) -> object | None:
        try:
            unit = self._unit_id(values)
        except RowInvalid:
            return None
        village = values.get("village_code")
        return (unit, village) if unit is not None and village is not None else None

    def duplicate(self, values: Values, first: int) -> str:
        return f"与第 {first} 行重复：同一帮扶单位与村 {values['village_code']} 的结对"

    def body(self, values: Values) -> dict[str, Any]:
        body = {k: v for k, v in values.items() if k != "unit_credit_code"}
        unit_id = self._unit_id(values)
        if unit_id is not None:
            body["unit_id"] = unit_id
        elif "unit_id" not in body:
            raise RowInvalid("unit_credit_code" if "unit_credit_code" in self.header.positions else "unit_id",
                             f"请填写{label('unit_id')}或{label('unit_credit_code')}")
        return body

    def apply(self, data: Any, values: Values) -> bool:
        create_pairing(self.session, self.settings, self.actor, data)
        return True


KEYS = ("pairing_id", "week", "village_code", "unit_credit_code")  # what names a row's record, not its body


class _PairingRows(Importer):
    """Plans and reports: rows name a pairing. The pairings in the user's scope are read once,
    so a row outside it is refused without a trip to the database; the service checks again."""

    key_field = "pairing_id"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.in_scope = set(self.session.exec(
            select(Pairing.id).join(Village, col(Pairing.village_id) == col(Village.id))
            .where(pairing_clause(self.actor))))

    def precheck(self, values: Values) -> None:
        pairing_id = values.get("pairing_id")
        if pairing_id is None:
            raise RowInvalid("pairing_id", f"{label('pairing_id')}为必填项")
        if pairing_id not in self.in_scope:
            raise RowInvalid("pairing_id", f"结对 {pairing_id} 不存在或不在您的管辖范围内")

    def body(self, values: Values) -> dict[str, Any]:
        return nest({k: v for k, v in values.items() if k not in KEYS})


class PlanImporter(_PairingRows):
    kind, model = ImportKind.plans, PlanIn

    def key(self, values: Values) -> object | None:
        return values.get("pairing_id")

    def duplicate(self, values: Values, first: int) -> str:
        return f"结对 {values['pairing_id']} 的计划书与第 {first} 行重复"

    def apply(self, data: Any, values: Values) -> bool:
        access = pairing_access(self.session, self.actor, values["pairing_id"], lock=True)
        _plan, created = save_plan(self.session, self.settings, access, data, now=self.now)
        return created


class ReportImporter(_PairingRows):
    """A row names its pairing by number, or by its village code and unit credit code, which
    units have at hand (the pairing in force in the row's week)."""

    kind, model = ImportKind.reports, ReportIn
    _codes: dict[tuple[str, str], list[Any]] | None = None

    def resolve(self, values: Values, found: RowErrors) -> None:
        village, credit = values.get("village_code"), values.get("unit_credit_code")
        if village is None and credit is None:
            return
        found.refused.add("pairing_id")  # whatever is wrong below is said once, not as a missing number too
        if village is None or credit is None:
            found.add("unit_credit_code" if credit is None else "village_code",
                      f"用{label('village_code')}和{label('credit_code')}代替{label('pairing_id')}时，两者都要填写")
            return
        village = unicodedata.normalize("NFKC", str(village)).strip()
        credit = unicodedata.normalize("NFKC", str(credit)).strip().upper()
        pairing_id = self._pairing_of(village, credit, values.get("week"))
        given = values.get("pairing_id")
        if pairing_id is None:
            found.add("unit_credit_code", f"村 {village} 与统一社会信用代码 {credit} 的帮扶单位没有结对，"
                                          "或该结对不在您的管辖范围内")
        elif given is not None and given != pairing_id:
            found.add("unit_credit_code", f"{label('pairing_id')} {given} 与村 {village}、统一社会信用代码 {credit} "
                                          f"的结对（编号 {pairing_id}）不符")
        else:
            values["pairing_id"] = pairing_id
            found.refused.discard("pairing_id")

    def _pairing_of(self, village: str, credit: str, week: object) -> int | None:
        """The pairing of the village and the unit in the caller's scope: the one in force in the
        week, else the active one (whose save then says what is wrong with the week)."""
        if self._codes is None:
            columns: list[Any] = [Pairing.id, Village.code, Unit.credit_code, Pairing.signed_on, Pairing.valid_until,
                                  Pairing.active, Pairing.ended_on]
            self._codes = {}
            for row in self.session.execute(
                    sa_select(*columns).join(Village, col(Pairing.village_id) == col(Village.id))
                    .join(Unit, col(Pairing.unit_id) == col(Unit.id)).where(pairing_clause(self.actor))):
                self._codes.setdefault((row[1], row[2]), []).append(row)
        found = self._codes.get((village, credit), [])
        try:
            monday = parse_week(str(week))
        except ValueError:
            monday = None
        in_force = [p for p in found if monday is not None and p.signed_on <= monday + timedelta(days=6)
                    and p.valid_until >= monday and (p.active or (p.ended_on is not None and p.ended_on >= monday))]
        chosen = in_force or [p for p in found if p.active] or found
        return max(chosen, key=lambda p: (p.signed_on, p.id)).id if chosen else None

    def key(self, values: Values) -> object | None:
        if values.get("pairing_id") is None or values.get("week") is None:
            return None
        return values["pairing_id"], values["week"]

    def duplicate(self, values: Values, first: int) -> str:
        return f"结对 {values['pairing_id']} 在 {values['week']} 的周报与第 {first} 行重复"

    def precheck(self, values: Values) -> None:
        super().precheck(values)
        if values.get("week") is None:
            raise RowInvalid("week", f"{label('week')}为必填项")

    def body(self, values: Values) -> dict[str, Any]:
        body = super().body(values)
        story = body.get("story")
        if story is not None and not any(v not in (None, "") for v in story.values()):
            body.pop("story")
        return body

    def apply(self, data: Any, values: Values) -> bool:
        access = report_access(self.session, pairing_access(self.session, self.actor, values["pairing_id"], lock=True),
                               values["week"])
        return save_report(self.session, self.settings, access, data, now=self.now).created

    def domain_field(self, exc: DomainError) -> str:
        # A locked week is the week's matter; anything else (an ended pairing, scope) the pairing's.
        return "week" if isinstance(exc, Conflict) and "锁定" in exc.message else self.key_field


class BulkReportImporter(ReportImporter):
    """Reports as the county's weekly sheet brings them, thousands at a time: every row checked
    first, then all of them saved at once (app.reports.flows.save_reports: the same rules as one
    at a time, in a few queries and batched writes), so the write lock is held briefly."""

    def rows(self, lines: Sequence[Row], result: ImportResult, tick: Callable[[int], None]) -> None:
        # In batches, so that what a batch builds (requests, audit rows) is given back before the
        # next; each batch reads what the ones before it wrote. The county rollup's differences
        # are written once, last: its rows are what concurrent savers in the county wait for.
        self.changes = rollups.Changes(self.settings)
        for start in range(0, len(lines), BATCH_ROWS):
            self._batch(lines[start:start + BATCH_ROWS], start, result, tick)
        self.changes.write(self.session)

    def _batch(self, lines: Sequence[Row], start: int, result: ImportResult, tick: Callable[[int], None]) -> None:
        checked: list[tuple[int, Filing]] = []
        refused: dict[int, list[dict[str, Any]]] = {}  # by row: listed in the file's order
        for done, (number, cells) in enumerate(lines, start=start + 1):
            row = self.check(number, cells)
            if isinstance(row, list):
                refused[number] = row
            else:
                data, values = row
                assert isinstance(data, ReportIn)
                checked.append((number, Filing(values["pairing_id"], values["week"], data)))
            tick(done)
        if checked:
            for number, outcome in zip((n for n, _f in checked), self._save(checked), strict=True):
                if isinstance(outcome, DomainError):
                    refused[number] = self.refusal(number, outcome)
                else:
                    result.count(outcome)
        for number in sorted(refused):
            result.reject(refused[number])

    def _save(self, checked: list[tuple[int, Filing]]) -> list[bool | DomainError]:
        filings, attempts = [f for _n, f in checked], 1
        while True:
            savepoint = self.session.begin_nested()
            gathered = rollups.Changes(self.settings)
            try:
                outcomes = save_reports(self.session, self.settings, self.actor, filings, self.now, gathered)
            except IntegrityError:
                # A liaison's new report for one of these weeks landed after they were read
                # (PostgreSQL; SQLite's one writer cannot meet another): read them again.
                savepoint.rollback()
                if attempts == STORE_ATTEMPTS:
                    raise Conflict(CONFLICT) from None
                attempts += 1
                continue
            except BaseException:
                savepoint.rollback()
                raise
            savepoint.commit()
            self.changes.merge(gathered)  # only what a kept attempt gathered
            return outcomes


IMPORTERS: dict[ImportKind, type[Importer]] = {
    ImportKind.villages: VillageImporter, ImportKind.units: UnitImporter,
    ImportKind.pairings: PairingImporter, ImportKind.plans: PlanImporter,
    ImportKind.reports: BulkReportImporter,
}
# The row-by-row import of reports, which the bulk one replaced: the reference it is tested and
# measured against (tests/imports/test_bulk_reports.py, bench/imports.py).
ROW_BY_ROW: dict[ImportKind, type[Importer]] = {**IMPORTERS, ImportKind.reports: ReportImporter}


def import_file(
    session: Session, settings: Settings, actor: Principal, kind: ImportKind, raw: BinaryIO,
    filename: str | None, *, dry_run: bool = False, progress: Progress | None = None,
    importers: dict[ImportKind, type[Importer]] = IMPORTERS,
) -> ImportResult:
    """Check every row and, when none is bad and this is no dry run, keep them all.

    The file is read whole before the first statement, so that the transaction (on SQLite, the
    write lock) lasts only for the checks against the database and the writes.

    Raises Forbidden when the user may not import this kind, and Invalid (on `file`) when the
    file cannot be read at all. Bad rows come back in the result, with nothing kept."""
    require_allowed(actor, kind)
    fmt = file_format(filename)
    result = ImportResult()
    lines: list[Row] = []
    with open_rows(raw, fmt) as rows:
        first = next(rows, None)
        if first is None or is_blank(first[1]):
            raise file_error("文件的第 1 行应为表头（可从本页下载模板），但文件是空的或第 1 行为空")
        header, errors = match_header(kind, first[1])
        if errors:
            result.reject(errors)
            return result
        for number, cells in rows:
            if is_blank(cells):
                continue
            if len(lines) == MAX_ROWS:
                raise file_error(f"文件超过 {MAX_ROWS:,} 行数据，请拆分为多个文件分别导入")
            lines.append((number, cells))
    if not lines:
        raise file_error("文件只有表头，没有数据行")
    result.rows = len(lines)

    def tick(done: int) -> None:
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(lines)):
            progress(done, len(lines))

    importer = importers[kind](session, settings, actor, header, clock_now(settings))
    outer = session.begin_nested()
    try:
        importer.rows(lines, result, tick)
    except BaseException:
        outer.rollback()
        raise
    if not result.ok or dry_run:
        outer.rollback()
        if not result.ok:
            result.created = result.updated = 0  # nothing was stored
    else:
        outer.commit()
    return result


# --- the record of each import the pages show ------------------------------------------------


class Outcome(Protocol):
    """What an import's record keeps of its result (ImportResult, or a weekly sheet's)."""

    created: int
    updated: int
    errors: list[dict[str, Any]]
    error_count: int

    @property
    def ok(self) -> bool: ...

    @property
    def data_rows(self) -> int: ...


def finish_job(job: ImportJob, result: Outcome) -> None:
    job.processed_rows = job.total_rows = result.data_rows
    job.created, job.updated = result.created, result.updated
    job.errors, job.error_count = result.errors, result.error_count
    job.status = JobStatus.done if result.ok else JobStatus.rejected
    job.finished_at = utcnow()


def recent_jobs(session: Session, actor: Principal, limit: int = 10) -> list[ImportJob]:
    return list(session.exec(select(ImportJob).where(ImportJob.user_id == actor.id)
                             .order_by(col(ImportJob.id).desc()).limit(limit)))


def get_job(session: Session, actor: Principal, job_id: int) -> ImportJob:
    """A user's own import; anyone else's is not found."""
    job = session.exec(select(ImportJob).where(ImportJob.id == job_id, ImportJob.user_id == actor.id)).first()
    if job is None:
        raise NotFound(f"导入任务 {job_id} 不存在")
    return job
