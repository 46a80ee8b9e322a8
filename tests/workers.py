"""A real `bangfu worker` process for tests of background jobs, with a queue of the test's own:
the embedded SQLite queue beside a SQLite database, the production broker (Redis at
127.0.0.1:6379, under a name of the test's own) beside PostgreSQL."""

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.config import Settings
from app.queue import Queue
from tests.conftest import TEST_TODAY

REDIS_URL = os.environ.get("BANGFU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass
class JobWorld:
    """The settings a test's app and its workers share, as BANGFU_* variables and as Settings."""

    database_url: str
    directory: Path
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        sqlite = self.database_url.startswith("sqlite")
        self.env = {
            "BANGFU_DATABASE_URL": self.database_url,
            "BANGFU_QUEUE_URL": f"sqlite:///{self.directory / 'queue.db'}" if sqlite else REDIS_URL,
            "BANGFU_QUEUE_NAME": f"bangfu-test-{uuid.uuid4().hex[:12]}",
            "BANGFU_UPLOAD_DIR": str(self.directory / "uploads"),
            "BANGFU_TODAY": TEST_TODAY.isoformat(),
            "BANGFU_JOB_HEARTBEAT_SECONDS": "0.3",
            "BANGFU_JOB_STALE_SECONDS": "2",
            **self.extra,
        }

    def settings(self, **more: Any) -> Settings:
        values = {key.removeprefix("BANGFU_").lower(): value for key, value in self.env.items()}
        return Settings(**{**values, **more}, _env_file=None)

    def uploads(self) -> list[str]:
        folder = Path(self.env["BANGFU_UPLOAD_DIR"])
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []

    def forget_queue(self) -> None:
        """The queue's keys on Redis go with the test (a SQLite queue goes with its directory)."""
        queue = Queue(self.settings())
        queue.huey.flush()
        queue.close()


@contextmanager
def worker(world: JobWorld, log_name: str = "worker") -> Iterator[subprocess.Popen[bytes]]:
    """`bangfu worker` running until the block ends (stopped as a supervisor stops it)."""
    log = open(world.directory / f"{log_name}.log", "ab")
    # A few connections are all a worker needs; the suite's other process shares the server's
    # max_connections (100) with its own live servers.
    env = {**os.environ, "BANGFU_DATABASE_POOL_SIZE": "3", "BANGFU_DATABASE_POOL_OVERFLOW": "0", **world.env}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "worker"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).parent.parent)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def worker_log(world: JobWorld, log_name: str = "worker") -> str:
    path = world.directory / f"{log_name}.log"
    return path.read_text(errors="replace") if path.exists() else ""
