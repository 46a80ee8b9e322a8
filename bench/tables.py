"""Time the annex-3 tables on the benchmark database over real HTTP and print them next to the
targets, with the hand-written SQL of the national aggregate as the floor.

Usage: python bench/tables.py [--url …/bangfu_bench] [--port 8765]   (after bench/generate.py)
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import httpx
import psycopg
from sqlalchemy.engine import make_url

WEEK = "2020-W45"
COUNTY = "530101000000"  # 300 pairings
PROVINCE = "530000000000"  # 62 counties, 18,600 pairings
BIG_COUNTY = "659099000000"  # 10,000 pairings

FLOOR_SQL = """
SELECT v.province_code, count(*),
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
  AND (p.active OR p.ended_on >= %(start)s)
GROUP BY v.province_code
"""


def timed(fn, repeat: int) -> tuple[float, float]:
    fn()  # warm-up: connection pools, plans, caches of the OS
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), max(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    url = make_url(args.url)
    dsn = f"postgresql://{url.username}@{url.host}:{url.port or 5432}/{url.database}"
    env = {**os.environ, "BANGFU_DATABASE_URL": args.url, "BANGFU_TODAY": "2020-11-10"}

    subprocess.run([sys.executable, "-m", "app.cli", "create-user", "--username", "bench-national",
                    "--password", "bench-password", "--role", "officer"], env=env,
                   capture_output=True, check=False)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--port",
         str(args.port), "--log-level", "warning"], env=env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        with httpx.Client(base_url=base, timeout=120) as client:
            for _ in range(100):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            token = client.post("/api/v1/auth/token", data={
                "username": "bench-national", "password": "bench-password"}).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"

            def get(path: str, expect_rows: int | None = None):
                def call():
                    answer = client.get(path)
                    answer.raise_for_status()
                    if expect_rows is not None:
                        assert len(answer.json()["rows"]) == expect_rows, path
                    return answer
                return call

            county = get(f"/api/v1/counties/{COUNTY}/weekly-table?week={WEEK}", 300)
            province = get(f"/api/v1/provinces/{PROVINCE}/weekly-table?week={WEEK}", 62)
            national = get(f"/api/v1/national/weekly-table?week={WEEK}", 7)
            xlsx = get(f"/api/v1/counties/{BIG_COUNTY}/weekly-table?week={WEEK}&format=xlsx")
            size = len(xlsx().content)

            with psycopg.connect(dsn) as conn:
                def floor():
                    conn.execute(FLOOR_SQL, {"week": WEEK, "start": "2020-11-02", "end": "2020-11-08"}).fetchall()

                results = [
                    ("county table, 300 pairings", timed(county, 30), 0.050),
                    ("province table, 18,600 pairings", timed(province, 10), 0.500),
                    ("national table, 140,200 pairings", timed(national, 5), 2.0),
                    (f"xlsx export, 10,000 rows ({size / 1e6:.1f} MB)", timed(xlsx, 3), 3.0),
                    ("hand-written SQL floor (national)", timed(floor, 5), None),
                ]
                reports = conn.execute("SELECT count(*) FROM report").fetchone()[0]
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"\nBangfu tables on PostgreSQL, {reports:,} reports, week {WEEK}")
    print(f"{'what':45s} {'median':>10s} {'max':>10s} {'target':>10s}")
    for name, (median, worst), target in results:
        verdict = "" if target is None else ("ok" if median <= target else "OVER")
        shown = "" if target is None else f"{target * 1000:.0f} ms"
        print(f"{name:45s} {median * 1000:8.1f} ms {worst * 1000:7.1f} ms {shown:>10s}  {verdict}")
    ratio = results[2][1][0] / results[4][1][0]
    print(f"{'national table / SQL floor':45s} {ratio:9.2f}× {'':>10s} {'≤ 1.50×':>10s}  "
          f"{'ok' if ratio <= 1.5 else 'OVER'}")


if __name__ == "__main__":
    main()
