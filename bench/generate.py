"""Fill PostgreSQL with a campaign of a given scale, by default the national one: 140,000 pairings
in 7 provinces (counties of 300 pairings, and one county of 10,000 for the xlsx export), 30 weeks.

Usage: python bench/generate.py [--url postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench]
                                [--pairings 140000]
The database is dropped and re-created, migrated with Alembic, then filled with COPY; the county ×
week rollup the province and national tables read is then rebuilt from it (`bangfu
rebuild-rollups`), since COPY goes past the services that keep it.
"""

import argparse
import random
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.common import parse_week, week_of
from app.config import Settings
from app.db import create_db_engine
from app.migrate import upgrade
from app.stats.service import rebuild_rollups
from app.units.models import credit_check_char

PROVINCES = [("530000000000", "云南省"), ("620000000000", "甘肃省"), ("510000000000", "四川省"),
             ("520000000000", "贵州省"), ("450000000000", "广西壮族自治区"),
             ("640000000000", "宁夏回族自治区"), ("650000000000", "新疆维吾尔自治区")]
PAIRINGS_PER_COUNTY = 300
BIG_COUNTY_PAIRINGS = 10_000  # at the national scale; a smaller campaign's big county is smaller
VILLAGES_PER_COUNTY = 120  # 2.5 pairings a village on average
FIRST_WEEK = date(2020, 4, 13)  # 2020-W16
WEEKS = [week_of(FIRST_WEEK + timedelta(weeks=i)) for i in range(30)]  # W16 … W45
BIG_COUNTY = "659099000000"  # a county of 10,000 pairings, for the xlsx export


def counties(per_province: int):
    for p_code, p_name in PROVINCES:
        for c in range(1, per_province + 1):
            city = p_code[:2] + f"{(c - 1) // 10 + 1:02d}"
            yield p_code, city + "00000000", f"{city}{(c - 1) % 10 + 1:02d}000000", f"{p_name[:2]}第{c}县"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench")
    parser.add_argument("--pairings", type=int, default=140_000, help="pairings in all (at least 1,000)")
    args = parser.parse_args()
    big_pairings = min(BIG_COUNTY_PAIRINGS, max(args.pairings // 14, 300))
    per_province = max(1, -(-(args.pairings - big_pairings) // (PAIRINGS_PER_COUNTY * len(PROVINCES))))
    url = make_url(args.url)
    admin_dsn = f"postgresql://{url.username}@{url.host}:{url.port or 5432}/postgres"
    with psycopg.connect(admin_dsn, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{url.database}"')
    upgrade(args.url)
    rng = random.Random(7)
    started = time.perf_counter()
    dsn = f"postgresql://{url.username}@{url.host}:{url.port or 5432}/{url.database}"
    now = datetime(2020, 11, 10, tzinfo=UTC)
    with psycopg.connect(dsn) as conn:
        regions, villages = [], []
        county_list = list(counties(per_province)) + [("650000000000", "659000000000", BIG_COUNTY, "示范大县")]
        seen_cities = set()
        for p_code, p_name in PROVINCES:
            regions.append((p_code, p_name, "province", None))
        for p_code, city, county, name in county_list:
            if city not in seen_cities:
                seen_cities.add(city)
                regions.append((city, f"{city[:4]}市", "city", p_code))
            regions.append((county, name, "county", city))
            township = county[:6] + "100000"
            regions.append((township, f"{name}第一镇", "township", county))
        pairings_per = {c[2]: PAIRINGS_PER_COUNTY for c in county_list}
        pairings_per[BIG_COUNTY] = big_pairings
        vid = 0
        village_ids = {}
        for p_code, city, county, _name in county_list:
            n_villages = max(VILLAGES_PER_COUNTY, pairings_per[county] * 2 // 5)
            ids = []
            for v in range(1, n_villages + 1):
                vid += 1
                code = county[:6] + f"{100 + (v - 1) // 999:03d}{(v - 1) % 999 + 1:03d}"
                township = code[:9] + "000"
                villages.append((vid, code, f"第{v}村", township, county, city, p_code, True,
                                 rng.random() < 0.9, rng.randint(40, 300), rng.randint(150, 1200)))
                ids.append(vid)
            village_ids[county] = ids
        # extra townships for villages beyond the first 999
        extra = {(v[3], v[4]) for v in villages} - {(r[0], r[3]) for r in regions if r[2] == "township"}
        regions += [(t, f"{t}镇", "township", c) for t, c in sorted(extra)]

        n_units = 20_000
        units = []
        for u in range(1, n_units + 1):
            first17 = f"91110000{u:09d}"
            units.append((u, f"帮扶单位{u:06d}有限公司", rng.choice(
                ["private_enterprise"] * 6 + ["social_org", "state_owned", "other"]),
                first17 + credit_check_char(first17), "北京市", "北京市", "联系人", "13800000000", now))

        pairings, plans, reports = [], [], []
        pid = 0
        for _p, _city, county, _name in county_list:
            ids = village_ids[county]
            used = set()
            for k in range(pairings_per[county]):
                village = ids[k % len(ids)]
                unit = rng.randint(1, n_units)
                while (unit, village) in used:
                    unit = rng.randint(1, n_units)
                used.add((unit, village))
                pid += 1
                signed = date(2020, 4, 20) + timedelta(days=rng.randint(0, 40))
                funds = rng.choice([20, 50, 100, 200, 500])
                pairings.append((pid, unit, village, signed, funds, date(2020, 12, 31), True, now))
                jobs, trainees = rng.choice([0, 10, 20, 40]), rng.choice([0, 20, 50, 100])
                station = rng.random() < 0.6
                plans.append((pid, pid, funds, funds // 5, "", station, "", funds // 2, funds // 4,
                              funds // 4, jobs, jobs, 0, 0, 0, trainees, "", station, 2 if station else 0,
                              "[]", date(2020, 6, 1) if station else None, "confirmed", 1, now))
                pace = rng.uniform(0.01, 0.04)
                for w, week in enumerate(WEEKS, start=1):
                    if rng.random() < 0.05:
                        continue
                    share = min(1.0, pace * w)
                    reports.append((pid, week, parse_week(week), round(funds * share, 2),
                                    round(funds / 5 * share, 2), share >= 1, round(funds / 2 * share, 2),
                                    int(jobs * share), int(trainees * share), 2 if station else 0,
                                    int(300 * share), "按计划推进", "submitted", rng.random() < 0.1,
                                    now, now))
        with conn.cursor() as cur:
            copies = [
                ("region (code, name, level, parent_code)", regions),
                ("village (id, code, name, township_code, county_code, city_code, province_code, "
                 "listed, registered_poor, poor_households, poor_population)", villages),
                ("unit (id, name, kind, credit_code, home_province, home_city, contact_name, "
                 "contact_phone, created_at)", units),
                ("pairing (id, unit_id, village_id, signed_on, committed_funds_wan, valid_until, "
                 "active, created_at)", pairings),
                ("plan (id, pairing_id, planned_funds_wan, planned_materials_wan, usage_plan, "
                 "has_project, project_plan, sales_target_wan, self_purchase_wan, market_link_wan, "
                 "jobs_target, unit_jobs, outside_jobs, entrepreneurship_jobs, public_welfare_jobs, "
                 "trainees_target, training_plan, will_station, stationed_target, members, start_date, "
                 "status, version, updated_at)", plans),
                ("report (pairing_id, week, week_start, funds_arrived_wan, materials_arrived_wan, "
                 "industry_plan_done, sales_done_wan, jobs_done, trained_done, stationed_now, "
                 "beneficiaries, progress, status, late, first_submitted_at, submitted_at)", reports),
            ]
            regions.sort(key=lambda r: {"province": 0, "city": 1, "county": 2, "township": 3}[r[2]])
            for target, rows in copies:
                with cur.copy(f"COPY {target} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                print(f"  {target.split()[0]:8s} {len(rows):>9,} rows", flush=True)
            for table in ("village", "unit", "pairing", "plan", "report"):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE")
    print(f"generated {len(pairings):,} pairings and {len(reports):,} reports "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    settings = Settings(database_url=args.url, today=date(2020, 11, 10), _env_file=None)
    engine = create_db_engine(args.url)
    with Session(engine) as session:
        rows = rebuild_rollups(session, settings)
        session.commit()
    engine.dispose()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE county_week")
    print(f"rebuilt the county × week rollup: {rows:,} rows in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
