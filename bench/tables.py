"""The speed targets of issue 12, measured on the benchmark database over real HTTP, each next to
the naive way it replaced where there is one, alternating A B A B in the same run, with the ratio.

Usage: python bench/tables.py [--url …/bangfu_bench] [--port 8765] [--workers N]
                              [--clients 50] [--seconds 20]          (after bench/generate.py)

  county table JSON / HTML page   the app's answer (and the page under 10 concurrent viewers)
  province / national table       the maintained county × week rollup (app.rollups), against the
                                  per-pairing LATERAL latest-report aggregate it replaced, run as
                                  hand-written SQL on the same database
  xlsx export, 10,000 rows        over HTTP; in-process, XlsxWriter constant_memory against the
                                  in-memory workbook it replaced, with each one's Python peak
  county page, 10 viewers         from wrk too when it is there, with a logged-in officer's cookie
  weekly-report PUT               `--clients` concurrent connections for `--seconds` from wrk
                                  (Debian's `wrk`: a C load generator, so the client does not eat
                                  the 2 cores the server needs; an asyncio httpx client otherwise),
                                  against GET /healthz at the same concurrency (the server's floor:
                                  one SELECT 1, no ledger)

The machine's load average is printed before and after: on a shared machine absolute times drift,
the ratios much less.
"""

import argparse
import asyncio
import os
import random
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

WEEK = "2020-W45"
PUT_WEEK = "2020-W46"  # the benchmark's today (2020-11-10): every PUT is a new report or its replacement
COUNTY = "530101000000"  # 300 pairings
PROVINCE = "530000000000"  # 62 counties, 18,600 pairings
BIG_COUNTY = "659099000000"  # 10,000 pairings
TODAY = "2020-11-10"
USER, PASSWORD = "bench-admin", "bench-password-42"

NAIVE_SQL = """
SELECT {group}, count(*),
       sum(CASE WHEN r.week = %(week)s THEN 1 ELSE 0 END),
       sum(CASE WHEN r.week = %(week)s AND NOT r.late THEN 1 ELSE 0 END),
       sum(pl.planned_funds_wan), sum(r.funds_arrived_wan),
       sum(pl.planned_materials_wan), sum(r.materials_arrived_wan),
       sum(CASE WHEN pl.has_project THEN 1 ELSE 0 END),
       sum(CASE WHEN r.industry_plan_done THEN 1 ELSE 0 END),
       sum(pl.sales_target_wan), sum(r.sales_done_wan), sum(pl.jobs_target), sum(r.jobs_done),
       sum(pl.trainees_target), sum(r.trained_done),
       sum(CASE WHEN pl.will_station THEN 1 ELSE 0 END), sum(r.stationed_now)
FROM pairing p
JOIN village v ON v.id = p.village_id
LEFT JOIN plan pl ON pl.pairing_id = p.id
LEFT JOIN LATERAL (
    SELECT * FROM report r WHERE r.pairing_id = p.id AND r.week <= %(week)s
    ORDER BY r.week DESC LIMIT 1
) r ON true
WHERE p.signed_on <= %(end)s AND p.valid_until >= %(start)s
  AND (p.active OR p.ended_on >= %(start)s) {where}
GROUP BY {group}
"""
WEEK_DATES = {"start": "2020-11-02", "end": "2020-11-08"}


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def side_by_side(a: Callable[[], Any], b: Callable[[], Any] | None, rounds: int) -> tuple[list[float], list[float]]:
    """Each callable once to warm up, then alternately `rounds` times: (a's seconds, b's seconds)."""
    a()
    if b is not None:
        b()
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(rounds):
        for fn, out in ((a, times_a), (b, times_b)):
            if fn is None:
                continue
            started = time.perf_counter()
            fn()
            out.append(time.perf_counter() - started)
    return times_a, times_b


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


class Report:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str, str, str, str]] = []

    def add(self, what: str, figure: str, target: str, met: bool | None, naive: str = "", ratio: str = "") -> None:
        verdict = "" if met is None else ("met" if met else "NOT MET")
        self.lines.append((what, figure, target, verdict, naive, ratio))

    def print(self) -> None:
        heads = ("what", "figure", "target", "", "naive way (same run)", "ratio")
        widths = [max(len(str(row[i])) for row in [heads, *self.lines]) for i in range(6)]
        for row in [heads, *self.lines]:
            print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))


async def put_load(base: str, token: str, pairing_ids: list[int], clients: int, seconds: float,
                   path: Callable[[int], str] | None = None) -> tuple[int, list[float], int]:
    """`clients` concurrent clients, each sending its next request when the last is answered, for
    `seconds`: (answers, latencies, failures). `path` given: GETs of it, else report PUTs."""
    latencies: list[float] = []
    failures = 0
    stop = time.perf_counter() + seconds
    rng = random.Random(12)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits,
                                 headers={"Authorization": f"Bearer {token}"}) as client:
        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < stop:
                pid = rng.choice(pairing_ids)
                started = time.perf_counter()
                if path is not None:
                    answer = await client.get(path(pid))
                else:
                    answer = await client.put(f"/api/v1/pairings/{pid}/reports/{PUT_WEEK}", json=body(rng))
                latencies.append(time.perf_counter() - started)
                if answer.status_code not in (200, 201):
                    failures += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return len(latencies), latencies, failures


def body(rng: random.Random) -> dict[str, Any]:
    # Far above any generated figure, so no decrease and no correction note is needed.
    return {"funds_arrived_wan": str(rng.randint(600, 900)), "materials_arrived_wan": "120",
            "industry_plan_done": True, "sales_done_wan": "300", "jobs_done": 40, "trained_done": 100,
            "stationed_now": 2, "beneficiaries": 300, "progress": "按计划推进，本周完成大棚建设"}


WRK_SCRIPT = """
local ids = {%(ids)s}
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s"}
math.randomseed(12)
request = function()
  %(request)s
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d\\n", summary.requests,
    e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.duration))
end
"""
PUT_REQUEST = (
    'local body = string.format(\'{"funds_arrived_wan": "%d", "materials_arrived_wan": "120", '
    '"industry_plan_done": true, "sales_done_wan": "300", "jobs_done": 40, "trained_done": 100, '
    '"stationed_now": 2, "beneficiaries": 300, "progress": "按计划推进，本周完成大棚建设"}\', math.random(600, 900))\n'
    '  return wrk.format("PUT", "/api/v1/pairings/" .. ids[math.random(#ids)] .. "/reports/' + PUT_WEEK
    + '", headers, body)')
FLOOR_REQUEST = 'return wrk.format("GET", "/healthz", headers)'
# A logged-in officer's browser: the session cookie, and gzip as every browser asks.
PAGE_REQUEST = ('return wrk.format("GET", "%(path)s", {["Cookie"] = "%(cookie)s", '
                '["Accept-Encoding"] = "gzip, deflate"})')


def wrk_load(base: str, token: str, pairing_ids: list[int], clients: int, seconds: float,
             request: str) -> tuple[float, float, float, float, int] | None:
    """(req/s, p50, p95, p99 in seconds, failures) from wrk, or None without wrk."""
    import shutil
    import tempfile

    if shutil.which("wrk") is None:
        return None
    sample = random.Random(3).sample(pairing_ids, min(5000, len(pairing_ids)))
    script = WRK_SCRIPT % {"ids": ",".join(map(str, sample)) or "0", "token": token, "request": request}
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as f:
        f.write(script)
        f.flush()
        out = subprocess.run(["wrk", "-t2", f"-c{clients}", f"-d{int(seconds)}s", "--timeout", "30s",
                              "-s", f.name, base], capture_output=True, text=True, check=True).stdout
    n, failures, p50, p95, p99, duration = (int(x) for x in out.split("RESULT")[1].split())
    return n / (duration / 1e6), p50 / 1e6, p95 / 1e6, p99 / 1e6, failures


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def login_page_client(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "no csrf token on the login page"
    answer = client.post("/login", data={"username": USER, "password": PASSWORD, "csrf_token": token.group(1),
                                         "next": "/"})
    assert answer.status_code in (200, 303), answer.status_code
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=None, help="bangfu serve --workers (default: cores)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    url = make_url(args.url)
    dsn = f"postgresql://{url.username}@{url.host}:{url.port or 5432}/{url.database}"
    env = {**os.environ, "BANGFU_DATABASE_URL": args.url, "BANGFU_TODAY": TODAY}
    print(f"start: {load()}, {os.cpu_count()} cores", flush=True)

    subprocess.run([sys.executable, "-m", "app.cli", "create-user", "--username", USER,
                    "--password", PASSWORD, "--role", "admin"], env=env, capture_output=True, check=False)
    serve = [sys.executable, "-m", "app.cli", "serve", "--port", str(args.port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = subprocess.Popen(serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    report = Report()
    try:
        with httpx.Client(base_url=base, timeout=120) as client, psycopg.connect(dsn) as db:
            for _ in range(200):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            token = client.post("/api/v1/auth/token", data={"username": USER, "password": PASSWORD}).json()[
                "access_token"]
            client.headers["Authorization"] = f"Bearer {token}"

            def get(path: str, rows: int | None = None) -> Callable[[], httpx.Response]:
                def call() -> httpx.Response:
                    answer = client.get(path)
                    answer.raise_for_status()
                    if rows is not None:
                        assert len(answer.json()["rows"]) == rows, path
                    return answer
                return call

            def naive(group: str, where: str, params: dict[str, Any]) -> Callable[[], Any]:
                sql = NAIVE_SQL.format(group=group, where=where)
                return lambda: db.execute(sql, {"week": WEEK, **WEEK_DATES, **params}).fetchall()

            # County table, JSON and page.
            county, _ = side_by_side(get(f"/api/v1/counties/{COUNTY}/weekly-table?week={WEEK}", 300), None, 30)
            report.add("county table JSON, 300 pairings", ms(statistics.median(county)), "≤ 25 ms",
                       statistics.median(county) <= 0.025)
            pages = login_page_client(base)
            page_path = f"/counties/{COUNTY}/table?week={WEEK}"
            page, _ = side_by_side(lambda: pages.get(page_path).raise_for_status(), None, 20)
            report.add("county table HTML page", ms(statistics.median(page)), "≤ 50 ms",
                       statistics.median(page) <= 0.050)
            cookies = dict(pages.cookies)
            watched = wrk_load(base, "", [], 10, min(args.seconds, 10), PAGE_REQUEST % {
                "path": page_path, "cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
            if watched is not None:
                viewers, viewer_tool = watched[0], f"wrk, p99 {ms(watched[3])}"
            else:
                viewers = asyncio.run(_viewers(base, cookies, page_path, 10, min(args.seconds, 10)))
                viewer_tool = "asyncio httpx client"
            report.add(f"county page, 10 concurrent viewers ({viewer_tool})", f"{viewers:,.0f} req/s", "≥ 60 req/s",
                       viewers >= 60)

            # Province and national tables: the maintained rollup against the LATERAL aggregate.
            for what, path, rows, group, where, params, target in (
                ("province table, 18,600 pairings", f"/api/v1/provinces/{PROVINCE}/weekly-table?week={WEEK}", 62,
                 "v.county_code", "AND v.province_code = %(province)s", {"province": PROVINCE}, 0.060),
                ("national table, 140,200 pairings", f"/api/v1/national/weekly-table?week={WEEK}", 7,
                 "v.province_code", "", {}, 0.100),
            ):
                a, b = side_by_side(get(path, rows), naive(group, where, params), 7)
                ma, mb = statistics.median(a), statistics.median(b)
                report.add(what, ms(ma), f"≤ {target * 1000:.0f} ms", ma <= target,
                           f"LATERAL aggregate (SQL only) {ms(mb)}", f"{mb / ma:,.1f}× faster")

            # xlsx: over HTTP, and in-process constant_memory against the in-memory workbook.
            xlsx = get(f"/api/v1/counties/{BIG_COUNTY}/weekly-table?week={WEEK}&format=xlsx")
            rss_before = _rss(server.pid)
            over_http, _ = side_by_side(xlsx, None, 3)
            rss_after = _rss(server.pid)
            stream, memory, peaks = _xlsx_side_by_side(args.url)
            report.add("xlsx export, 10,000 rows (HTTP)", ms(statistics.median(over_http)), "≤ 1,500 ms",
                       statistics.median(over_http) <= 1.5,
                       f"server resident +{(rss_after - rss_before) / 1e6:,.0f} MB" if rss_before else "")
            report.add("xlsx writing alone (in-process)", ms(statistics.median(stream)), "≤ 30 MB extra",
                       peaks[0] <= 30e6, f"in-memory workbook {ms(statistics.median(memory))}, "
                       f"peak {peaks[0] / 1e6:,.0f} MB vs {peaks[1] / 1e6:,.0f} MB",
                       f"{statistics.median(memory) / statistics.median(stream):,.2f}×")

            # Concurrent weekly-report PUTs, against the server's floor at the same concurrency.
            pairing_ids = [row[0] for row in db.execute(
                "SELECT p.id FROM pairing p JOIN village v ON v.id = p.village_id "
                "WHERE v.county_code <> %(big)s AND p.active ORDER BY p.id", {"big": BIG_COUNTY})]
            loaded = wrk_load(base, token, pairing_ids, args.clients, args.seconds, PUT_REQUEST)
            floor = wrk_load(base, token, pairing_ids, args.clients, min(args.seconds, 10), FLOOR_REQUEST)
            tool = "wrk"
            if loaded is None or floor is None:
                tool = "asyncio httpx client"
                n, latencies, failures = asyncio.run(put_load(base, token, pairing_ids, args.clients, args.seconds))
                floor_n, floor_lat, _ = asyncio.run(put_load(base, token, pairing_ids, args.clients,
                                                             min(args.seconds, 10), path=lambda _p: "/healthz"))
                loaded = (n / args.seconds, pct(latencies, 50), pct(latencies, 95), pct(latencies, 99), failures)
                floor = (floor_n / min(args.seconds, 10), 0.0, 0.0, pct(floor_lat, 99), 0)
            rate, p50, p95, p99, failures = loaded
            report.add(f"report PUT, {args.clients} concurrent clients ({tool})",
                       f"{rate:,.0f} req/s, p50 {ms(p50)} p95 {ms(p95)} p99 {ms(p99)}"
                       + (f", {failures} failed" if failures else ""),
                       "≥ 150 req/s, p99 ≤ 250 ms", rate >= 150 and p99 <= 0.250 and not failures,
                       f"GET /healthz {floor[0]:,.0f} req/s, p99 {ms(floor[3])}",
                       f"{rate / floor[0]:.2f} of the floor")
            reports = db.execute("SELECT count(*) FROM report").fetchone()[0]
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"\nBangfu on PostgreSQL, {reports:,} reports, week {WEEK}; end: {load()}\n")
    report.print()


async def _viewers(base: str, cookies: dict[str, str], path: str, viewers: int, seconds: float) -> float:
    done = 0
    stop = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=60) as client:
        async def viewer() -> None:
            nonlocal done
            while time.perf_counter() < stop:
                (await client.get(path)).raise_for_status()
                done += 1

        await asyncio.gather(*(viewer() for _ in range(viewers)))
    return done / seconds


def _rss(pid: int) -> int:
    """Resident bytes of the server and its worker processes."""
    total = 0
    pids = [pid] + [int(c) for task in os.listdir(f"/proc/{pid}/task")
                    for c in open(f"/proc/{pid}/task/{task}/children").read().split()]
    for p in pids:
        try:
            for line in open(f"/proc/{p}/status"):
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except FileNotFoundError:
            pass
    return total


def _xlsx_side_by_side(url: str) -> tuple[list[float], list[float], tuple[int, int]]:
    from sqlmodel import Session

    from app.auth.policy import Principal
    from app.config import Settings
    from app.db import create_db_engine
    from app.stats import export
    from app.stats.policy import county_access
    from app.stats.service import county_table

    settings = Settings(database_url=url, today=TODAY, _env_file=None)
    engine = create_db_engine(url)
    with Session(engine) as session:
        from sqlmodel import select

        from app.auth.models import User

        admin = session.exec(select(User).where(User.username == USER)).one()
        table = county_table(session, settings, county_access(session, Principal.of(admin), BIG_COUNTY), WEEK)
    engine.dispose()
    sheet = export.county_sheet(table)
    stream, memory = side_by_side(lambda: export.to_xlsx(sheet, []),
                                  lambda: export.to_xlsx(sheet, [], constant_memory=False), 3)
    peaks = []
    for constant in (True, False):
        tracemalloc.start()
        export.to_xlsx(sheet, [], constant_memory=constant)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return stream, memory, (peaks[0], peaks[1])


if __name__ == "__main__":
    main()
