"""Settings read from BANGFU_* environment variables and an optional .env file."""

from datetime import date, time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import AwareDatetime, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_PATH = Path("data") / "bangfu.db"
INSECURE_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANGFU_", env_file=".env", extra="ignore")

    environment: str = "development"
    database_url: str = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    # PostgreSQL: the schema's owner, for `bangfu migrate` only. When its user differs from
    # database_url's, the app's user is granted what the app needs and no more (app/migrate.py).
    migration_database_url: str | None = None
    secret_key: str = INSECURE_SECRET

    campaign_start: date = date(2020, 4, 8)
    campaign_end: date = date(2020, 12, 31)
    # Reports are due on this weekday (ISO: Monday=1 … Sunday=7) at this local time of their week.
    deadline_weekday: int = Field(5, ge=1, le=7)
    deadline_time: time = time(18, 0)
    timezone: str = "Asia/Shanghai"
    # "Today" for the campaign calendar; unset means the real date. The demo campaign ran in 2020,
    # so a demo or a test can pin the clock inside it.
    today: date | None = None
    # Date and time pinned together (an ISO date-time with its offset, "2020-07-16T09:00:00+08:00"):
    # the campaign clock stands at that instant for the server and the workers alike, so that a
    # demo or a test of the reminders sees a Thursday 09:00. It wins over `today`.
    now: AwareDatetime | None = None

    # SQLite (the embedded default) writes one request at a time: how long a write waits for its
    # turn in this process, then for the lock another process may hold, before it answers 503.
    sqlite_write_wait_seconds: float = Field(20, gt=0)
    sqlite_busy_timeout_seconds: float = Field(10, gt=0)
    # Database connections per server process (unset: 10 + 10 on PostgreSQL, 40 + 10 on SQLite), and
    # how long a request waits for one before it answers 503. Requests beyond the pool wait their
    # turn before they take a worker thread (app/db.py SessionSlots).
    database_pool_size: int | None = Field(None, ge=1)
    database_pool_overflow: int | None = Field(None, ge=0)
    database_wait_seconds: float = Field(10, gt=0)

    # The task queue (app/queue.py, huey): its SQLite file for the embedded default, or
    # redis://host:port/db in production; the name keeps apart several deployments on one Redis.
    queue_url: str = "sqlite:///data/queue.db"
    queue_name: str = "bangfu"
    # Background jobs: a running job's worker beats this often; a job whose beat is older than
    # job_stale_seconds was interrupted (its worker killed) and is tried again, at most
    # job_attempts times in all. Uploaded files wait for their job in upload_dir.
    job_heartbeat_seconds: float = Field(5, gt=0)
    job_stale_seconds: float = Field(60, gt=0)
    job_attempts: int = Field(3, ge=1)
    upload_dir: Path = Path("data") / "uploads"

    # Notices leave by e-mail (SMTP, STARTTLS when the server offers it) and SMS (an HTTP gateway:
    # a JSON POST of {"phone", "text"} with a bearer key) when these are set; the inbox always.
    smtp_host: str | None = None
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "bangfu@localhost"
    sms_gateway_url: str | None = None
    sms_gateway_key: str | None = None
    # A unit's 企业微信 group robot is posted to only at an address that starts so.
    wecom_webhook_prefix: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key="
    # Nothing leaves by e-mail or SMS in these local hours (it waits for their end); reminders of
    # missing reports go out on Thursday and Friday (ISO weekdays 4 and 5) at these times.
    quiet_from: time = time(22, 0)
    quiet_until: time = time(7, 0)
    reminder_times: list[tuple[int, time]] = [(4, time(9, 0)), (5, time(12, 0))]
    # Each week, then: units with fewer than two active liaisons are asked to name one (their
    # liaison is told; a unit with none, the county's officers).
    liaison_check: tuple[int, time] = (1, time(9, 0))

    token_ttl_hours: int = Field(12, ge=1)
    session_ttl_hours: int = Field(12, ge=1)
    # Failed logins are counted per (client address, username) and per client address. A key that
    # reaches its limit is locked; each further lock of the same key lasts twice as long (at most a
    # day). Attackers elsewhere therefore cannot keep a user out of their own account.
    login_max_failures: int = Field(5, ge=1)
    login_max_failures_per_address: int = Field(50, ge=1)
    login_lock_minutes: int = Field(15, ge=1)
    # Argon2 takes 64 MiB and tens of milliseconds per check: at most this many run at once, and a
    # login that cannot have its turn within the wait answers 503.
    password_checks_at_once: int = Field(2, ge=1)
    password_check_wait_seconds: float = Field(10, gt=0)
    # The client's address is read from X-Forwarded-For only when the connection comes from one of
    # these (comma-separated addresses or networks; "*" trusts everyone, for tests only).
    trusted_proxies: str = "127.0.0.1"

    # Suspicious-data thresholds (seed 000 §一(二)), in 万元 or people.
    flag_people_registered_poor: int = 1000
    flag_people_other: int = 150
    flag_funds_max_wan: Decimal = Decimal("10000")
    flag_per_capita_max_wan: Decimal = Decimal("10")
    flag_per_capita_min_wan: Decimal = Decimal("0.01")
    flag_over_plan_factor: Decimal = Decimal("3")

    # Demonstration candidates (示范点, seed 000 §二): investment with people lifted, or jobs;
    # training is a reference item.
    demo_investment_wan: Decimal = Decimal("20")
    demo_beneficiaries: int = 20
    demo_jobs: int = 10
    demo_trainees: int = 20

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production" and self.secret_key == INSECURE_SECRET:
            raise ValueError("BANGFU_SECRET_KEY must be set in production")
        if self.campaign_end < self.campaign_start:
            raise ValueError("BANGFU_CAMPAIGN_END is before BANGFU_CAMPAIGN_START")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
