"""The `bangfu` command line: migrate, create-user, demo, rebuild-rollups, serve, worker."""

import argparse
import os
import sys

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlmodel import Session

from app.config import get_settings
from app.db import create_db_engine
from app.errors import DomainError, Invalid


def _session() -> Session:
    return Session(create_db_engine(get_settings().database_url), expire_on_commit=False)


def cmd_migrate(_args: argparse.Namespace) -> int:
    from app.migrate import upgrade

    settings = get_settings()
    upgrade(settings.database_url, owner_url=settings.migration_database_url)
    print("数据库已升级到最新版本")
    return 0


def cmd_create_user(args: argparse.Namespace) -> int:
    from app.auth.models import UserCreate
    from app.auth.service import create_user

    try:
        data = UserCreate(username=args.username, password=args.password,
                          display_name=args.display_name or args.username, role=args.role,
                          region_code=args.region_code, unit_id=args.unit_id)
    except ValidationError as exc:
        for detail in exc.errors():
            print(f"错误：{'.'.join(map(str, detail['loc']))}: {detail['msg']}", file=sys.stderr)
        return 2
    with _session() as session:
        try:
            user = create_user(session, None, data)
            session.commit()
        except Invalid as exc:
            for err in exc.errors:
                print(f"错误：{err['loc'][-1]}: {err['msg']}", file=sys.stderr)
            return 2
        except DomainError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            return 2
    print(f"已创建用户 {user.username}（{user.role}）")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from app.demo import database_is_empty, load_demo

    settings = get_settings()
    with _session() as session:
        if not database_is_empty(session):
            if args.if_empty:
                print("数据库已有数据，跳过演示数据")
                return 0
            print("错误：数据库已有数据；演示数据只装入空数据库", file=sys.stderr)
            return 1
        summary = load_demo(session, settings)
        session.commit()
    print("演示数据已装入：" + "，".join(f"{k} {v}" for k, v in summary.items()))
    return 0


def cmd_rebuild_rollups(_args: argparse.Namespace) -> int:
    from app.stats.service import rebuild_rollups

    settings = get_settings()
    with Session(create_db_engine(settings.database_url), expire_on_commit=False) as session:
        rows = rebuild_rollups(session, settings)
        session.commit()
    print(f"县 × 周汇总已按台账重算：{rows} 行")
    return 0


def worker_count(database_url: str, requested: int | None) -> int:
    """How many server processes: on PostgreSQL as many as asked, by default one per core; on
    SQLite exactly one, whose write turn (app/db.py WriteTurn) orders the writers in one process."""
    if make_url(database_url).get_backend_name() == "sqlite":
        if requested not in (None, 1):
            raise Invalid.one(["workers"], "SQLite 数据库只能用一个服务进程（--workers 1）；多个进程请使用 PostgreSQL")
        return 1
    if requested is not None and requested < 1:
        raise Invalid.one(["workers"], "服务进程数至少为 1")
    return requested or os.cpu_count() or 1


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    try:
        workers = worker_count(get_settings().database_url, args.workers)
    except Invalid as exc:
        print(f"错误：{exc.errors[0]['msg']}", file=sys.stderr)
        return 2
    # The app reads X-Forwarded-For itself, from the proxies BANGFU_TRUSTED_PROXIES names.
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port,
                proxy_headers=False, workers=workers)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from app.worker import run

    run(get_settings(), args.threads)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bangfu", description="社会力量助力挂牌督战村 结对帮扶台账")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="create or upgrade the schema (Alembic)").set_defaults(func=cmd_migrate)

    user = sub.add_parser("create-user", help="create a user of any role")
    user.add_argument("--username", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True, choices=["admin", "officer", "liaison"])
    user.add_argument("--display-name")
    user.add_argument("--region-code", help="officer: province, city or county code; none = national")
    user.add_argument("--unit-id", type=int, help="liaison: the helping unit's id")
    user.set_defaults(func=cmd_create_user)

    demo = sub.add_parser("demo", help="load the demonstration campaign into an empty database")
    demo.add_argument("--if-empty", action="store_true", help="do nothing when data exists")
    demo.set_defaults(func=cmd_demo)

    sub.add_parser("rebuild-rollups", help="recompute the county × week rollup from the ledger").set_defaults(
        func=cmd_rebuild_rollups)

    serve = sub.add_parser("serve", help="serve the web application")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, help="server processes (PostgreSQL: default one per core; SQLite: 1)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="run the background jobs (the task queue's consumer)")
    worker.add_argument("--threads", type=int, help="worker threads (PostgreSQL: default 2; SQLite: 1)")
    worker.set_defaults(func=cmd_worker)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
