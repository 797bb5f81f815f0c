"""What the coach does with a client's requests: record them, decide a correction (CSR 5.3;
GDPR Art. 16, 19), withdraw one, and list what is open with its one-month term (GDPR Art.
12(3)), destruction requests (CSR 5.4) included. The requests as stored are records/requests.py.
"""

from __future__ import annotations

from dossier import clock
from dossier.errors import InvalidInput, Refused, UsageError
from dossier.format import fields as F
from dossier.records import items
from dossier.records.clients import get_summary
from dossier.records.disclosures import recipients_before
from dossier.records.requests import COLUMNS, add, get, resolve
from dossier.retention.destructions import list_requests as destructions


def check_reason(reason: str) -> str:
    """The client's reason for a correction: required (no vault needed)."""
    reason = F.check_text("--reason", reason).strip()
    if not reason:
        raise InvalidInput("--reason", reason, "must not be empty: why does the client ask for this?")
    return reason


def request_correction(vault, client_id: str, field: str, proposed, reason: str, received: str | None = None,
                       passage: str | None = None) -> dict:
    """Record a client's request to correct a field or a session's notes (CSR 5.3).

    The proposed value is checked as the field itself is, so that it can be granted as asked.
    With ``passage``, the client disputes that passage of the text only: ``proposed`` replaces
    it, once (refused when the passage is not in the text, or is in it more than once). A
    request about the coach's findings is recorded too, but can only be declined.
    """
    reason = check_reason(reason)
    received = F.received_date(received)
    with vault.write():
        get_summary(vault.db, client_id)
        item = items.for_correction(vault.db, client_id, field)
        if passage is not None:
            proposed = _replace_passage(items.as_text(items.read(vault.db, client_id, item)), passage, proposed, item)
        value = items.as_text(items.check_value(item, proposed))
        rid = add(vault.db, client_id, "correction", received, item=item, proposed=value, reason=reason)
        vault.log("correction.request", client_id, detail=f"request {rid}, item {item}")
    return {"id": rid, "item": item, "deadline": clock.one_month_after(received), "findings": items.is_findings(item)}


def _replace_passage(text: str, passage: str, proposed: str, item: str) -> str:
    if not passage.strip():
        raise InvalidInput("--passage", passage, "is empty: give the words the client disputes")
    found = text.count(passage)
    if found == 0:
        raise InvalidInput("--passage", passage[:60], f"is not in the text of {items.short(item)}",
                           "copy the disputed words exactly as they are in the text")
    if found > 1:
        raise InvalidInput("--passage", passage[:60], f"is in the text of {items.short(item)} {found} times",
                           "give a longer passage that is in it once")
    return text.replace(passage, proposed, 1)


def request_copy(vault, client_id: str, received: str | None = None, note: str = "") -> dict:
    """Record a request for inspection and a copy (CSR 5.1; GDPR Art. 15); ``dossier copy`` fulfils it."""
    note = F.check_line("--note", note)
    received = F.received_date(received)
    with vault.write():
        get_summary(vault.db, client_id)
        rid = add(vault.db, client_id, "copy", received, reason=note)
        vault.log("copy.request", client_id, detail=f"request {rid}")
    return {"id": rid, "deadline": clock.one_month_after(received)}


def preview(db, query: str) -> dict:
    """What granting this correction request would change: {id, item, old, new} (text), for
    the coach to see before deciding. Refused as decide refuses (decided already, findings)."""
    rid, client_id = resolve(db, query)
    req = get(db, rid)
    if req["kind"] != "correction":
        raise InvalidInput("ID", query, f"is a {req['kind']} request, not a correction request")
    _refuse_decided(req, rid)
    _refuse_findings(req)
    old = items.as_text(items.read(db, client_id, req["item"]))
    new = items.as_text(items.check_value(req["item"], req["proposed"]))
    return {"id": rid, "item": items.short(req["item"]), "old": old, "new": new}


def _refuse_decided(req: dict, rid: str) -> None:
    if req["status"] != "open":
        raise Refused(f"request {rid[:8]} was already {req['status']} on {req['closed']}; "
                      "a decision is final", "the client may add a statement: dossier statement add "
                      f"CLIENT --about request:{rid[:8]} --file F")


def _refuse_findings(req: dict) -> None:
    if items.is_findings(req["item"]):
        raise Refused("the coach's findings are the coach's own conclusions and are not corrected (CSR 5.3)",
                      "decline with --reason, and offer the client a statement: dossier statement add "
                      f"CLIENT --about {items.short(req['item'])} --file F")


def decide(vault, query: str, grant: bool, reason: str = "", date: str | None = None) -> dict:
    """Grant or decline a correction request (CSR 5.3; GDPR Art. 16).

    Granting changes the data and keeps the old and new value; declining needs a reason. The
    coach's findings cannot be granted. Returns the request as decided, with ``notify``: the
    earlier recipients of this client's data, to be told of the correction (GDPR Art. 19).
    """
    reason = F.check_text("--reason", reason).strip()
    if not grant and not reason:
        raise UsageError("--decline needs --reason: the client is owed the reason (CSR 5.3)")
    decided = F.received_date(date, "--date")
    with vault.write():
        db = vault.db
        rid, client_id = resolve(db, query)
        req = get(db, rid)
        if req["kind"] != "correction":
            raise InvalidInput("ID", query, f"is a {req['kind']} request, not a correction request")
        _refuse_decided(req, rid)
        if decided < req["received"]:
            raise InvalidInput("--date", decided, f"is before the request was received ({req['received']})")
        if grant:
            _refuse_findings(req)
        changes = {"status": "granted" if grant else "declined", "closed": decided, "outcome": reason}
        if grant:
            old = items.read(db, client_id, req["item"])
            new = items.check_value(req["item"], req["proposed"])
            items.write(db, client_id, req["item"], new, clock.now())
            changes.update(old_value=items.as_text(old), new_value=items.as_text(new))
        db.execute(f"UPDATE requests SET {', '.join(f'{k} = ?' for k in changes)} WHERE id = ?",
                   [*changes.values(), rid])
        vault.log("correction.grant" if grant else "correction.decline", client_id,
                  detail=f"request {rid}, item {req['item']}")
        req.update(changes)
        req["notify"] = recipients_before(db, client_id, decided) if grant else []
        req["client_id"] = client_id
    return req


def withdraw(vault, query: str, reason: str = "") -> dict:
    """The client withdraws an open request; it is kept, marked withdrawn."""
    reason = F.check_line("--reason", reason)
    with vault.write():
        rid, client_id = resolve(vault.db, query)
        req = get(vault.db, rid)
        if req["status"] != "open":
            raise Refused(f"request {rid[:8]} was already {req['status']} on {req['closed']}")
        vault.db.execute("UPDATE requests SET status = 'withdrawn', closed = ?, outcome = ? WHERE id = ?",
                         (clock.today(), reason, rid))
        vault.log("request.withdraw", client_id, detail=f"request {rid}")
    return get(vault.db, rid)


def list_requests(db, open_only: bool = True, client_id: str | None = None, on: str | None = None) -> list[dict]:
    """Requests by deadline, each with its client, age and days left on date ``on`` (today)."""
    on = on or clock.today()
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
    for d in destructions(db):
        if (client_id is None or d["client_id"] == client_id) and (d["status"] == "pending" or not open_only):
            rows.append({**dict.fromkeys(COLUMNS), "id": d["id"], "kind": "destruction", "received": d["received"],
                         "deadline": d["deadline"], "status": "open" if d["status"] == "pending" else d["status"],
                         "closed": d["executed"], "outcome": "", "reason": "", "client_id": d["client_id"],
                         "client": d["client"], "hold": d["hold"]})
    for r in rows:
        r["age_days"] = clock.days_between(r["received"], on)
        r["days_left"] = clock.days_between(on, r["deadline"])
        r["overdue"] = r["status"] == "open" and r["days_left"] < 0 and not r["hold"]
    return sorted(rows, key=lambda r: (r["deadline"], r["received"]))
