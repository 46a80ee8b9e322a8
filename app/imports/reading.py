"""Reading an uploaded CSV or xlsx file row by row, straight from the upload's temporary file: the
file is never read into memory as a whole, and never held twice."""

import codecs
import csv
import io
import zipfile
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import BinaryIO

from app.errors import Invalid

FORMATS = {".csv": "csv", ".xlsx": "xlsx"}
MAX_ROWS = 100_000  # data rows a file may hold: beyond that, split the file
CHUNK = 1 << 16

Row = tuple[int, list[object]]  # (spreadsheet row number: the header is 1, cells)


def file_error(msg: str) -> Invalid:
    return Invalid.one(["body", "file"], msg)


def file_format(filename: str | None) -> str:
    name = (filename or "").strip().lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    if name.endswith((".xls", ".et", ".wps")):
        raise file_error(f"不支持旧版 Excel 文件“{filename}”：请在 Excel 中另存为 .xlsx 或 .csv 后再导入")
    raise file_error(f"只能导入 .csv 或 .xlsx 文件，收到的是“{filename or '（无文件名）'}”")


def _encoding(raw: BinaryIO) -> str:
    """UTF-8 (with or without BOM) when the whole file decodes as such; otherwise GB18030, the
    superset of the GBK that Chinese Excel uses when it saves CSV. UTF-16 when it has a BOM
    (Excel's “Unicode 文本”). Decoded chunk by chunk: nothing is kept."""
    head = raw.read(4)
    raw.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := raw.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
        finally:
            raw.seek(0)
    raise file_error("无法识别文件的文字编码：请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入")


def _delimiter(first_line: str) -> str:
    """Comma, unless the header row is plainly tab- or semicolon-separated."""
    counts = {d: first_line.count(d) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(raw: BinaryIO) -> Generator[Row]:
    raw.seek(0)
    text = io.TextIOWrapper(raw, encoding=_encoding(raw), newline="")
    try:
        first = text.readline()
        text.seek(0)
        reader = csv.reader(text, delimiter=_delimiter(first))
        number = 0
        try:
            for number, cells in enumerate(reader, start=1):
                row: list[object] = list(cells)
                yield number, row
        except csv.Error as exc:
            raise file_error(f"第 {number + 1} 行无法按 CSV 读取（{exc}）：请检查引号是否成对") from None
    finally:
        text.detach()  # the upload stays open: its owner closes it


# What an xlsx may expand to before openpyxl opens it: openpyxl holds the shared strings in memory
# as a whole, and a zip can hide a 300 MB string in 300 KB. Generous for 100,000 real rows.
XLSX_MEMBER_MAX = 128 << 20  # any one part, uncompressed
XLSX_TOTAL_MAX = 256 << 20  # all parts together
XLSX_SHARED_STRINGS_MAX = 24 << 20
XLSX_RATIO_MAX = 100  # a part larger than 1 MiB compressed more than this is a bomb, not a sheet
XLSX_COLUMNS_MAX = 200  # cells of a row read: the templates have at most 30 columns


def _check_zip(raw: BinaryIO) -> None:
    """Refuse an xlsx whose parts would expand past the limits, from the zip's own directory,
    before anything is decompressed."""
    try:
        members = zipfile.ZipFile(raw).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise file_error("无法打开 xlsx 文件：请确认文件没有损坏，并且是 Excel 2007 及以后的 .xlsx 格式") from None
    finally:
        raw.seek(0)
    too_big = "xlsx 文件解压后过大或压缩比异常，不像是填写的模板：请在 Excel 中另存为 .xlsx 或 .csv 后再导入"
    if sum(m.file_size for m in members) > XLSX_TOTAL_MAX:
        raise file_error(too_big)
    for m in members:
        ratio = m.file_size / max(m.compress_size, 1)
        shared = m.filename.lower().endswith("sharedstrings.xml")
        if (m.file_size > XLSX_MEMBER_MAX or (shared and m.file_size > XLSX_SHARED_STRINGS_MAX)
                or (m.file_size > (1 << 20) and ratio > XLSX_RATIO_MAX)):
            raise file_error(too_big)


def _xlsx_rows(raw: BinaryIO) -> Generator[Row]:
    from openpyxl import load_workbook  # imported when needed: a large module

    raw.seek(0)
    _check_zip(raw)
    try:
        book = load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:  # whatever is wrong inside the zip, the file cannot be read
        raise file_error(f"无法打开 xlsx 文件（{type(exc).__name__}）：请确认文件没有损坏，"
                         "并且是 Excel 2007 及以后的 .xlsx 格式") from None
    try:
        if not book.worksheets:
            raise file_error("xlsx 文件中没有工作表")
        sheet = book.worksheets[0]
        # The recorded dimension is only a hint (some tools write a wrong one), and read-only
        # mode would cut rows and columns beyond it: read the sheet as it is.
        sheet.reset_dimensions()
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True, max_col=XLSX_COLUMNS_MAX), start=1):
                yield number, list(cells)
        except Exception as exc:
            raise file_error(f"xlsx 文件内容无法读取（{type(exc).__name__}）：请确认文件没有损坏") from None
    finally:
        book.close()


@contextmanager
def open_rows(raw: BinaryIO, fmt: str) -> Iterator[Iterator[Row]]:
    """The file's rows, one at a time."""
    rows = _xlsx_rows(raw) if fmt == "xlsx" else _csv_rows(raw)
    try:
        yield rows
    finally:
        rows.close()


def is_blank(cells: list[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def cell_text(value: object) -> str | None:
    """A cell as the text a person typed: None when empty. Numbers from xlsx arrive as float:
    15 significant digits is what Excel keeps of a typed number, so 0.1+0.2 reads as "0.3" and
    12.5 as "12.5", never a binary artefact; whole numbers lose the ".0"."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)  # refused by the model as not a finite number
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(format(value, ".15g")), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip() or None
