"""A client's requests as stored: corrections (CSR 5.3; GDPR Art. 16, 19) and copies (CSR 5.1;
GDPR Art. 15), each with its one-month term (GDPR Art. 12(3)) and, once decided, its history:
what was asked, the old and new value of a granted correction, the reason of a declined one.
What the coach does with them (deciding, withdrawing, the list of what is due) is in
``rights/requests.py``.
"""

from __future__ import annotations

from dossier import clock
from dossier.errors import InvalidInput, NotFound
from dossier.format import fields as F
from dossier.format.ids import by_prefix, new_id
from dossier.format.sections import list_section
from dossier.records import items

KINDS = ("correction", "copy")
STATUSES = ("open", "granted", "declined", "done", "withdrawn")
COLUMNS = ("id", "kind", "received", "deadline", "status", "closed", "outcome",
           "item", "proposed", "reason", "old_value", "new_value")


def _text_or_none(field: str, value):
    return None if value is None else F.check_text(field, value)


def _check(r: dict, w: str, ids: dict) -> dict:
    received = F.check_date(f"{w}received", r.get("received"), required=True)
    out = {"kind": F.check_enum(f"{w}kind", r.get("kind"), KINDS), "received": received,
           "deadline": F.check_date(f"{w}deadline", r.get("deadline")) or clock.one_month_after(received),
           "status": F.check_enum(f"{w}status", r.get("status", "open"), STATUSES),
           "closed": F.check_date(f"{w}closed", r.get("closed")),
           "outcome": F.check_text(f"{w}outcome", r.get("outcome")),
           "item": items.check_canonical(r.get("item"), f"{w}item", ids),
           "proposed": _text_or_none(f"{w}proposed", r.get("proposed")),
           "reason": F.check_text(f"{w}reason", r.get("reason")),
           "old_value": _text_or_none(f"{w}old_value", r.get("old_value")),
           "new_value": _text_or_none(f"{w}new_value", r.get("new_value"))}
    if out["kind"] == "correction" and not items.correctable(out["item"]):
        raise InvalidInput(f"{w}item", out["item"], "is not something a correction can change")
    return out


def client_requests(db, client_id: str) -> list[dict]:
    """All requests of one client in the canonical shape (oldest first)."""
    rows = db.all(f"SELECT {', '.join(COLUMNS)} FROM requests WHERE client_id = ? ORDER BY received, n", (client_id,))
    return [dict(zip(COLUMNS, r)) for r in rows]


SECTION = list_section("requests", COLUMNS, _check, client_requests, context=items.own_ids)


def add(db, client_id: str, kind: str, received: str, **extra) -> str:
    """Store a new request (inside a write); its deadline is one month after receipt."""
    rid = new_id()
    cols = {"id": rid, "client_id": client_id, "kind": kind, "received": received,
            "deadline": clock.one_month_after(received), "created": clock.now(), **extra}
    db.execute(f"INSERT INTO requests ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", list(cols.values()))
    return rid


def resolve(db, query: str) -> tuple[str, str]:
    """(request id, client id) for a full id or a unique prefix of at least 4 characters."""
    try:
        row = by_prefix(db, "requests", ("id", "client_id"), query, "a request",
                        "see the ids with: dossier requests --all")
    except NotFound:
        q = (query or "").strip().lower()
        if db.one("SELECT 1 FROM destructions WHERE substr(id, 1, ?) = ?", (len(q), q)):
            raise NotFound(f"{query!r} is a destruction request (CSR 5.4): it is carried out, not withdrawn or decided",
                           "see it with: dossier destroy list") from None
        raise
    return row["id"], row["client_id"]


def get(db, rid: str) -> dict:
    return dict(zip(COLUMNS, db.one(f"SELECT {', '.join(COLUMNS)} FROM requests WHERE id = ?", (rid,))))


def fulfil_copies(db, client_id: str, date: str) -> list[str]:
    """Mark the client's open copy requests as done (inside the write that logs the copy)."""
    rows = [r[0] for r in db.all("SELECT id FROM requests WHERE client_id = ? AND kind = 'copy' AND status = 'open'",
                                 (client_id,))]
    for rid in rows:
        db.execute("UPDATE requests SET status = 'done', closed = ? WHERE id = ?", (date, rid))
    return rows
