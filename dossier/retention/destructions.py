"""Written requests to destroy a dossier and legal holds (CSR 5.4).

A request starts a four-week clock and is kept after the destruction as a tombstone (the
client's name, the dates, the scanned letter), as proof that it was carried out; a legal
hold (a complaint or a court case pending: "weighty reasons") blocks the destruction until
it is released.
"""

from __future__ import annotations

from pathlib import Path

from dossier import clock, paths
from dossier.errors import Refused
from dossier.format import fields as F
from dossier.format.ids import new_id
from dossier.records.clients import get_summary
from dossier.records.holds import client_holds, pending_requests

TERM_DAYS = 28  # CSR 5.4: at most four weeks after receipt


def request(vault, client_id: str, received: str | None, letter: Path | None = None) -> dict:
    """Record a written request to destroy the dossier; the deadline is receipt + 28 days.
    The request (name, dates, the scanned letter) outlives the dossier as a tombstone."""
    received = F.received_date(received)
    content = paths.read_user_file(letter, max_bytes=20 * 2**20) if letter else None
    with vault.write():
        c = get_summary(vault.db, client_id)
        if pending_request(vault.db, client_id):
            raise Refused(f"{c['first_name']} {c['last_name']} has a destruction request pending already",
                          "see it with: dossier destroy list")
        rid = new_id()
        deadline = clock.add_days(received, TERM_DAYS)
        vault.db.execute("INSERT INTO destructions (id, client_id, first_name, last_name, received, deadline, letter, "
                         "letter_name, created) VALUES (?,?,?,?,?,?,?,?,?)",
                         (rid, client_id, c["first_name"], c["last_name"], received, deadline, content,
                          Path(letter).name if letter else None, clock.now()))
        vault.log("destroy.request", client_id, detail=f"request {rid}" + (", letter kept" if letter else ""))
    return {"id": rid, "deadline": deadline}


def hold(vault, client_id: str, reason: str) -> str:
    """A legal hold (a complaint or a court case pending) that blocks destruction."""
    reason = F.check_line("--reason", reason, required=True)
    with vault.write():
        get_summary(vault.db, client_id)
        if current_hold(vault.db, client_id):
            raise Refused("this dossier is on hold already", "release it first: dossier destroy release CLIENT")
        hid = new_id()
        vault.db.execute("INSERT INTO holds (id, client_id, reason, placed, created) VALUES (?,?,?,?,?)",
                         (hid, client_id, reason, clock.today(), clock.now()))
        vault.log("destroy.hold", client_id, detail=f"hold {hid}")
    return hid


def release(vault, client_id: str) -> None:
    with vault.write():
        get_summary(vault.db, client_id)
        held = current_hold(vault.db, client_id)
        if not held:
            raise Refused("this dossier is not on hold")
        vault.db.execute("UPDATE holds SET released = ? WHERE id = ?", (clock.today(), held["id"]))
        vault.log("destroy.release", client_id, detail=f"hold {held['id']}")


def pending_request(db, client_id: str) -> dict | None:
    """The client's written request to destroy that is not carried out yet, if any."""
    return next(iter(pending_requests(db, client_id)), None)


def current_hold(db, client_id: str) -> dict | None:
    """The client's hold in force, if any."""
    return next((h for h in client_holds(db, client_id) if not h["released"]), None)


def list_requests(db) -> list[dict]:
    cols = ("id", "client_id", "first_name", "last_name", "received", "deadline", "letter_name", "status", "executed",
            "basis")
    rows = [dict(zip(cols, r)) for r in db.all(f"SELECT {', '.join(cols)} FROM destructions ORDER BY received, n")]
    for r in rows:
        r["client"] = f"{r.pop('first_name')} {r.pop('last_name')}"
        r["hold"] = current_hold(db, r["client_id"]) if r["status"] == "pending" else None
    return rows
