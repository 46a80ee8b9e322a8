"""ISO weeks, the weekly deadline, the campaign's weeks and the annex-3 arithmetic: pure functions,
no database."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.common import (
    campaign_weeks,
    format_decimal,
    parse_week,
    percentage,
    previous_week,
    week_deadline,
    week_of,
)
from app.config import Settings


@pytest.fixture
def default_settings() -> Settings:
    return Settings(_env_file=None)


# --- parse_week ------------------------------------------------------------------------------


@pytest.mark.parametrize("week, monday", [
    ("2020-W01", date(2019, 12, 30)),  # ISO week 1 of 2020 starts in 2019
    ("2020-W15", date(2020, 4, 6)),
    ("2020-W29", date(2020, 7, 13)),
    ("2020-W53", date(2020, 12, 28)),  # 2020 has 53 ISO weeks
    ("2021-W01", date(2021, 1, 4)),
    ("2021-W52", date(2021, 12, 27)),
])
def test_parse_week_gives_the_monday_of_the_iso_week(week, monday):
    assert parse_week(week) == monday
    assert parse_week(week).isoweekday() == 1


@pytest.mark.parametrize("text", ["2020-27", "abc", "", "2020W27", "2020-w27", "20-W27",
                                  "2020-W7", "2020-W027", " 2020-W27"])
def test_parse_week_rejects_a_malformed_week_with_a_chinese_reason(text):
    with pytest.raises(ValueError, match="格式不对"):
        parse_week(text)


@pytest.mark.parametrize("text", ["2020-W00", "2020-W54", "2020-W60", "2021-W53", "2019-W53"])
def test_parse_week_rejects_a_week_the_year_does_not_have(text):
    with pytest.raises(ValueError, match="不存在"):
        parse_week(text)


@pytest.mark.parametrize("text", ["２０２０-W２９", "٢٠٢٠-W29", "2020-W29\n"])
def test_parse_week_accepts_only_the_canonical_ascii_spelling(text):
    with pytest.raises(ValueError):
        parse_week(text)


@pytest.mark.parametrize("text", ["1999-W52", "2100-W01", "9999-W52", "0001-W01"])
def test_weeks_outside_the_years_a_campaign_can_have_are_refused(text):
    with pytest.raises(ValueError, match="超出范围"):
        parse_week(text)


def test_parse_week_of_none_is_a_value_error_not_a_type_error():
    with pytest.raises(ValueError):
        parse_week(None)


# --- week_of and previous_week ---------------------------------------------------------------


@pytest.mark.parametrize("day, week", [
    (date(2020, 7, 15), "2020-W29"),
    (date(2020, 7, 13), "2020-W29"),  # Monday
    (date(2020, 7, 19), "2020-W29"),  # Sunday
    (date(2020, 7, 20), "2020-W30"),
    (date(2020, 4, 8), "2020-W15"),  # the campaign's first day
    (date(2020, 12, 31), "2020-W53"),  # the campaign's last day
    (date(2021, 1, 3), "2020-W53"),  # early January can belong to the previous ISO year
    (date(2019, 12, 30), "2020-W01"),  # late December can belong to the next ISO year
    (date(2020, 1, 6), "2020-W02"),
])
def test_week_of_uses_the_iso_year_and_a_two_digit_week(day, week):
    assert week_of(day) == week


@pytest.mark.parametrize("week, previous", [
    ("2020-W29", "2020-W28"),
    ("2020-W02", "2020-W01"),
    ("2021-W01", "2020-W53"),  # across a year boundary into a 53-week year
    ("2020-W01", "2019-W52"),  # and into a 52-week year
])
def test_previous_week_steps_back_one_iso_week(week, previous):
    assert previous_week(week) == previous


# Days whose ISO weeks a campaign can have (app.common.WEEK_YEARS: 2000-W01 to 2099-W53).
WEEK_DAYS = st.dates(min_value=date(2000, 1, 3), max_value=date(2100, 1, 3))


@given(WEEK_DAYS)
def test_parse_week_of_week_of_a_day_is_the_monday_of_that_day(day):
    assert parse_week(week_of(day)) == day - timedelta(days=day.weekday())


@given(st.dates(min_value=date(2000, 1, 10), max_value=date(2100, 1, 3)))
def test_previous_week_is_the_week_of_seven_days_earlier(day):
    assert previous_week(week_of(day)) == week_of(day - timedelta(days=7))


# --- week_deadline ---------------------------------------------------------------------------


def test_week_deadline_is_friday_18_00_shanghai_which_is_10_00_utc(default_settings):
    deadline = week_deadline(default_settings, "2020-W29")
    assert deadline == datetime(2020, 7, 17, 10, 0, tzinfo=UTC)
    assert deadline.utcoffset() == timedelta(0)
    assert deadline.isoweekday() == 5


def test_week_deadline_of_the_last_campaign_week_falls_in_the_next_year(default_settings):
    assert week_deadline(default_settings, "2020-W53") == datetime(2021, 1, 1, 10, 0, tzinfo=UTC)


def test_week_deadline_follows_the_weekday_and_time_settings():
    settings = Settings(_env_file=None, deadline_weekday=1, deadline_time="09:30")
    assert week_deadline(settings, "2020-W29") == datetime(2020, 7, 13, 1, 30, tzinfo=UTC)


def test_week_deadline_rejects_a_bad_week(default_settings):
    with pytest.raises(ValueError):
        week_deadline(default_settings, "2020-W60")


@given(WEEK_DAYS)
def test_week_deadline_is_always_friday_10_00_utc_of_that_week(day):
    deadline = week_deadline(Settings(_env_file=None), week_of(day))
    assert deadline.tzinfo is not None
    assert deadline.date() == day - timedelta(days=day.weekday()) + timedelta(days=4)
    assert (deadline.hour, deadline.minute) == (10, 0)


# --- campaign_weeks --------------------------------------------------------------------------


def test_default_campaign_runs_from_2020_w15_to_2020_w53(default_settings):
    weeks = campaign_weeks(default_settings)
    assert weeks[0] == "2020-W15" and weeks[-1] == "2020-W53"
    assert len(weeks) == 53 - 15 + 1
    assert weeks == [f"2020-W{n:02d}" for n in range(15, 54)]


def test_campaign_weeks_are_consecutive_and_unique_for_any_start_weekday():
    for offset in range(7):
        start = date(2020, 4, 6) + timedelta(days=offset)
        for end_offset in range(7):
            end = date(2020, 5, 4) + timedelta(days=end_offset)
            weeks = campaign_weeks(Settings(_env_file=None, campaign_start=start, campaign_end=end))
            assert weeks[0] == week_of(start) and weeks[-1] == week_of(end)
            assert len(set(weeks)) == len(weeks)
            for before, after in zip(weeks, weeks[1:], strict=False):
                assert previous_week(after) == before


def test_a_one_day_campaign_has_one_week():
    settings = Settings(_env_file=None, campaign_start=date(2020, 7, 15),
                        campaign_end=date(2020, 7, 15))
    assert campaign_weeks(settings) == ["2020-W29"]


# --- percentage and format_decimal -----------------------------------------------------------


@pytest.mark.parametrize("actual, planned, expected", [
    (1, 800, "0.13"),  # 0.125 rounds half-up, not to even
    (2, 3, "66.67"),
    (1, 3, "33.33"),
    (5, 0, "0.00"),  # nothing planned: 0 (无计划填零)
    (0, 0, "0.00"),
    (250, 100, "250.00"),  # over 100 is kept
    (Decimal("12.5"), Decimal("50"), "25.00"),
    (Decimal("0.0001"), Decimal("8"), "0.00"),
    (Decimal("1"), Decimal("0.0000"), "0.00"),
    (Decimal("3.335"), Decimal("100"), "3.34"),
])
def test_percentage_is_half_up_to_two_places_and_zero_without_a_plan(actual, planned, expected):
    result = percentage(actual, planned)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_percentage_rounds_a_half_cent_up():
    assert str(percentage(Decimal("0.00125"), 1)) == "0.13"
    assert str(percentage(Decimal("0.00135"), 1)) == "0.14"


@pytest.mark.parametrize("value, text", [
    ("50.0000", "50"),
    ("12.5000", "12.5"),
    ("0", "0"),
    ("0.0000", "0"),
    ("0.0001", "0.0001"),
    ("100", "100"),
    ("1000.1000", "1000.1"),
    ("1E+3", "1000"),  # never exponent notation
    ("1E-4", "0.0001"),
    ("9999999999.9999", "9999999999.9999"),
])
def test_format_decimal_drops_trailing_zeros_and_never_uses_exponents(value, text):
    assert format_decimal(Decimal(value)) == text


@pytest.mark.parametrize("value", ["-0", "-0.0000"])
def test_format_decimal_of_negative_zero_is_zero(value):
    assert format_decimal(Decimal(value)) == "0"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None, min_value=Decimal("-1E12"),
                   max_value=Decimal("1E12")) | st.integers(min_value=-10**12, max_value=10**12))
def test_format_decimal_is_the_plain_digits_without_trailing_zeros(value):
    """Whatever the exponent (str would write 1E-7 or 1E+3): plain digits, as format(_, "f")."""
    plain = format(value, "f") if isinstance(value, Decimal) else str(value)
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    assert format_decimal(value) == ("0" if plain in ("", "-0") else plain)
