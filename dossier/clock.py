"""The one clock: the coach's own date, and UTC timestamps for the audit trail.

``today()`` is the local date, the date a coach writes on a letter: every default date,
every deadline (CSR 5.4: four weeks; GDPR Art. 12(3): one month) and every "is this in the
future?" check uses it. ``now()`` is a UTC timestamp (``2026-11-02T09:15:00Z``) for audit
entries and records of when something was stored; :func:`local_time` shows one to the coach
in local time with its offset. Between local midnight and 01:00 (02:00 in summer) in the
Netherlands the UTC date is still yesterday: using it for "today" refused the coach's own
date as the future and dated letters a day early.
"""

from __future__ import annotations

import calendar
import datetime as dt


def utc_now() -> dt.datetime:
    """The current moment (tests replace this one function to fix the clock)."""
    return dt.datetime.now(dt.timezone.utc)


def now() -> str:
    """The current UTC time to the second, as ``YYYY-MM-DDTHH:MM:SSZ`` (audit entries)."""
    return utc_now().replace(microsecond=0).isoformat().replace("+00:00", "Z")


def today() -> str:
    """The coach's local date as ``YYYY-MM-DD``."""
    return utc_now().astimezone().date().isoformat()


def local_time(stamp: str | None) -> str:
    """A UTC timestamp from :func:`now` as local time with its offset (``2026-11-02 10:15 +01:00``);
    text that is not such a timestamp is returned as it is."""
    if not stamp:
        return ""
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return str(stamp)
    if moment.tzinfo is None:
        return str(stamp)
    local = moment.astimezone()
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def add_months(date: str, n: int) -> str:
    """The same day ``n`` calendar months later, or that month's last day."""
    d = dt.date.fromisoformat(date)
    months = d.month - 1 + n
    year, month = d.year + months // 12, months % 12 + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1])).isoformat()


def one_month_after(date: str) -> str:
    """The same day one calendar month later, or that month's last day (GDPR Art. 12(3))."""
    return add_months(date, 1)


def add_days(date: str, n: int) -> str:
    """The date ``n`` days after ``date`` (before it when ``n`` is negative)."""
    return (dt.date.fromisoformat(date) + dt.timedelta(days=n)).isoformat()


def days_between(start: str, end: str) -> int:
    """How many days ``end`` is after ``start``."""
    return (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days
