"""Imports as jobs on the task queue, with real `bangfu worker` processes: the API's 202 and the
job's status; a worker killed (SIGKILL) in the middle of a 5,000-row import, and the job tried
again or ended failed with the reason, never left running, with no file left and its data all
or nothing; on PostgreSQL with the production broker, an import posted to one server process,
polled through another and run by the worker."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from app.auth.models import Role
from app.auth.service import issue_token
from app.imports import jobs
from app.imports.models import ImportJob, JobStatus
from app.main import create_app
from app.queue import Queue
from app.reports.models import Report
from tests.conftest import migrate
from tests.factories import make_pairing, make_plan, make_unit, make_user, make_village
from tests.imports.files import county_sheet, csv_bytes
from tests.live import request
from tests.scenario import COUNTY
from tests.workers import JobWorld, worker, worker_log

PAIRINGS = 334


def sheet(pairing_ids: list[int], rows: int = 5000) -> bytes:
    return csv_bytes(county_sheet(pairing_ids, rows))


@pytest.fixture
def campaign(scratch_db_url, tmp_path, request):
    """A county of 334 pairings on a database of its own, its officer's token, the app in this
    process, and the settings its workers share."""
    migrate(scratch_db_url)
    world = JobWorld(scratch_db_url, tmp_path, getattr(request, "param", {}))
    app = create_app(world.settings())
    with Session(app.state.engine, expire_on_commit=False) as session:
        pairing_ids = []
        for n in range(PAIRINGS):
            pairing = make_pairing(session, make_unit(session),
                                   make_village(session, code=f"530102{n // 999 + 1:03d}{n % 999 + 1:03d}"))
            make_plan(session, pairing)
            pairing_ids.append(pairing.id)
        officer = make_user(session, Role.officer, COUNTY)
        other = make_user(session, Role.officer, COUNTY)
        tokens = [issue_token(session, world.settings(), user)[0] for user in (officer, other)]
        session.commit()
    try:
        with TestClient(app) as client:
            yield world, app, client, pairing_ids, tokens
    finally:
        world.forget_queue()
        app.state.engine.dispose()


def post(client: TestClient, token: str, content: bytes, query: str = "?async=true"):
    return client.post(f"/api/v1/imports/reports{query}", headers={"Authorization": f"Bearer {token}"},
                       files={"file": ("周报.csv", content, "text/csv")})


def job_row(app, job_id: int) -> ImportJob:
    with Session(app.state.engine) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None
        return job


def stored(app) -> int:
    with Session(app.state.engine) as session:
        return session.scalar(select(func.count()).select_from(Report))


def wait_for(check, seconds: float = 120, what: str = "the job"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if (got := check()) is not None:
            return got
        time.sleep(0.02)
    raise AssertionError(f"{what} did not get there in {seconds} s")


def ended(app, job_id: int):
    job = job_row(app, job_id)
    return job if job.status not in (JobStatus.queued, JobStatus.running) else None


def test_an_import_asked_as_a_job_answers_202_and_its_status_says_how_it_went(campaign):
    world, app, client, pairing_ids, (token, other) = campaign
    answer = post(client, token, sheet(pairing_ids[:3], rows=6))
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    assert answer.json()["url"] == answer.headers["location"] == f"/api/v1/imports/jobs/{job_id}"
    queued = client.get(f"/api/v1/imports/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert (queued["status"], queued["created"], queued["attempts"]) == ("queued", 0, 0)
    assert client.get(f"/api/v1/imports/jobs/{job_id}", headers={"Authorization": f"Bearer {other}"}).status_code == 404
    with worker(world):
        wait_for(lambda: ended(app, job_id))
    done = client.get(f"/api/v1/imports/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert {k: done[k] for k in ("status", "processed_rows", "total_rows", "created", "error_count", "attempts")} == \
        {"status": "succeeded", "processed_rows": 6, "total_rows": 6, "created": 6, "error_count": 0, "attempts": 1}
    assert stored(app) == 6 and world.uploads() == []


def test_a_job_with_a_bad_row_fails_listing_it_and_stores_nothing(campaign):
    world, app, client, pairing_ids, (token, _other) = campaign
    content = sheet(pairing_ids)
    bad = content.rstrip(b"\r\n").rsplit(b"\r\n", 1)[0] + b"\r\n" + f"{pairing_ids[0]},2020-W99,1,1,否,1,1,1,1,1,x\r\n".encode()
    answer = post(client, token, bad)
    assert answer.status_code == 202, answer.text
    with worker(world):
        job = wait_for(lambda: ended(app, answer.json()["job_id"]))
    assert (job.status, job.error_count, stored(app)) == (JobStatus.rejected, 1, 0)
    seen = client.get(answer.json()["url"], headers={"Authorization": f"Bearer {token}"}).json()
    assert seen["status"] == "failed" and seen["errors"][0]["column"] == "周次", seen["errors"]


def _kill_mid_import(world: JobWorld, app, client: TestClient, token: str, pairing_ids: list[int]) -> int:
    """A 5,000-row import, and its worker killed once the import is under way; the job's id."""
    answer = post(client, token, sheet(pairing_ids))
    assert answer.status_code == 202, answer.text
    job_id = answer.json()["job_id"]
    queue = Queue(world.settings())
    with worker(world, "first") as process:
        def under_way():
            job = job_row(app, job_id)
            assert job.status in (JobStatus.queued, JobStatus.running), (job.status, job.errors)
            progress = jobs.progress_of(queue, job)
            return True if job.status == JobStatus.running and progress[0] >= 500 else None
        wait_for(under_way, what="the import")
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    queue.close()
    left = job_row(app, job_id)
    assert (left.status, left.attempts) == (JobStatus.running, 1)  # nobody will finish it: it looks running
    assert len(world.uploads()) == 1
    return job_id


def test_a_worker_killed_during_a_five_thousand_row_import_has_the_job_tried_again(campaign):
    world, app, client, pairing_ids, (token, _other) = campaign
    job_id = _kill_mid_import(world, app, client, token, pairing_ids)
    with worker(world, "second"):
        job = wait_for(lambda: ended(app, job_id))
    assert (job.status, job.attempts, job.created) == (JobStatus.done, 2, 5000), (job.errors, worker_log(world, "second"))
    assert stored(app) == 5000
    assert world.uploads() == []
    assert "was interrupted" in worker_log(world, "second")


@pytest.mark.parametrize("campaign", [{"BANGFU_JOB_ATTEMPTS": "1"}], indirect=True)
def test_a_job_killed_on_its_last_try_ends_failed_with_the_reason_and_nothing_stored(campaign):
    world, app, client, pairing_ids, (token, _other) = campaign
    job_id = _kill_mid_import(world, app, client, token, pairing_ids)
    with worker(world, "second"):
        job = wait_for(lambda: ended(app, job_id))
    assert job.status == JobStatus.failed and job.finished_at is not None
    assert job.errors == [{"row": None, "column": "file",
                           "msg": "导入中断（处理进程意外退出），已尝试 1 次，未保存任何数据；请重新上传"}]
    assert stored(app) == 0
    assert world.uploads() == []
    seen = client.get(f"/api/v1/imports/jobs/{job_id}", headers={"Authorization": f"Bearer {token}"}).json()
    assert seen["status"] == "failed" and "导入中断" in seen["errors"][0]["msg"]


def _answers(url: str) -> bool | None:
    try:
        return True if request("GET", url, timeout=2).status == 200 else None
    except OSError:  # not listening yet
        return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server(world: JobWorld, port: int, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", "1"],
                            env={**os.environ, "BANGFU_DATABASE_POOL_SIZE": "4", "BANGFU_DATABASE_POOL_OVERFLOW": "0",
                                 **world.env}, stdout=log.open("ab"), stderr=subprocess.STDOUT,
                            cwd=Path(__file__).parent.parent.parent)


@pytest.mark.databases("postgresql")  # several server processes: SQLite serves from exactly one
def test_an_import_posted_to_one_server_is_polled_through_another_and_run_by_the_worker(campaign, db_url):
    world, app, _client, pairing_ids, (token, _other) = campaign
    assert world.env["BANGFU_QUEUE_URL"].startswith("redis://")  # the production broker, for real
    ports = [_free_port(), _free_port()]
    servers = [_server(world, port, world.directory / f"server-{port}.log") for port in ports]
    try:
        for port in ports:
            wait_for(lambda port=port: _answers(f"http://127.0.0.1:{port}/healthz"), seconds=60,
                     what=f"the server on {port}")
        content = sheet(pairing_ids)
        boundary = "bangfu-test-boundary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"周报.csv\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
        posted = request("POST", f"http://127.0.0.1:{ports[0]}/api/v1/imports/reports?async=true", data=body,
                         token=token, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert posted.status == 202, posted.body
        seen: list[tuple[str, int]] = []
        with worker(world):
            def finished():
                answer = request("GET", f"http://127.0.0.1:{ports[1]}{posted.body['url']}", token=token)
                assert answer.status == 200, answer.body
                seen.append((answer.body["status"], answer.body["processed_rows"]))
                return answer.body if answer.body["status"] in ("succeeded", "failed") else None
            done = wait_for(finished)
        assert (done["status"], done["created"], done["attempts"]) == ("succeeded", 5000, 1), done
        assert stored(app) == 5000
        # The other process saw the worker's progress as it went, not only the end.
        assert any(status == "running" and 0 < rows < 5000 for status, rows in seen), seen[:: max(1, len(seen) // 20)]
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()


def test_pruning_forgets_old_ended_jobs_and_uploads_nobody_reads(session, settings, tmp_path):
    from app.common import utcnow
    from app.worker import prune

    settings = settings.model_copy(update={"upload_dir": tmp_path})
    now = utcnow()
    user = make_user(session, Role.officer, COUNTY)
    files = {name: tmp_path / f"import-{name}.csv" for name in ("orphan-old", "orphan-new", "wanted-old")}
    for path in files.values():
        path.write_bytes(b"x")
    day_ago = (now - timedelta(days=2)).timestamp()
    for name in ("orphan-old", "wanted-old"):
        os.utime(files[name], (day_ago, day_ago))
    session.add_all([
        ImportJob(kind="reports", filename="old.csv", user_id=user.id, status=JobStatus.done,
                  finished_at=now - timedelta(days=31)),
        ImportJob(kind="reports", filename="recent.csv", user_id=user.id, status=JobStatus.failed,
                  finished_at=now - timedelta(days=29)),
        ImportJob(kind="reports", filename="waiting.csv", user_id=user.id, status=JobStatus.queued,
                  created_at=now - timedelta(days=40), upload_path=str(files["wanted-old"])),
    ])
    session.flush()
    assert jobs.prune(session, settings, now) == {"import_job": 1, "upload": 1}
    assert sorted(j.filename for j in session.scalars(select(ImportJob))) == ["recent.csv", "waiting.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["import-orphan-new.csv", "import-wanted-old.csv"]
    # The worker runs it every hour, with the tokens', sessions' and throttle rows' pruning.
    queue = Queue(settings)

    def due(minute: int) -> set[str]:
        return {task.name for task in queue.huey.read_periodic(datetime(2020, 7, 16, 1, minute))}

    assert prune.__name__ == "prune"
    assert {"prune-every-hour", "imports.recover-every-minute"} <= due(7)
    assert "prune-every-hour" not in due(8) and "imports.recover-every-minute" in due(8)
    queue.close()
