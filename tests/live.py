"""The real application served by uvicorn on a loopback port, over a database of its own (not the
rolled-back test transaction), for tests of concurrent requests; and a small HTTP client that
many threads can use at once."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


def request(method: str, url: str, body: Any = None, token: str | None = None,
            data: bytes | None = None, headers: dict[str, str] | None = None, timeout: float = 60) -> Answer:
    """One HTTP request; an HTTP error status is an answer like any other."""
    sent = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    if token:
        sent["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw, status, got = resp.read(), resp.status, dict(resp.headers)
    except urllib.error.HTTPError as err:
        raw, status, got = err.read(), err.code, dict(err.headers)
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(status, parsed, got)


def at_once(calls: list[Callable[[], Answer]]) -> list[Answer]:
    """Run every call in a thread of its own, released together."""
    gate = threading.Barrier(len(calls))

    def run(call: Callable[[], Answer]) -> Answer:
        gate.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port; its base URL."""
    # As `bangfu serve`: the app, not uvicorn, decides whom X-Forwarded-For is taken from.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning",
                                           lifespan="off", proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
