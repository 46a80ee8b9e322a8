"""Background work on a real task queue: huey, with its SQLite storage for the embedded default (a
file beside the database, no server to run) and Redis in production (`BANGFU_QUEUE_URL=redis://…`).

Domains declare their tasks with `task` (and `periodic`) at import time; a `Queue` built from the
settings binds every declared task to its huey instance. The web process only enqueues; `bangfu
worker` runs the consumer. A task's own state (an import job's row, a delivery's row) lives in the
database; what every process must read while the task runs and the database cannot hold yet (an
import's progress, while its transaction is open) goes to the queue's key-value storage."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db import create_db_engine

__all__ = ["Context", "Queue", "crontab", "periodic", "task"]


@dataclass
class Context:
    """What a task runs with, in the worker: the settings, a database engine and the queue."""

    settings: Settings
    engine: Engine
    queue: "Queue"


@dataclass(frozen=True)
class _Spec:
    name: str
    fn: Callable[..., Any]
    retries: int = 0
    retry_delay: float = 0
    retry_backoff: float = 0
    schedule: Any = None  # a crontab for a periodic task


_SPECS: dict[str, _Spec] = {}


def task(name: str, *, retries: int = 0, retry_delay: float = 0, retry_backoff: float = 0
         ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare `fn(context, attempt, *args)` as the task `name`: retried `retries` times on an
    exception, the first retry after `retry_delay` seconds and each next one `retry_backoff` times
    later. `attempt` is (retries left, retries in all), so a task knows its last try."""
    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        _SPECS[name] = _Spec(name, fn, retries, retry_delay, retry_backoff)
        return fn
    return declare


def periodic(name: str, schedule: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare `fn(context)` to run on the worker whenever `schedule` (a huey crontab) matches."""
    def declare(fn: Callable[..., Any]) -> Callable[..., Any]:
        _SPECS[name] = _Spec(name, fn, schedule=schedule)
        return fn
    return declare


def _huey(settings: Settings) -> Huey:
    url = make_url(settings.queue_url)
    queue_name = settings.queue_name
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "data/queue.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey(queue_name, filename=str(path), results=False, utc=True)
    if url.get_backend_name() in ("redis", "rediss"):
        return RedisHuey(queue_name, url=settings.queue_url, results=False, utc=True)
    raise ValueError(f"BANGFU_QUEUE_URL: sqlite:///… or redis://…, not {url.get_backend_name()}")


@dataclass
class Queue:
    """The queue of one process: its huey instance with every declared task bound to it."""

    settings: Settings
    huey: Huey = field(init=False)
    _tasks: dict[str, Any] = field(init=False, default_factory=dict)
    _context: Context | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.huey = _huey(self.settings)
        for spec in _SPECS.values():
            self._bind(spec)

    def _bind(self, spec: _Spec) -> None:
        def run(*args: Any, task: Any = None) -> Any:
            if spec.schedule is not None:
                return spec.fn(self.context())
            return spec.fn(self.context(), (task.retries if task else 0, spec.retries), *args)

        run.__name__ = spec.name.replace("-", "_")
        if spec.schedule is not None:
            bound = self.huey.periodic_task(spec.schedule, name=spec.name, context=True)(run)
        else:
            bound = self.huey.task(name=spec.name, retries=spec.retries, retry_delay=spec.retry_delay,
                                   retry_backoff=spec.retry_backoff, context=True)(run)
        self._tasks[spec.name] = bound

    def context(self) -> Context:
        """The worker's context, made on first use (the web process never needs one)."""
        if self._context is None:
            self._context = Context(self.settings, create_db_engine(self.settings.database_url), self)
        return self._context

    def enqueue(self, name: str, *args: Any, delay: float | None = None) -> None:
        bound = self._tasks[name]
        if delay:
            bound.schedule(args=args, delay=delay)
        else:
            bound(*args)

    def waiting(self, name: str) -> Iterable[tuple[Any, ...]]:
        """The arguments of the tasks `name` waiting in the queue or for a retry's time."""
        for item in [*self.huey.pending(), *self.huey.scheduled()]:
            if item.name == name:
                yield tuple(item.args)

    # Key-value state every process can read while a task runs.

    def put(self, key: str, value: Any) -> None:
        self.huey.put(key, value)

    def peek(self, key: str) -> Any:
        return self.huey.get(key, peek=True)

    def forget(self, key: str) -> None:
        self.huey.delete(key)

    def consumer(self, threads: int = 1) -> Any:
        """The consumer `bangfu worker` runs: `threads` worker threads and the periodic scheduler."""
        return self.huey.create_consumer(workers=threads, worker_type="thread", periodic=True,
                                         initial_delay=0.05, backoff=1.5, max_delay=1.0)

    def close(self) -> None:
        if self._context is not None:
            self._context.engine.dispose()
