"""A client's requests and their one-month term: corrections (CSR 5.3; GDPR Art. 16, 19) and
copies (CSR 5.1; GDPR Art. 15). GDPR Art. 12(3): answer within one month of receipt.

A request is kept after it is decided, with its history: what was asked, the old and new value
of a granted correction, and the reason of a declined one.
"""

from __future__ import annotations

import calendar
import datetime as dt

from dossier.errors import InvalidInput, NotFound, Refused, UsageError
from dossier.records import fields as F
from dossier.records.clients import get_summary, new_id
from dossier.rights import items

KINDS = ("correction", "copy")
STATUSES = ("open", "granted", "declined", "done", "withdrawn")
COLUMNS = ("id", "kind", "received", "deadline", "status", "closed", "outcome",
           "item", "proposed", "reason", "old_value", "new_value")


def today() -> str:
    from dossier.vault import now

    return now()[:10]


def one_month_after(date: str) -> str:
    """The same day one calendar month later, or that month's last day (GDPR Art. 12(3))."""
    return add_months(date, 1)


def add_months(date: str, n: int) -> str:
    """The same day ``n`` calendar months later, or that month's last day."""
    d = dt.date.fromisoformat(date)
    months = d.month - 1 + n
    year, month = d.year + months // 12, months % 12 + 1
    return d.replace(year=year, month=month, day=min(d.day, calendar.monthrange(year, month)[1])).isoformat()


def received_date(value: str | None, field: str = "--received") -> str:
    """The date a request was received (or decided): today by default, never in the future."""
    date = F.check_date(field, value) or today()
    if date > today():
        raise InvalidInput(field, date, "is in the future")
    return date


def _insert(db, client_id: str, kind: str, received: str, **extra) -> str:
    from dossier.vault import now

    rid = new_id()
    cols = {"id": rid, "client_id": client_id, "kind": kind, "received": received,
            "deadline": one_month_after(received), "created": now(), **extra}
    db.execute(f"INSERT INTO requests ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", list(cols.values()))
    return rid


def request_correction(vault, client_id: str, field: str, proposed, reason: str, received: str | None = None) -> dict:
    """Record a client's request to correct a field or a session's notes (CSR 5.3).

    The proposed value is checked as the field itself is, so that it can be granted as asked.
    A request about the coach's findings is recorded too, but can only be declined.
    """
    reason = F.check_text("--reason", reason).strip()
    if not reason:
        raise InvalidInput("--reason", reason, "must not be empty: why does the client ask for this?")
    received = received_date(received)
    with vault.write():
        get_summary(vault.db, client_id)
        item = items.for_correction(vault.db, client_id, field)
        value = items.as_text(items.check_value(item, proposed))
        rid = _insert(vault.db, client_id, "correction", received, item=item, proposed=value, reason=reason)
        vault.log("correction.request", client_id, detail=f"request {rid}, item {item}")
    return {"id": rid, "item": item, "deadline": one_month_after(received), "findings": items.is_findings(item)}


def request_copy(vault, client_id: str, received: str | None = None, note: str = "") -> dict:
    """Record a request for inspection and a copy (CSR 5.1; GDPR Art. 15); ``dossier copy`` fulfils it."""
    note = F.check_line("--note", note)
    received = received_date(received)
    with vault.write():
        get_summary(vault.db, client_id)
        rid = _insert(vault.db, client_id, "copy", received, reason=note)
        vault.log("copy.request", client_id, detail=f"request {rid}")
    return {"id": rid, "deadline": one_month_after(received)}


def resolve(db, query: str) -> tuple[str, str]:
    """(request id, client id) for a full id or a unique prefix of at least 4 characters."""
    from dossier.records.clients import by_prefix

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


def _load(db, rid: str) -> dict:
    return dict(zip(COLUMNS, db.one(f"SELECT {', '.join(COLUMNS)} FROM requests WHERE id = ?", (rid,))))


def decide(vault, query: str, grant: bool, reason: str = "", date: str | None = None) -> dict:
    """Grant or decline a correction request (CSR 5.3; GDPR Art. 16).

    Granting changes the data and keeps the old and new value; declining needs a reason. The
    coach's findings cannot be granted. Returns the request as decided, with ``notify``: the
    earlier recipients of this client's data, to be told of the correction (GDPR Art. 19).
    """
    reason = F.check_text("--reason", reason).strip()
    if not grant and not reason:
        raise UsageError("--decline needs --reason: the client is owed the reason (CSR 5.3)")
    decided = received_date(date, "--date")
    with vault.write():
        db = vault.db
        rid, client_id = resolve(db, query)
        req = _load(db, rid)
        if req["kind"] != "correction":
            raise InvalidInput("ID", query, f"is a {req['kind']} request, not a correction request")
        if req["status"] != "open":
            raise Refused(f"request {rid[:8]} was already {req['status']} on {req['closed']}; "
                          "a decision is final", "the client may add a statement: dossier statement add "
                          f"CLIENT --about request:{rid[:8]} --file F")
        if decided < req["received"]:
            raise InvalidInput("--date", decided, f"is before the request was received ({req['received']})")
        if grant and items.is_findings(req["item"]):
            raise Refused("the coach's findings are the coach's own conclusions and are not corrected (CSR 5.3)",
                          "decline with --reason, and offer the client a statement: dossier statement add "
                          f"CLIENT --about {items.short(req['item'])} --file F")
        changes = {"status": "granted" if grant else "declined", "closed": decided, "outcome": reason}
        if grant:
            from dossier.vault import now

            old = items.read(db, client_id, req["item"])
            new = items.check_value(req["item"], req["proposed"])
            items.write(db, client_id, req["item"], new, now())
            changes.update(old_value=items.as_text(old), new_value=items.as_text(new))
        db.execute(f"UPDATE requests SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                   [*changes.values(), rid])
        vault.log("correction.grant" if grant else "correction.decline", client_id,
                  detail=f"request {rid}, item {req['item']}")
        req.update(changes)
        from dossier.rights.disclosures import recipients_before

        req["notify"] = recipients_before(db, client_id, decided) if grant else []
        req["client_id"] = client_id
    return req


def withdraw(vault, query: str, reason: str = "") -> dict:
    """The client withdraws an open request; it is kept, marked withdrawn."""
    reason = F.check_line("--reason", reason)
    with vault.write():
        rid, client_id = resolve(vault.db, query)
        req = _load(vault.db, rid)
        if req["status"] != "open":
            raise Refused(f"request {rid[:8]} was already {req['status']} on {req['closed']}")
        vault.db.execute("UPDATE requests SET status = 'withdrawn', closed = ?, outcome = ? WHERE id = ?",
                         (today(), reason, rid))
        vault.log("request.withdraw", client_id, detail=f"request {rid}")
    return _load(vault.db, rid)


def fulfil_copies(db, client_id: str, date: str) -> list[str]:
    """Mark the client's open copy requests as done (inside the write that logs the copy)."""
    rows = [r[0] for r in db.all("SELECT id FROM requests WHERE client_id = ? AND kind = 'copy' AND status = 'open'",
                                 (client_id,))]
    for rid in rows:
        db.execute("UPDATE requests SET status = 'done', closed = ? WHERE id = ?", (date, rid))
    return rows


def list_requests(db, open_only: bool = True, client_id: str | None = None, on: str | None = None) -> list[dict]:
    """Requests by deadline, each with its client, age and days left on date ``on`` (today)."""
    on = on or today()
    where, params = [], []
    if open_only:
        where.append("r.status = 'open'")
    if client_id:
        where.append("r.client_id = ?")
        params.append(client_id)
    sql = (f"SELECT {', '.join('r.' + c for c in COLUMNS)}, r.client_id, c.first_name, c.last_name "
           "FROM requests r JOIN clients c ON c.id = r.client_id"
           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.deadline, r.received, r.n")
    rows = [dict(zip((*COLUMNS, "client_id", "first", "last"), row)) for row in db.all(sql, params)]
    for r in rows:
        r["client"], r["hold"] = f"{r.pop('first')} {r.pop('last')}", None
    # Destruction requests (CSR 5.4) live in their own table, as they outlive the client; a legal
    # hold stops their clock (CSR 5.4: weighty reasons), as in `dossier due`.
    from dossier.destroy import list_requests as destructions

    for d in destructions(db):
        if (client_id is None or d["client_id"] == client_id) and (d["status"] == "pending" or not open_only):
            rows.append({**dict.fromkeys(COLUMNS), "id": d["id"], "kind": "destruction", "received": d["received"],
                         "deadline": d["deadline"], "status": "open" if d["status"] == "pending" else d["status"],
                         "closed": d["executed"], "outcome": "", "reason": "", "client_id": d["client_id"],
                         "client": d["client"], "hold": d["hold"]})
    day = dt.date.fromisoformat(on)
    for r in rows:
        r["age_days"] = (day - dt.date.fromisoformat(r["received"])).days
        r["days_left"] = (dt.date.fromisoformat(r["deadline"]) - day).days
        r["overdue"] = r["status"] == "open" and r["days_left"] < 0 and not r["hold"]
    return sorted(rows, key=lambda r: (r["deadline"], r["received"]))


def client_requests(db, client_id: str) -> list[dict]:
    """All requests of one client in the canonical shape (oldest first)."""
    rows = db.all(f"SELECT {', '.join(COLUMNS)} FROM requests WHERE client_id = ? ORDER BY received, n", (client_id,))
    return [dict(zip(COLUMNS, r)) for r in rows]
