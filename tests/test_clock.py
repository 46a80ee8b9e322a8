"""The campaign clock: BANGFU_TODAY pins the date with the real time of day; BANGFU_NOW pins the
instant, for the server and the workers alike (both read it from the environment)."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from app.common import clock_now, today, utcnow, week_deadline, week_of
from app.config import Settings


def test_bangfu_now_pins_date_and_time_for_every_process_that_reads_the_environment(monkeypatch):
    monkeypatch.setenv("BANGFU_NOW", "2020-07-16T09:00:00+08:00")  # a Thursday of 2020-W29
    monkeypatch.setenv("BANGFU_TODAY", "2020-07-15")
    settings = Settings(_env_file=None)
    assert clock_now(settings) == datetime(2020, 7, 16, 1, 0, tzinfo=UTC)  # NOW wins over TODAY
    assert today(settings) == date(2020, 7, 16)
    assert week_of(today(settings)) == "2020-W29"
    assert clock_now(settings) < week_deadline(settings, "2020-W29")
    monkeypatch.setenv("BANGFU_NOW", "2020-07-17T18:00:01+08:00")
    assert clock_now(Settings(_env_file=None)) > week_deadline(settings, "2020-W29")


def test_bangfu_today_alone_keeps_the_real_time_of_day(monkeypatch):
    monkeypatch.delenv("BANGFU_NOW", raising=False)
    monkeypatch.setenv("BANGFU_TODAY", "2020-07-15")
    settings = Settings(_env_file=None)
    assert today(settings) == date(2020, 7, 15)
    shift = (clock_now(settings) - utcnow()).total_seconds()
    assert min(shift % 86400, -shift % 86400) < 5  # whole days back: the time of day is the real one


@pytest.mark.parametrize("value", ["2020-07-16T09:00:00", "2020-07-16", "Thursday 9am"])
def test_a_bangfu_now_without_an_offset_is_refused(monkeypatch, value):
    monkeypatch.setenv("BANGFU_NOW", value)
    with pytest.raises(ValidationError, match="now"):
        Settings(_env_file=None)
