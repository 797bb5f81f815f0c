"""What is due: destruction requests by their deadline, and the end of the retention period
of closed dossiers (CSR 5.4; TB 2.27; GDPR Art. 5(1)(e)), with the holds that block them.
"""

from __future__ import annotations

import re

from dossier import clock
from dossier.errors import InvalidInput
from dossier.records.clients import get_summary

DUE_WITHIN_DAYS = 30
RETENTION_KEY = "retention_after_close"
_PERIOD = re.compile(r"(\d{1,3})([ymd])")


def parse_period(text: str, field: str = "--after-close") -> str:
    """``2y``, ``18m`` or ``90d`` (years, months, days)."""
    value = (text or "").strip().lower().replace(" ", "")
    if not _PERIOD.fullmatch(value) or int(value[:-1]) == 0:
        raise InvalidInput(field, text, "is not a period such as 2y, 18m or 90d")
    return value


def add_period(date: str, period: str) -> str:
    n, unit = int(period[:-1]), period[-1]
    if unit == "d":
        return clock.add_days(date, n)
    return clock.add_months(date, n * 12 if unit == "y" else n)


def check_retention(period: str, for_client: bool) -> str | None:
    """The period ``retention set`` stores (None: a client's override removed)."""
    if for_client and period.strip().lower() in ("none", "default"):
        return None
    return parse_period(period)


def set_retention(vault, period: str, client_id: str | None = None) -> str | None:
    """The practice's retention after closing (``2y``), or one client's override (``none``
    removes the override; the practice default applies again)."""
    value = check_retention(period, client_id is not None)
    with vault.write():
        if client_id:
            get_summary(vault.db, client_id)
            vault.db.execute("UPDATE clients SET retention = ? WHERE id = ?", (value, client_id))
        else:
            vault.db.set_meta(RETENTION_KEY, value)
        vault.log("retention.set", client_id, detail=f"after close: {value or 'practice default'}")
    return value


def practice_retention(db) -> str | None:
    row = db.one("SELECT value FROM meta WHERE key = ?", (RETENTION_KEY,))
    return row[0] if row else None


def due(db, on: str | None = None, within: int = DUE_WITHIN_DAYS) -> list[dict]:
    """Everything due, overdue or coming within ``within`` days: destruction requests (by
    their deadline), retention expiries of closed dossiers, and the holds that block them."""
    on = on or clock.today()
    horizon = clock.add_days(on, within)
    holds = {r[0]: {"reason": r[1], "placed": r[2]} for r in db.all(
        "SELECT client_id, reason, placed FROM holds WHERE released IS NULL")}
    items = []
    for rid, cid, first, last, received, deadline in db.all(
            "SELECT id, client_id, first_name, last_name, received, deadline FROM destructions "
            "WHERE status = 'pending' ORDER BY deadline"):
        items.append({"kind": "request", "id": rid, "client_id": cid, "client": f"{first} {last}",
                      "received": received, "date": deadline})
    default = practice_retention(db)
    for cid, first, last, closed, own in db.all(
            "SELECT id, first_name, last_name, closed, retention FROM clients WHERE status = 'closed' AND closed IS NOT NULL"):
        period = own or default
        if period:
            expires = add_period(closed, period)
            if expires <= horizon:
                items.append({"kind": "retention", "id": None, "client_id": cid, "client": f"{first} {last}",
                              "closed": closed, "period": period, "date": expires})
    for item in items:
        item["hold"] = holds.get(item["client_id"])
        item["overdue"] = item["date"] < on if item["kind"] == "request" else item["date"] <= on
        item["due"] = item["kind"] == "request" or item["date"] <= on  # a request: as soon as possible
    listed = {i["client_id"] for i in items}
    for cid, h in holds.items():
        if cid not in listed:
            name = db.one("SELECT first_name || ' ' || last_name FROM clients WHERE id = ?", (cid,))
            items.append({"kind": "hold", "id": None, "client_id": cid, "client": name[0] if name else cid,
                          "date": h["placed"], "hold": h, "overdue": False, "due": False})
    return sorted(items, key=lambda i: (i["date"], i["client"]))


def overdue_count(db, on: str | None = None) -> int:
    """How many items are past their date and not on hold (for the warning at every unlock)."""
    return sum(1 for i in due(db, on, within=0) if i["overdue"] and not i["hold"])


def due_clients(db) -> tuple[list[str], list[dict]]:
    """The clients due for destruction now (a pending request, or an expired retention), and
    the items that are due but on hold (left alone, listed)."""
    items = [i for i in due(db, within=0) if i["due"] and i["kind"] != "hold"]
    ready = list(dict.fromkeys(i["client_id"] for i in items if not i["hold"]))
    return ready, [i for i in items if i["hold"]]
