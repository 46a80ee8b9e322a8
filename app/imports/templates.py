"""The import templates: for each kind its columns (Chinese label, API field, type, rule), how a
file's header row is matched to them, and the template files (xlsx, CSV). No database here."""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import xlsxwriter

from app.catalogue import entry, label
from app.imports.models import ImportKind
from app.units.models import KIND_LABELS, UnitKind

# Column types: how a cell is read and what the 填写说明 sheet says about it.
TYPE_LABELS = {
    "text": "文本", "code": "文本（12 位数字）", "credit": "文本（18 位）", "wan": "数字（万元，最多 4 位小数）",
    "int": "整数", "bool": "是/否", "date": "日期", "week": "周次", "id": "整数（编号）",
    "members": "文本（多人用 、 或 , 分隔）", "kind": "选项",
}
YES, NO = "是", "否"


# How the catalogue's kinds of field read from a cell.
_CELL_TYPES = {"line": "text", "choice": "kind"}


@dataclass(frozen=True)
class Column:
    """A template column: its header is the field's label in the catalogue (or `label_key`'s, where
    the template names it after what it belongs to), its cell type the catalogue's kind."""

    field: str  # the API field name; dotted for the plan's measures: "industry.planned_funds_wan"
    required: bool = False  # the column must be in the file (its cells may still be optional)
    rule: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()  # other labels a hand-made file may use
    label_key: str | None = None

    @property
    def label(self) -> str:
        return entry(self.label_key or self.field).text

    @cached_property  # read for every cell of an import
    def type(self) -> str:
        """A key of TYPE_LABELS."""
        kind = entry(self.field).kind
        return _CELL_TYPES.get(kind, kind)

    @property
    def width(self) -> int:
        """Spreadsheet column width: a CJK character takes two units."""
        units = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in self.label)
        return max(10, min(40, units + 2))


_BOOL_RULE = "是/否（也可填 1/0、有/无、true/false）"

COLUMNS: dict[ImportKind, list[Column]] = {
    ImportKind.villages: [
        Column("code", True, "村级 12 位统计用区划代码；所属乡镇须已登记", "530102001001",
               aliases=(label("village_code"),)),
        Column("name", True, "不超过 100 字", "大坪村", aliases=(label("name"),), label_key="village.name"),
        Column("county_code", rule="选填：填写后核对村代码是否属于该县", example="530102000000"),
        Column("listed", rule=_BOOL_RULE + "；空白为是", example=YES),
        Column("registered_poor", rule=_BOOL_RULE + "；空白为否", example=YES),
        Column("poor_households", rule="≥ 0；空白为 0", example="50"),
        Column("poor_population", rule="≥ 0；空白为 0", example="180"),
    ],
    ImportKind.units: [
        Column("name", True, "不超过 200 字，不能与已登记单位重名", "某某农业科技有限公司",
               aliases=(label("name"), label("unit")), label_key="unit.name"),
        Column("kind", True, "、".join(KIND_LABELS.values()), KIND_LABELS[UnitKind.private_enterprise]),
        Column("credit_code", True,
               "18 位，校验位须正确；已登记的代码按此更新该单位", "91110108MA01ABCDEN"),
        Column("home_province", True, "如 北京市", "北京市"),
        Column("home_city", True, "如 北京市", "北京市"),
        Column("contact_name", True, "", "王经理"),
        Column("contact_phone", True, "5–30 位数字，可含 + - ( ) 空格", "010-12345678"),
    ],
    ImportKind.pairings: [
        Column("unit_id", rule=f"与“{label('unit_credit_code')}”二选一", example="12"),
        Column("unit_credit_code",
               rule=f"与“{label('unit_id')}”二选一；单位须已登记", example="91110108MA01ABCDEN"),
        Column("village_code", True, "村须已登记且在您的管辖区划内", "530102001001"),
        Column("signed_on", True, "YYYY-MM-DD", "2020-04-20"),
        Column("committed_funds_wan", True, "≥ 0", "50"),
        Column("valid_until", rule="选填：空白为活动结束日期", example="2020-12-31"),
    ],
    ImportKind.plans: [
        Column("pairing_id", True, "结对须在您的管辖范围内；已有计划书的将被替换", "12"),
        Column("industry.planned_funds_wan", True, "≥ 0；无计划填零", "50"),
        Column("industry.planned_materials_wan", True, "≥ 0", "10"),
        Column("industry.usage_plan", rule="不超过 2000 字", example="建设蔬菜大棚 10 座"),
        Column("industry.has_project", True, _BOOL_RULE, "有"),
        Column("industry.project_plan", rule="有相关项目时必填",
               example="发展设施蔬菜，合作社带动贫困户"),
        Column("consumption.sales_target_wan", True, "≥ 0", "30"),
        Column("consumption.self_purchase_wan", True,
               "≥ 0；自购 + 链接市场 ≤ 计划销售收入", "10"),
        Column("consumption.market_link_wan", True, "≥ 0", "20"),
        Column("employment.jobs_target", True, "≥ 0", "20"),
        Column("employment.unit_jobs", True, "四项之和 ≤ 计划解决就业", "5"),
        Column("employment.outside_jobs", True, "≥ 0", "10"),
        Column("employment.entrepreneurship_jobs", True, "≥ 0", "2"),
        Column("employment.public_welfare_jobs", True, "≥ 0", "3"),
        Column("training.trainees_target", True, "≥ 0", "40"),
        Column("training.training_plan", rule="不超过 2000 字", example="种植技术培训 4 期"),
        Column("stationing.will_station", True, _BOOL_RULE, YES),
        Column("stationing.stationed_target", True,
               "派驻时 ≥ 1；不派驻填 0", "2"),
        Column("stationing.members", rule="人数不超过计划驻村人数；不派驻时留空",
               example="张三、李四"),
        Column("stationing.start_date", rule="派驻时必填（以第一个人为准）",
               example="2020-06-01"),
    ],
    ImportKind.reports: [
        Column("pairing_id", rule="结对须在您的管辖范围内（信息联络员：本单位的结对）；不填结对编号时，"
                                  "可加“村代码”和“统一社会信用代码”两列代替", example="12"),
        Column("week", True, "ISO 周次 YYYY-Www；同一结对同一周再次导入将替换", "2020-W27"),
        Column("funds_arrived_wan", True, "累计数，≥ 0", "20"),
        Column("materials_arrived_wan", True, "累计数，≥ 0", "5"),
        Column("industry_plan_done", True, "1/0（也可填 是/否）", "0"),
        Column("sales_done_wan", True, "累计数，≥ 0", "12.5"),
        Column("jobs_done", True, "累计数，≥ 0", "8"),
        Column("trained_done", True, "累计数，≥ 0", "15"),
        Column("stationed_now", True, "当前在村人数，可以减少", "2"),
        Column("beneficiaries", rule="选填，≥ 0", example="30"),
        Column("progress", True, "必填，不超过 2000 字", "大棚主体完工"),
        Column("story.title", rule="选填，不超过 200 字", example="大棚里的新希望"),
        Column("story.body", rule="选填；填写标题时必填", example="……"),
        Column("correction_note", rule="累计数比上一次填报减少时必填", example=""),
    ],
}

# Columns a file may carry beyond the template's: read when present, never in the template.
ACCEPTED: dict[ImportKind, list[Column]] = {
    ImportKind.reports: [
        Column("village_code", rule="与统一社会信用代码一起代替结对编号", example="530102001001"),
        Column("unit_credit_code", rule="与村代码一起代替结对编号", example="91110108MA01ABCDEN",
               aliases=(label("credit_code"),)),
    ],
}


def read_columns(kind: ImportKind) -> list[Column]:
    """The columns of a kind an import reads: the template's and those accepted beside them."""
    return COLUMNS[kind] + ACCEPTED.get(kind, [])


KIND_NAMES = {ImportKind.villages: "村", ImportKind.units: "帮扶单位", ImportKind.pairings: "结对帮扶协议",
              ImportKind.plans: "结对帮扶计划书", ImportKind.reports: "每周项目进展"}
ZERO_WIDTH = re.compile("[\ufeff\u200b\u200c\u200d\u2060]")
# Sets of columns of which one must be in the file whole.
ONE_OF: dict[ImportKind, tuple[tuple[str, ...], ...]] = {
    ImportKind.pairings: (("unit_id",), ("unit_credit_code",)),
    ImportKind.reports: (("pairing_id",), ("village_code", "unit_credit_code")),
}


def _visible(text: object) -> str:
    """Without a byte-order mark or zero-width characters a text editor left in the cell."""
    return ZERO_WIDTH.sub("", "" if text is None else str(text)).strip()


def normalise(text: object) -> str:
    """Header text as compared: full-width forms folded (（万元） = (万元)), no spaces, no leading
    “其中：” of the paper form's sub-items, no required-mark *, case-insensitive."""
    folded = unicodedata.normalize("NFKC", _visible(text))
    folded = re.sub(r"\s+", "", folded).strip("*")
    folded = re.sub(r"^其中[:]?", "", folded)
    return folded.casefold()


def column_index(columns: list[Column]) -> dict[str, Column]:
    """Each column by every header text that names it (normalised)."""
    found: dict[str, Column] = {}
    for col in columns:
        for name in (col.field, col.label, *col.aliases):
            found[normalise(name)] = col
    return found


_INDEX = {kind: column_index(read_columns(kind)) for kind in ImportKind}


@dataclass
class Header:
    """Which position of the file holds which column, and the header text the file used."""

    positions: dict[str, int]  # field -> position in the row
    texts: dict[str, str]  # field -> the header cell as written in the file
    width: int  # number of header cells up to the last non-empty one

    def column_name(self, field: str) -> str:
        """How an error names a column: the file's own header text, else the API field name."""
        return self.texts.get(field, field)


def match_header(kind: ImportKind, cells: list[object]) -> tuple[Header, list[dict[str, Any]]]:
    """The header row read against the kind's columns; errors are reported on row 1."""
    header, errors = match_columns(COLUMNS[kind], _INDEX[kind], KIND_NAMES[kind] + "导入模板", cells)
    groups = ONE_OF.get(kind, ())
    if groups and not any(all(f in header.positions for f in group) for group in groups):
        labels = "”或“".join("”与“".join(_label(kind, f) for f in group) for group in groups)
        some = "其中一列" if all(len(group) == 1 for group in groups) else "其中一种"
        errors.append(_head_error(_label(kind, groups[0][0]), f"缺少列：须有“{labels}”{some}"))
    return header, errors


def match_columns(columns: list[Column], index: dict[str, Column], sheet_name: str,
                  cells: list[object]) -> tuple[Header, list[dict[str, Any]]]:
    """A header row read against `columns` (`index`: their `column_index`); `sheet_name` names
    the template in messages."""
    texts = [_visible(c) for c in cells]
    while texts and not texts[-1]:
        texts.pop()
    positions: dict[str, int] = {}
    shown: dict[str, str] = {}
    errors = []
    for pos, text in enumerate(texts):
        if not text:
            errors.append(_head_error(f"第 {pos + 1} 列", f"第 {pos + 1} 列的表头为空：请填写列名或删除该列"))
            continue
        col = index.get(normalise(text))
        if col is None:
            errors.append(_head_error(text, f"不能识别的列“{text}”：{sheet_name}没有此列，"
                                            "请使用模板中的列名（中文表头或字段名）"))
        elif col.field in positions:
            errors.append(_head_error(text, f"列“{text}”与第 {positions[col.field] + 1} 列"
                                            f"“{shown[col.field]}”是同一列，请只保留一列"))
        else:
            positions[col.field], shown[col.field] = pos, text
    for col in columns:
        if col.required and col.field not in positions:
            errors.append(_head_error(col.label, f"缺少必填列“{col.label}”（字段名 {col.field}）"))
    return Header(positions, shown, len(texts)), errors


def _label(kind: ImportKind, field: str) -> str:
    return next(c.label for c in read_columns(kind) if c.field == field)


def _head_error(column: str, msg: str) -> dict[str, Any]:
    return {"row": 1, "column": column, "msg": msg}


# --- template files -------------------------------------------------------------------------


def template_csv(kind: ImportKind) -> bytes:
    """The header row only, UTF-8 with BOM so that Excel opens the Chinese labels correctly."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([c.label for c in COLUMNS[kind]])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def template_xlsx(kind: ImportKind) -> bytes:
    """Sheet 1: the header row to fill under; sheet 2 “填写说明”: every column, its field name,
    whether it is required, its type, rule and an example."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False,
                                        "strings_to_formulas": False, "strings_to_urls": False})
    head = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "align": "center",
                            "bg_color": "#F2F2F2", "border": 1})
    head_required = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter",
                                     "align": "center", "bg_color": "#FCE4D6", "border": 1})
    as_text = book.add_format({"num_format": "@"})
    as_date = book.add_format({"num_format": "yyyy-mm-dd"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    bold = book.add_format({"bold": True})

    ws = book.add_worksheet(KIND_NAMES[kind])
    columns = COLUMNS[kind]
    for pos, col in enumerate(columns):
        # Codes typed into a number cell lose leading zeros or turn into 5.3E+11: keep them text.
        fmt = as_text if col.type in ("code", "credit", "text", "week", "members") else \
            as_date if col.type == "date" else None
        ws.set_column(pos, pos, col.width, fmt)
        ws.write(0, pos, col.label, head_required if col.required else head)
        if col.type == "bool":
            ws.data_validation(1, pos, 100_000, pos, {
                "validate": "list", "source": [YES, NO, "有", "无", "1", "0"], "error_type": "warning"})
        elif col.type == "kind":
            ws.data_validation(1, pos, 100_000, pos, {
                "validate": "list", "source": list(KIND_LABELS.values()), "error_type": "warning"})
    ws.set_row(0, 36)
    ws.freeze_panes(1, 0)

    notes = book.add_worksheet("填写说明")
    notes.write(0, 0, f"{KIND_NAMES[kind]}导入模板 · 填写说明", bold)
    notes.merge_range(1, 0, 1, 5, "在第一个工作表的表头下逐行填写，一行一条；表头可用中文列名或字段名。导入要么全部成功，"
                      "要么全部不导入：任何一行有误，整个文件都不会保存，并列出每一处错误（行号按表格计，表头为第 1 行）。"
                      "底色为橙色的列必须保留在表中。", wrap)
    heads = ["列名（表头）", "字段名", "是否必有", "类型", "填写规则", "示例"]
    for pos, text in enumerate(heads):
        notes.write(3, pos, text, head)
    for r, col in enumerate(columns, start=4):
        notes.write_row(r, 0, [col.label, col.field, "是" if col.required else "否",
                               TYPE_LABELS[col.type], col.rule, col.example], wrap)
    for pos, width in enumerate([30, 34, 9, 22, 48, 22]):
        notes.set_column(pos, pos, width)
    notes.set_row(1, 48)
    book.close()
    return buffer.getvalue()
