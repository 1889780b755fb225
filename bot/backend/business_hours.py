"""When human agents answer: a weekly schedule in the support team's time zone.

KDPAY_SUPPORT_HOURS is a list of entries separated by ";", each a set of
days and one or more time ranges:

    mon-fri 09:00-18:00; sat 10:00-16:00
    mon,wed,fri 09:00-12:00,13:00-17:30; sun 00:00-24:00

Days are mon tue wed thu fri sat sun, single or as ranges (a range may wrap,
"fri-mon"), joined by commas. Times are 24-hour HH:MM; a range ends after it
starts, on the same day ("24:00" for midnight); ranges that overlap merge.
Days not named are closed. KDPAY_SUPPORT_TIMEZONE is an IANA zone name
(default Asia/Shanghai). Anything else is refused with InvalidSchedule,
naming the setting and the part that is wrong.

Check the configuration: python -m bot.backend.business_hours
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.backend.config import backend_settings
from bot.backend.errors import InvalidSchedule

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = re.compile(r"(\d{2}):(\d{2})")

Interval = Tuple[int, int]  # minutes after local midnight, [start, end)


@dataclass(frozen=True)
class SupportSchedule:
    """Open intervals per weekday (Monday first), merged and sorted, in `zone`."""

    zone: ZoneInfo
    week: Tuple[Tuple[Interval, ...], ...]

    def is_open(self, now_utc: datetime) -> bool:
        local = _aware(now_utc).astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.week[local.weekday()])

    def next_opening(self, now_utc: datetime) -> datetime:
        """`now_utc` itself while open; otherwise the next time support opens, in UTC."""
        now_utc = _aware(now_utc)
        if self.is_open(now_utc):
            return now_utc.astimezone(timezone.utc)
        today = now_utc.astimezone(self.zone).date()
        for offset in range(8):
            day = today + timedelta(days=offset)
            for start, _end in self.week[day.weekday()]:
                opening = _local_time(day, start, self.zone).astimezone(timezone.utc)
                if opening > now_utc:
                    return opening
        raise InvalidSchedule("the support schedule has no opening hours")  # parse_schedule prevents this

    def describe(self) -> str:
        parts = []
        for name, intervals in zip(DAYS, self.week):
            hours = ",".join(f"{_clock(start)}-{_clock(end)}" for start, end in intervals) or "closed"
            parts.append(f"{name} {hours}")
        return f"{'; '.join(parts)} ({self.zone.key})"


def parse_schedule(text: str, zone_name: str = "Asia/Shanghai") -> SupportSchedule:
    """The schedule in `text`, or InvalidSchedule saying what is wrong."""
    zone = _zone(zone_name)
    week: List[List[Interval]] = [[] for _ in DAYS]
    entries = [entry.strip() for entry in (text or "").replace("\n", ";").split(";")]
    entries = [entry for entry in entries if entry]
    if not entries:
        raise InvalidSchedule('KDPAY_SUPPORT_HOURS is empty: give e.g. "mon-fri 09:00-18:00"')
    for entry in entries:
        fields = entry.lower().split()
        if len(fields) != 2:
            raise InvalidSchedule(
                f'KDPAY_SUPPORT_HOURS: {entry!r} is not "DAYS HH:MM-HH:MM" (e.g. "mon-fri 09:00-18:00")'
            )
        days, ranges = fields
        intervals = [_interval(part, entry) for part in ranges.split(",")]
        for weekday in _days(days, entry):
            week[weekday].extend(intervals)
    return SupportSchedule(zone, tuple(_merged(intervals) for intervals in week))


def support_schedule() -> SupportSchedule:
    """The configured schedule (KDPAY_SUPPORT_HOURS, KDPAY_SUPPORT_TIMEZONE), read on every call."""
    settings = backend_settings()
    return parse_schedule(settings.support_hours, settings.support_timezone)


def is_open(now_utc: datetime, schedule: Optional[SupportSchedule] = None) -> bool:
    """Whether agents are working at `now_utc` (a timezone-aware time)."""
    return (schedule or support_schedule()).is_open(now_utc)


def next_opening(now_utc: datetime, schedule: Optional[SupportSchedule] = None) -> datetime:
    """When agents are next at work, in UTC (`now_utc` itself while open)."""
    return (schedule or support_schedule()).next_opening(now_utc)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo((name or "").strip())
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise InvalidSchedule(
            f"KDPAY_SUPPORT_TIMEZONE: {name!r} is not a known time zone (e.g. Asia/Shanghai)"
        ) from error


def _days(text: str, entry: str) -> List[int]:
    chosen: List[int] = []
    for part in text.split(","):
        ends = part.split("-")
        if len(ends) > 2 or any(end not in DAYS for end in ends):
            raise InvalidSchedule(
                f"KDPAY_SUPPORT_HOURS: {part!r} in {entry!r} is not a day or day range ({', '.join(DAYS)})"
            )
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        chosen.extend((first + step) % 7 for step in range((last - first) % 7 + 1))
    return chosen


def _interval(text: str, entry: str) -> Interval:
    ends = text.split("-")
    minutes = [_minutes(end) for end in ends] if len(ends) == 2 else [None]
    if None in minutes:
        raise InvalidSchedule(f"KDPAY_SUPPORT_HOURS: {text!r} in {entry!r} is not HH:MM-HH:MM")
    start, end = minutes
    if start >= end:
        raise InvalidSchedule(
            f"KDPAY_SUPPORT_HOURS: {text!r} in {entry!r} must end after it starts on the same day "
            "(split overnight hours into two entries)"
        )
    return start, end


def _minutes(text: str) -> Optional[int]:
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def _merged(intervals: List[Interval]) -> Tuple[Interval, ...]:
    merged: List[List[int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple((start, end) for start, end in merged)


def _local_time(day: date, minute: int, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)  # a start is before 24:00


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: pass timezone-aware UTC times")
    return moment


def main() -> int:
    try:
        schedule = support_schedule()
    except InvalidSchedule as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    now = datetime.now(timezone.utc)
    print(f"Support hours: {schedule.describe()}")
    print("Open now" if schedule.is_open(now) else f"Closed; opens {schedule.next_opening(now).isoformat()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
