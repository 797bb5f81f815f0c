"""The coach's own date (clock.py): local, not UTC. Between local midnight and 01:00 (02:00 in
summer) in the Netherlands the UTC date is still yesterday; every default date, deadline and
"not in the future" check uses the local date, audit entries a UTC timestamp."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from dossier import clock

# 26 January 2026, 23:30 UTC: 27 January, 00:30 in Amsterdam (CET, +01:00).
HALF_PAST_MIDNIGHT = dt.datetime(2026, 1, 26, 23, 30, tzinfo=dt.timezone.utc)


@pytest.fixture
def amsterdam_half_past_midnight(monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only: the local time zone cannot be set in a test on Windows")
    monkeypatch.setenv("TZ", "Europe/Amsterdam")
    time.tzset()
    monkeypatch.setattr(clock, "utc_now", lambda: HALF_PAST_MIDNIGHT)
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def cli(practice, dossier):
    return dossier


def test_today_is_the_local_date_and_now_is_utc(amsterdam_half_past_midnight):
    assert clock.today() == "2026-01-27"
    assert clock.now() == "2026-01-26T23:30:00Z"
    assert clock.local_time(clock.now()) == "2026-01-27 00:30 +01:00"


def test_the_coachs_own_date_at_half_past_midnight(amsterdam_half_past_midnight, cli, practice, tmp_path):
    """The date on the coach's calendar is accepted, deadlines count from it, letters carry it."""
    notes = tmp_path / "notes.txt"
    notes.write_text("Gesprek kort na middernacht.", encoding="utf-8")
    r = cli("session", "add", "noelle", "--date", "2026-01-27", "--notes-file", notes)
    assert r.exit_code == 0, r.stderr
    r = cli("session", "add", "noelle", "--notes-file", notes)
    assert r.exit_code == 0 and "session of 2026-01-27 saved" in r.stderr
    r = cli("requests", "add", "noelle", "--kind", "copy", "--received", "2026-01-27")
    assert r.exit_code == 0, r.stderr  # was refused with the UTC date: "is in the future"
    listed = json.loads(cli("requests", "--json").stdout)
    assert [x["deadline"] for x in listed if x["kind"] == "copy" and x["received"] == "2026-01-27"] == ["2026-02-27"]
    r = cli("destroy", "request", "noelle")
    assert r.exit_code == 0 and "at the latest 2026-02-24" in r.stderr  # 27 January + 28 days
    r = cli("destroy", "run", "noelle", "--yes", "--out", tmp_path / "brieven")
    assert r.exit_code == 0, r.stderr
    assert [p.name for p in (tmp_path / "brieven").iterdir()] == ["vernietiging-noelle-dijkstra-2026-01-27.pdf"]
    r = cli("requests", "add", "sem", "--kind", "copy", "--received", "2026-01-28")
    assert r.exit_code == 1 and "is in the future" in r.stderr  # tomorrow still is


def test_months_and_days():
    assert clock.one_month_after("2026-01-31") == "2026-02-28"
    assert clock.add_months("2024-02-29", 12) == "2025-02-28"
    assert clock.add_days("2026-12-31", 1) == "2027-01-01"
    assert clock.days_between("2026-01-27", "2026-02-24") == 28
    assert clock.local_time("not a time") == "not a time" and clock.local_time(None) == ""
