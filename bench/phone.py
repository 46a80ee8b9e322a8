"""The weekly report form on a phone over slow 3G (400 kbit/s down and up, 400 ms round trip), in
Debian's Chromium at 390x844: a first visit (empty cache, no service worker), a repeat visit, and a
save, with the bytes that crossed the wire. Side by side, alternating A B A B, the same visits
without compression (Accept-Encoding: identity): what a phone downloaded before gzip.

The slow link is a throttling TCP proxy between the browser and the server (SlowLink), not
Chromium's network emulation: a page's emulation does not reach what its service worker fetches,
so a repeat visit (the page from the network through the worker, the files from its cache) would
be measured on a fast link. Bytes are counted at the proxy, headers included.

Usage: python bench/phone.py [--rounds 3]. Serves the app on a scratch SQLite database with the
browser tests' campaign (tests/browser/conftest.py); prints the load average.
"""

import argparse
import os
import queue
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.proxy import Proxy  # noqa: E402

PASSWORD = "correct-horse-42"


class SlowLink(Proxy):
    """A shared link of `kbit` each way with `rtt_ms` round trip: every chunk waits its turn on the
    link (all connections share it, as one phone's radio does), then half the round trip."""

    def __init__(self, host: str, port: int, kbit: int = 400, rtt_ms: int = 400):
        self.rate, self.one_way = kbit * 1000 / 8, rtt_ms / 2000
        self.free = {True: 0.0, False: 0.0}  # when the down (True) and up links are next free
        self.link = threading.Lock()
        self.down_bytes = 0
        super().__init__(host, port)

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:  # type: ignore[override]
        down = source.getpeername()[1] == self.target[1]
        waiting: queue.Queue[tuple[float, bytes] | None] = queue.Queue()

        def deliver() -> None:
            try:
                while (item := waiting.get()) is not None:
                    at, data = item
                    if (delay := at - time.monotonic()) > 0:
                        time.sleep(delay)
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                self._hang_up(source, sink)

        threading.Thread(target=deliver, daemon=True).start()
        try:
            while data := source.recv(4096):
                with self.link:
                    start = max(time.monotonic(), self.free[down])
                    self.free[down] = start + len(data) / self.rate
                    if down:
                        self.down_bytes += len(data)
                    waiting.put((self.free[down] + self.one_way, data))
        except OSError:
            pass
        finally:
            waiting.put(None)


def visit(browser, base: str, link: SlowLink, form: str, gzip: bool) -> dict:
    context = browser.new_context(base_url=base, viewport={"width": 390, "height": 844}, is_mobile=True,
                                  has_touch=True, device_scale_factor=3, locale="zh-CN",
                                  extra_http_headers={} if gzip else {"Accept-Encoding": "identity"})
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", "liaison")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    # A first visit: no service worker, nothing kept (logging in had put both in place).
    page.evaluate("async () => { for (const r of await navigator.serviceWorker.getRegistrations()) await r.unregister();"
                  " for (const k of await caches.keys()) await caches.delete(k); }")
    page.goto("about:blank")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.clearBrowserCache")
    time.sleep(1)  # what logging in left on the link has gone through
    link.down_bytes = 0
    started = time.perf_counter()
    page.goto(form, wait_until="load")
    cold, cold_bytes = time.perf_counter() - started, link.down_bytes
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=60_000)
    page.wait_for_timeout(3000)  # the worker keeps its copies
    page.goto("about:blank")
    link.down_bytes = 0
    started = time.perf_counter()
    page.goto(form, wait_until="load")
    warm, warm_bytes = time.perf_counter() - started, link.down_bytes
    page.fill("input[name=jobs_done]", str(int(time.time()) % 50 + 10))  # never below last week's 6
    page.fill("textarea[name=progress]", "新增务工")
    page.wait_for_timeout(2000)  # the live check answers first, as it would while typing
    link.down_bytes = 0
    started = time.perf_counter()
    page.click("text=报送本周进展")
    page.wait_for_selector("p.success", timeout=60_000)
    save, save_bytes = time.perf_counter() - started, link.down_bytes
    context.close()
    return {"cold": cold, "cold_kb": cold_bytes / 1024, "warm": warm, "warm_kb": warm_bytes / 1024,
            "save": save, "save_kb": save_bytes / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from app.config import Settings
    from app.main import create_app
    from tests.browser.conftest import _seed
    from tests.conftest import TEST_TODAY, migrate
    from tests.live import serve

    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/phone.db"
        migrate(url)
        ids = _seed(url)
        app = create_app(Settings(database_url=url, today=TEST_TODAY, _env_file=None))
        form = f"/pairings/{ids['planned']}/reports/2020-W29"
        with serve(app) as direct, sync_playwright() as playwright:
            served = urlsplit(direct)
            link = SlowLink(served.hostname or "127.0.0.1", served.port or 80)
            base = f"http://127.0.0.1:{link.port}"
            browser = playwright.chromium.launch(executable_path=os.environ.get("BANGFU_CHROMIUM", "/usr/bin/chromium"),
                                                 args=["--no-sandbox", "--disable-gpu"])
            runs: dict[str, list[dict]] = {"gzip": [], "identity": []}
            for _round in range(args.rounds):
                for name in runs:
                    out = visit(browser, base, link, form, name == "gzip")
                    runs[name].append(out)
                    print(f"{name:9s} cold {out['cold']:5.2f} s {out['cold_kb']:6.1f} KB   warm {out['warm']:5.2f} s "
                          f"{out['warm_kb']:6.1f} KB   save {out['save']:5.2f} s {out['save_kb']:5.1f} KB", flush=True)
            browser.close()
            link.close()
    print(f"\nmedians over {args.rounds} rounds (target on slow 3G: cold <= 1.5 s and <= 35 KB, warm <= 0.6 s, "
          f"save <= 1.0 s); load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, outs in runs.items():
        med = {k: statistics.median(o[k] for o in outs) for k in outs[0]}
        print(f"{name:9s} cold {med['cold']:5.2f} s {med['cold_kb']:6.1f} KB   warm {med['warm']:5.2f} s "
              f"{med['warm_kb']:6.1f} KB   save {med['save']:5.2f} s {med['save_kb']:5.1f} KB")
    g = statistics.median(o["cold"] for o in runs["gzip"])
    i = statistics.median(o["cold"] for o in runs["identity"])
    print(f"cold visit, identity / gzip: {i / g:.2f}x")


if __name__ == "__main__":
    main()
