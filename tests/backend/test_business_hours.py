"""Support hours: parsing and validation, open or closed in the support time zone, next opening."""
from datetime import datetime, timedelta, timezone

import pytest

from bot.backend import business_hours
from bot.backend.business_hours import is_open, next_opening, parse_schedule, support_schedule
from bot.backend.config import backend_settings, handoff_max_wait
from bot.backend.errors import InvalidSchedule

UTC = timezone.utc
WEEKDAYS_AND_SATURDAY = "mon-fri 09:00-18:00; sat 10:00-16:00"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture(autouse=True)
def default_hours(monkeypatch):
    for name in ("KDPAY_SUPPORT_HOURS", "KDPAY_SUPPORT_TIMEZONE", "KDPAY_HANDOFF_MAX_WAIT_MINUTES"):
        monkeypatch.delenv(name, raising=False)


def test_the_defaults_are_every_day_nine_to_nine_in_shanghai():
    settings = backend_settings()
    assert (settings.support_hours, settings.support_timezone) == ("mon-sun 09:00-21:00", "Asia/Shanghai")
    assert handoff_max_wait() == timedelta(minutes=10)
    # 2026-11-10 is a Tuesday; Shanghai is UTC+8.
    assert not is_open(utc(2026, 11, 10, 0, 59))  # 08:59 local
    assert is_open(utc(2026, 11, 10, 1, 0))  # 09:00 local
    assert is_open(utc(2026, 11, 10, 12, 59))  # 20:59 local
    assert not is_open(utc(2026, 11, 10, 13, 0))  # 21:00 local
    assert is_open(utc(2026, 11, 15, 5, 0))  # Sunday


def test_the_time_zone_decides_the_local_day_and_hour(monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", WEEKDAYS_AND_SATURDAY)
    # Friday 2026-11-13 17:30 UTC is Saturday 01:30 in Shanghai: closed there.
    assert not is_open(utc(2026, 11, 13, 17, 30))
    monkeypatch.setenv("KDPAY_SUPPORT_TIMEZONE", "Europe/London")
    assert is_open(utc(2026, 11, 13, 17, 30))  # Friday 17:30 in London
    monkeypatch.setenv("KDPAY_SUPPORT_TIMEZONE", "America/Los_Angeles")
    assert is_open(utc(2026, 11, 14, 1, 30))  # still Friday 17:30 in Los Angeles


def test_weekends_follow_the_schedule(monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", WEEKDAYS_AND_SATURDAY)
    saturday, sunday = utc(2026, 11, 14, 3, 0), utc(2026, 11, 15, 3, 0)  # 11:00 local
    assert is_open(saturday) and not is_open(sunday)
    assert not is_open(utc(2026, 11, 14, 1, 30))  # Saturday 09:30 local, before 10:00


def test_next_opening_across_a_weekend(monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", WEEKDAYS_AND_SATURDAY)
    # Saturday 16:00 Shanghai: closed until Monday 09:00 Shanghai = Monday 01:00 UTC.
    assert next_opening(utc(2026, 11, 14, 8, 0)) == utc(2026, 11, 16, 1, 0)
    # Friday 19:00 Shanghai: Saturday 10:00 Shanghai.
    assert next_opening(utc(2026, 11, 13, 11, 0)) == utc(2026, 11, 14, 2, 0)
    # Early on Tuesday: the same morning.
    assert next_opening(utc(2026, 11, 9, 22, 0)) == utc(2026, 11, 10, 1, 0)
    # While open, now.
    assert next_opening(utc(2026, 11, 10, 3, 0)) == utc(2026, 11, 10, 3, 0)
    assert next_opening(utc(2026, 11, 10, 3, 0)).tzinfo == UTC


def test_next_opening_a_week_later_and_with_a_break():
    mondays = parse_schedule("mon 09:00-10:00", "Asia/Shanghai")
    assert mondays.next_opening(utc(2026, 11, 16, 2, 0)) == utc(2026, 11, 23, 1, 0)  # Monday 10:00 local
    split = parse_schedule("mon-fri 09:00-12:00,13:00-18:00", "UTC")
    assert not split.is_open(utc(2026, 11, 10, 12, 30))
    assert split.next_opening(utc(2026, 11, 10, 12, 30)) == utc(2026, 11, 10, 13, 0)


def test_next_opening_keeps_to_local_time_across_daylight_saving():
    london = parse_schedule("mon-fri 09:00-17:00", "Europe/London")
    # Friday 2026-10-23 after hours; clocks go back on Sunday 25 October: Monday 09:00 is 09:00 UTC.
    assert london.next_opening(utc(2026, 10, 23, 17, 0)) == utc(2026, 10, 26, 9, 0)
    assert london.next_opening(utc(2026, 10, 22, 18, 0)) == utc(2026, 10, 23, 8, 0)  # still BST


def test_the_parser_accepts_lists_wrapping_ranges_midnight_and_overlaps():
    schedule = parse_schedule(" Mon,WED,fri-sun 08:00-12:00 ;\nsun 11:00-24:00;tue 00:00-01:00 ", "UTC")
    assert schedule.week[0] == ((480, 720),) and schedule.week[2] == ((480, 720),)
    assert schedule.week[1] == ((0, 60),) and schedule.week[3] == ()
    assert schedule.week[6] == ((480, 1440),)
    assert schedule.is_open(utc(2026, 11, 15, 23, 59)) and not schedule.is_open(utc(2026, 11, 12, 9, 0))
    assert "thu closed" in schedule.describe()


@pytest.mark.parametrize("text, complaint", [
    ("", "empty"),
    ("mon-fri", "DAYS HH:MM-HH:MM"),
    ("mon-fri 09:00-18:00 extra", "DAYS HH:MM-HH:MM"),
    ("monday 09:00-18:00", "not a day"),
    ("mon-fri-sun 09:00-18:00", "not a day"),
    ("mon 9:00-18:00", "HH:MM-HH:MM"),
    ("mon 09:00-18:60", "HH:MM-HH:MM"),
    ("mon 09:00-24:30", "HH:MM-HH:MM"),
    ("mon 09:00", "HH:MM-HH:MM"),
    ("mon 18:00-09:00", "overnight"),
    ("mon 09:00-09:00", "overnight"),
])
def test_bad_hours_are_refused_with_a_clear_message(text, complaint):
    with pytest.raises(InvalidSchedule, match=complaint) as refused:
        parse_schedule(text, "Asia/Shanghai")
    assert "KDPAY_SUPPORT_HOURS" in str(refused.value)
    assert isinstance(refused.value, ValueError)


def test_a_bad_time_zone_is_refused(monkeypatch):
    monkeypatch.setenv("KDPAY_SUPPORT_TIMEZONE", "Mars/Olympus_Mons")
    with pytest.raises(InvalidSchedule, match="KDPAY_SUPPORT_TIMEZONE"):
        support_schedule()
    with pytest.raises(InvalidSchedule):
        parse_schedule("mon 09:00-10:00", "../etc/passwd")


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        is_open(datetime(2026, 11, 10, 9, 0))


def test_the_maximum_wait_must_be_positive(monkeypatch):
    monkeypatch.setenv("KDPAY_HANDOFF_MAX_WAIT_MINUTES", "0")
    with pytest.raises(ValueError):
        backend_settings()


def test_the_check_command(monkeypatch, capsys):
    assert business_hours.main() == 0
    assert "Asia/Shanghai" in capsys.readouterr().out
    monkeypatch.setenv("KDPAY_SUPPORT_HOURS", "whenever")
    assert business_hours.main() == 2
    assert "KDPAY_SUPPORT_HOURS" in capsys.readouterr().err
