"""Database engine (SQLite pragmas for the embedded default), the request-scoped session, and what
a busy or unreachable database answers.

SQLite has one writer at a time. A transaction that reads and then writes (deferred BEGIN) cannot
wait for the write lock: SQLite refuses the upgrade at once ("database is locked"). So a request
that may write begins with BEGIN IMMEDIATE, which takes the write lock first and waits for it up
to the busy timeout; a request that only reads begins deferred and never waits (WAL)."""

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import Depends, Request
from sqlalchemy import Connection, Engine, Table, event, exc, insert, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, create_engine

from app.errors import Unavailable

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WRITES = "bangfu_writes"  # execution option: this connection's transactions will write
BUSY_TIMEOUT_SECONDS = 10.0  # how long a writer waits for SQLite's write lock before 503


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
        # SAVEPOINT and rollback behave as on PostgreSQL.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITES) else "BEGIN")


# Connections per process: SQLite's are cheap (a file handle each); PostgreSQL's cost the server
# memory and count against its max_connections (100 by default) across every worker process.
POOL_DEFAULTS = {"sqlite": (40, 10), "postgresql": (10, 10)}
POOL_WAIT_SECONDS = 10.0


def pool_limits(url: str, size: int | None = None, overflow: int | None = None) -> tuple[int, int]:
    """(pool size, overflow) for the database at `url`: those given, else its dialect's defaults."""
    default_size, default_overflow = POOL_DEFAULTS.get(make_url(url).get_backend_name(), POOL_DEFAULTS["postgresql"])
    return (default_size if size is None else size, default_overflow if overflow is None else overflow)


def create_db_engine(url: str, busy_timeout: float = BUSY_TIMEOUT_SECONDS, pool_size: int | None = None,
                     max_overflow: int | None = None, pool_wait: float = POOL_WAIT_SECONDS) -> Engine:
    """`busy_timeout`: on SQLite, how long a writer waits for the write lock (seconds); the pool's
    size and overflow default by dialect (`pool_limits`)."""
    size, overflow = pool_limits(url, pool_size, max_overflow)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, pool_size=size,
                               max_overflow=overflow, pool_timeout=pool_wait)
        event.listen(engine, "connect", _sqlite_pragmas(int(busy_timeout * 1000)))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=size, max_overflow=overflow, pool_timeout=pool_wait,
                         connect_args={"connect_timeout": 5})


def writer(engine: Engine) -> Engine:
    """The engine for work that writes: on SQLite its transactions take the write lock up front."""
    return engine.execution_options(**{WRITES: True})


class WriteTurn:
    """SQLite's one writer, taken in the event loop: requests that will write queue here before
    they take a worker thread (a writer waiting for SQLite's lock in a thread would hold that
    thread, and enough of them would starve the one that holds the lock). Each wait is bounded."""

    def __init__(self, wait_seconds: float):
        self.wait_seconds = wait_seconds
        self._lock = anyio.Lock()

    async def acquire(self) -> bool:
        """Whether the turn was had within the wait."""
        with anyio.move_on_after(self.wait_seconds):
            await self._lock.acquire()
            return True
        return False

    def release(self) -> None:
        self._lock.release()

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """For work that takes its turns itself (logging in: two short writes around a slow
        check); raises Unavailable (503) when the turn cannot be had in time."""
        if not await self.acquire():
            raise Unavailable()
        try:
            yield
        finally:
            self.release()


class SessionSlots:
    """At most as many requests hold a database session at once as the pool has connections; the
    others wait here, in the event loop, holding no worker thread. Without this, a deadline's
    crowd deadlocks: a request's dependencies and handler each take a worker thread in turn while
    its session keeps its connection, so once every thread is waiting in the pool for a connection,
    the requests that hold the connections wait for a thread, until the pool's timeout answers 503
    (200 writers at once on one process: 5 saves a second, p95 10.9 s)."""

    def __init__(self, capacity: int, wait_seconds: float):
        self.capacity, self.wait_seconds = capacity, wait_seconds
        self._limiter = anyio.CapacityLimiter(capacity)

    @asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """A slot for as long as the block lasts; Unavailable (503) when none frees in time."""
        borrower, had = object(), False
        with anyio.move_on_after(self.wait_seconds):
            await self._limiter.acquire_on_behalf_of(borrower)
            had = True
        if not had:
            raise Unavailable()
        try:
            yield
        finally:
            self._limiter.release_on_behalf_of(borrower)


async def session_slot(request: Request) -> AsyncIterator[None]:
    async with request.app.state.session_slots.held():
        yield


def get_session(request: Request, _slot: Annotated[None, Depends(session_slot, scope="function")]) -> Iterator[Session]:
    """One session per request; it commits when the handler succeeds and rolls back otherwise,
    so services never commit themselves. Requests that may write (any unsafe method) write with
    the write lock taken up front. A session is had only with a slot (`SessionSlots`)."""
    state = request.app.state
    engine = state.engine if request.method in SAFE_METHODS else state.write_engine
    with Session(engine, expire_on_commit=False) as session:
        # Notices a request queues go to the task queue once it commits (app.notices.jobs).
        session.info["notices.queue"] = getattr(state, "queue", None)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


# What sqlite3 says when the database cannot be had just now (its OperationalError also covers
# mistakes in SQL, which are bugs, not outages).
_SQLITE_UNAVAILABLE = ("database is locked", "database table is locked", "unable to open database",
                       "disk i/o error")


def is_unavailable(error: BaseException) -> bool:
    """Whether a database error means "busy or unreachable, try again": SQLite's write lock not
    had in time, a connection that cannot be made or was lost, no connection free in the pool."""
    if isinstance(error, exc.TimeoutError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    orig = error.orig
    if type(orig).__module__.startswith("sqlite3"):
        return isinstance(error, exc.OperationalError) and any(
            sign in str(orig).lower() for sign in _SQLITE_UNAVAILABLE)
    # psycopg: an OperationalError is about the server or the connection, never the SQL.
    return isinstance(error, exc.OperationalError | exc.InterfaceError)


def insert_unless_exists(session: Session, row: SQLModel, keys: list[str]) -> bool:
    """INSERT the row unless one with the same `keys` (a unique constraint) exists or is being
    inserted by another transaction, which this one then waits for: an upsert, where a plain
    INSERT would lose a race with an IntegrityError. Whether this inserted it."""
    table = type(row).__table__  # type: ignore[attr-defined]
    values = {c.name: getattr(row, c.name) for c in table.columns
              if not (c.primary_key and getattr(row, c.name) is None)}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
                 .returning(*table.primary_key.columns))
    return session.execute(statement).first() is not None



def _copy_value(value: Any) -> Any:
    """A value as COPY should see it: an enum member's value, a naive datetime as UTC (as
    UtcDateTime stores it)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def insert_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """INSERT the rows (each with every column but `id`, the same keys) in the session's
    transaction; their new ids, in order. On PostgreSQL the ids come from the table's sequence and
    the rows go by COPY: a batched INSERT of 5,000 reports spent most of its time in psycopg
    parsing the statement's 100,000 parameters. Elsewhere, one batched INSERT … RETURNING."""
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(stmt, rows).scalars())
    ids = list(session.execute(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
        {"table": table.name, "n": len(rows)}).scalars())
    names = list(rows[0])
    columns = ", ".join(f'"{name}"' for name in ["id", *names])
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row_id, row in zip(ids, rows, strict=True):
            copy.write_row([row_id, *[_copy_value(row[name]) for name in names]])
    return ids
