"""Time a weekly-report import through the real import service, side by side with the row-by-row
import it replaced, and measure its memory.

Usage: python bench/imports.py [--url postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench_imports]
                               [--url sqlite:///data/bench-imports.db]
                               [--pairings 500] [--weeks 10] [--rounds 2]

The database is dropped and re-created, migrated with Alembic, and given one county of
`--pairings` pairings with plans; a copy of it is kept as the template every run starts from. Files
of pairings × weeks report rows (500 × 10 = 5,000) are written as CSV and xlsx, then imported as
the county officer would: every row through ReportIn, the week rules, cumulative checks, lock,
audit and the S2–S6 flag rules. Each file is imported by the bulk import (every row checked, then
all saved in a few queries and batched writes) and by the row-by-row import (a savepoint and the
flow of one PUT per row), alternating A B A B, and the ratio is printed. A third file has one bad
row at the very end: the file is rejected and nothing is stored.

"transaction" is how long the import's write transaction was open, from its BEGIN (on SQLite
BEGIN IMMEDIATE, which takes the write lock, as the app's write engine does) to its COMMIT: how
long every other writer has to wait.

Each run happens in a fresh process, so that its peak resident memory (getrusage maxrss) is its
own. tracemalloc slows this allocation-heavy work about 2.5 times, so the timed runs go without
it, and the tracemalloc peak (Python allocations during the import only) comes from separate
traced runs: `--trace csv` (the default), `--trace csv,xlsx,bad`, `--trace all` or `--trace none`.
"""

import argparse
import csv
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

# Only the standard library at the top: the parent process stays small, because Linux carries a
# process's peak resident size across fork and exec into the children that measure it.

COUNTY = "530102000000"
TODAY = date(2020, 9, 30)
FIRST_MONDAY = date(2020, 4, 13)  # 2020-W16
FIELDS = ["pairing_id", "week", "funds_arrived_wan", "materials_arrived_wan", "industry_plan_done",
          "sales_done_wan", "jobs_done", "trained_done", "stationed_now", "beneficiaries", "progress"]


def settings_for(url: str):
    from app.config import Settings

    return Settings(database_url=url, today=TODAY, _env_file=None)


def build_database(url: str, pairings: int) -> list[int]:
    from sqlmodel import Session

    from app.auth.models import Role, User
    from app.db import create_db_engine
    from app.migrate import upgrade
    from app.pairings.models import Pairing, Plan
    from app.regions.models import Region, Village
    from app.units.models import Unit, credit_check_char

    drop(url)
    upgrade(url)
    engine = create_db_engine(url)
    with Session(engine) as session:
        session.add_all([Region(code="530000000000", name="云南省", level="province"),
                         Region(code="530100000000", name="昆明市", level="city", parent_code="530000000000"),
                         Region(code=COUNTY, name="五华区", level="county", parent_code="530100000000")])
        villages_needed = (pairings + 2) // 3  # three units a village, under the limit of five
        townships = sorted({f"530102{100 + n // 999:03d}000" for n in range(villages_needed)})
        session.add_all([Region(code=t, name=f"第{i + 1}镇", level="township", parent_code=COUNTY)
                         for i, t in enumerate(townships)])
        session.flush()
        villages = [Village(code=f"530102{100 + n // 999:03d}{n % 999 + 1:03d}", name=f"第{n + 1}村",
                            township_code=f"530102{100 + n // 999:03d}000", county_code=COUNTY,
                            city_code="530100000000", province_code="530000000000",
                            registered_poor=n % 2 == 0, poor_households=100, poor_population=400)
                    for n in range(villages_needed)]
        units = []
        for n in range(1, pairings + 1):
            first17 = f"91530102{n:09d}"
            units.append(Unit(name=f"帮扶单位{n:05d}有限公司", kind="private_enterprise",
                              credit_code=first17 + credit_check_char(first17), home_province="云南省",
                              home_city="昆明市", contact_name="联系人", contact_phone="0871-1234567"))
        session.add_all(villages + units)
        session.flush()
        rows = [Pairing(unit_id=units[n].id, village_id=villages[n // 3].id, signed_on=date(2020, 4, 8),
                        committed_funds_wan=Decimal(100), valid_until=date(2020, 12, 31))
                for n in range(pairings)]
        session.add_all(rows)
        session.flush()
        session.add_all([Plan(pairing_id=p.id, planned_funds_wan=Decimal(100), planned_materials_wan=Decimal(20),
                              sales_target_wan=Decimal(50), self_purchase_wan=Decimal(20),
                              market_link_wan=Decimal(30), jobs_target=20, unit_jobs=20, trainees_target=40,
                              will_station=True, stationed_target=2, members=["张三", "李四"],
                              start_date=date(2020, 5, 1), status="confirmed") for p in rows])
        session.add(User(username="county", password_hash="x", display_name="五华区扶贫办",
                         role=Role.officer, region_code=COUNTY))
        session.commit()
        ids = [p.id for p in rows]
    engine.dispose()
    return ids


def report_rows(pairing_ids: list[int], weeks: int, bad_last: bool):
    """Week after week, every pairing's cumulative figures growing towards its plan."""
    from app.common import week_of

    total = len(pairing_ids) * weeks
    n = 0
    for w in range(weeks):
        week = week_of(FIRST_MONDAY + timedelta(weeks=w))
        share = Decimal(w + 1) / Decimal(weeks)
        for pairing_id in pairing_ids:
            n += 1
            funds = (Decimal(100) * share).quantize(Decimal("0.01"))
            if bad_last and n == total:
                funds = Decimal(-1)
            yield [pairing_id, week, funds, (Decimal(20) * share).quantize(Decimal("0.01")), 0,
                   (Decimal(50) * share).quantize(Decimal("0.01")), int(20 * share), int(40 * share), 2,
                   int(200 * share) + 1, f"第 {w + 1} 周：按计划推进"]


def labels() -> list[str]:
    from app.imports.models import ImportKind
    from app.imports.templates import COLUMNS

    by_field = {c.field: c.label for c in COLUMNS[ImportKind.reports]}
    return [by_field[f] for f in FIELDS]


def write_csv(path: str, pairing_ids, weeks, bad_last=False) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(labels())
        for row in report_rows(pairing_ids, weeks, bad_last):
            writer.writerow(row)


def write_xlsx(path: str, pairing_ids, weeks) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("每周项目进展")
    sheet.write_row(0, 0, labels())
    for r, row in enumerate(report_rows(pairing_ids, weeks, False), start=1):
        # As Excel stores typed numbers: floats.
        sheet.write_row(r, 0, [float(v) if isinstance(v, Decimal) else v for v in row])
    book.close()


def _recreate(url: str, suffix: str = "", template: str | None = None) -> None:
    """Database `url` + `suffix` made again: empty, or a copy of `url` + `template`."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = str(parsed.database)
    if url.startswith("sqlite"):
        os.makedirs(os.path.dirname(os.path.abspath(name)), exist_ok=True)
        for extra in ("", "-wal", "-shm"):
            if os.path.exists(name + suffix + extra):
                os.unlink(name + suffix + extra)
        if template is not None:
            shutil.copyfile(name + template, name + suffix)
        return
    import psycopg

    admin = f"postgresql://{parsed.username}@{parsed.host}:{parsed.port or 5432}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}{suffix}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}{suffix}"' + (f' TEMPLATE "{name}{template}"' if template is not None else ""))


def drop(url: str) -> None:
    _recreate(url)


def keep_template(url: str) -> None:
    """The database as built, kept to start every run from (the audit trail refuses deletes)."""
    _recreate(url, "_template", template="")


def reset(url: str) -> None:
    _recreate(url, template="_template")


def run_import(url: str, path: str, trace: bool, importer: str, queue) -> None:
    """In a fresh process: import the file once, report time, memory and what was stored."""
    from sqlalchemy import event, func, select
    from sqlmodel import Session

    from app.auth.models import User
    from app.auth.policy import Principal
    from app.db import create_db_engine, writer
    from app.imports import service
    from app.imports.models import ImportKind
    from app.reports.models import Report

    settings = settings_for(url)
    engine = create_db_engine(url)
    marks: list[float] = []
    event.listen(engine, "begin", lambda _conn: marks.append(time.perf_counter()))
    event.listen(engine, "commit", lambda _conn: marks.append(time.perf_counter()))
    importers = service.IMPORTERS if importer == "bulk" else service.ROW_BY_ROW
    with Session(writer(engine), expire_on_commit=False) as session:
        actor = Principal.of(session.scalars(select(User).where(User.username == "county")).one())
        session.commit()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if trace:
            tracemalloc.start()
        started = time.perf_counter()
        marks.clear()
        with open(path, "rb") as raw:
            result = service.import_file(session, settings, actor, ImportKind.reports, raw, os.path.basename(path),
                                         importers=importers)
        session.commit()
        elapsed = time.perf_counter() - started
        held = marks[-1] - marks[0] if len(marks) >= 2 else 0.0
        peak = tracemalloc.get_traced_memory()[1] if trace else None
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        stored = session.scalar(select(func.count()).select_from(Report))
    engine.dispose()
    queue.put({"elapsed": elapsed, "held": held, "rows": result.rows, "created": result.created, "errors": result.errors[:3],
               "error_count": len(result.errors), "tracemalloc_peak": peak, "rss_before": rss_before * 1024,
               "rss_peak": rss_after * 1024, "stored": stored})


def reset_in_child(url: str, queue) -> None:
    reset(url)
    queue.put(None)


def prepare(url: str, pairings: int, weeks: int, files: dict[str, str], queue) -> None:
    """In a child process: the database, and the three files."""
    started = time.perf_counter()
    ids = build_database(url, pairings)
    built = time.perf_counter() - started
    write_csv(files["csv"], ids, weeks)
    write_xlsx(files["xlsx"], ids, weeks)
    write_csv(files["bad"], ids, weeks, bad_last=True)
    keep_template(url)
    queue.put({"pairings": len(ids), "built": built})


def in_child(target, *args) -> dict:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    child = ctx.Process(target=target, args=(*args, queue))
    child.start()
    outcome = queue.get()
    child.join()
    return outcome


def mb(n: int) -> str:
    return f"{n / (1024 * 1024):7.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench_imports")
    parser.add_argument("--pairings", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2, help="A B pairs per file")
    parser.add_argument("--trace", default="csv", help="runs to repeat under tracemalloc: csv,xlsx,bad, all or none")
    parser.add_argument("--files", default="csv,xlsx,bad", help="which files to import: csv, xlsx, bad")
    parser.add_argument("--importers", default="bulk,row by row",
                        help="bulk, row by row, or both (row by row on PostgreSQL slows as the file grows: "
                             "50 ms a row at 1,000 rows, 22 ms at 400, against 4 ms on SQLite)")
    args = parser.parse_args()
    rows = args.pairings * args.weeks
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        files = {"csv": os.path.join(tmp, "reports.csv"), "xlsx": os.path.join(tmp, "reports.xlsx"),
                 "bad": os.path.join(tmp, "reports-bad-last-row.csv")}
        ready = in_child(prepare, args.url, args.pairings, args.weeks, files)
        print(f"database {args.url.split('@')[-1]}: {ready['pairings']:,} pairings with plans in {ready['built']:.1f} s")
        for name, path in files.items():
            print(f"file {name:4s}: {rows:,} rows, {os.path.getsize(path) / 1e6:.1f} MB")
        parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(f"(this parent process: maxrss {mb(parent).strip()})")
        runs = [(name, label) for name, label in (("csv", "CSV, all good"), ("xlsx", "xlsx, all good"),
                                                  ("bad", "CSV, last row bad")) if name in args.files.split(",")]
        importers = [name.strip() for name in args.importers.split(",")]
        traced = {"all": set(files), "none": set()}.get(args.trace, set(args.trace.split(",")))
        print(f"\n{'run':34s} {'time':>7s} {'rows/s':>7s} {'transaction':>11s} {'tracemalloc peak':>17s}"
              f" {'maxrss at start':>16s} {'maxrss peak':>12s}  outcome")
        for name, label in runs:
            times: dict[str, list[float]] = {name: [] for name in importers}
            for _round in range(args.rounds):
                for importer in times:
                    out = _one(args.url, files[name], False, importer, name, rows)
                    times[importer].append(out["elapsed"])
                    print(f"{label + ', ' + importer:34s} {_line(out)}", flush=True)
            if len(times) == 2:
                bulk, naive = (sorted(v)[len(v) // 2] for v in times.values())
                print(f"{'  ratio, medians (row by row / bulk)':34s} {naive / bulk:6.1f}x    "
                      f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        for name, label in runs:
            if name in traced:
                out = _one(args.url, files[name], True, "bulk", name, rows)
                print(f"{label + ', bulk [traced]':34s} {_line(out)}", flush=True)


def _one(url: str, path: str, trace: bool, importer: str, name: str, rows: int) -> dict:
    in_child(reset_in_child, url)
    out = in_child(run_import, url, path, trace, importer)
    if name == "bad":
        assert out["error_count"] == 1 and out["stored"] == 0, out
        first = out["errors"][0]
        out["outcome"] = f"rejected: row {first['row']} “{first['column']}”, {out['stored']} stored"
    else:
        assert out["error_count"] == 0 and out["stored"] == rows, out
        out["outcome"] = f"{out['created']:,} created, {out['stored']:,} stored"
    return out


def _line(out: dict) -> str:
    peak = mb(out["tracemalloc_peak"]) if out["tracemalloc_peak"] is not None else "(not traced)"
    return (f"{out['elapsed']:6.2f}s {out['rows'] / out['elapsed']:7.0f} {out['held']:10.2f}s {peak:>17s} "
            f"{mb(out['rss_before']):>16s} {mb(out['rss_peak']):>12s}  {out['outcome']}")


if __name__ == "__main__":
    main()
