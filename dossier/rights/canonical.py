"""The client's rights in the canonical ``dossier/1`` shape: requests, statements, consents,
disclosures and copies travel with the client in exports, copies and handovers, and import
all or nothing like the rest of the record (docs/format.md)."""

from __future__ import annotations

from dossier.errors import InvalidInput
from dossier.records import fields as F
from dossier.rights import consent, disclosures, items, requests, statements

KEYS = ("requests", "statements", "consents", "disclosures", "copies")
COPY_COLUMNS = ("id", "date", "to", "contents", "lang")
_FIELDS = {
    "requests": requests.COLUMNS,
    "statements": statements.COLUMNS,
    "consents": consent.COLUMNS,
    "disclosures": disclosures.CANONICAL,
    "copies": COPY_COLUMNS,
}


def _text_or_none(field: str, value):
    return None if value is None else F.check_text(field, value)


def _request(r: dict, w: str, ids: dict) -> dict:
    received = F.check_date(f"{w}received", r.get("received"), required=True)
    out = {"kind": F.check_enum(f"{w}kind", r.get("kind"), requests.KINDS), "received": received,
           "deadline": F.check_date(f"{w}deadline", r.get("deadline")) or requests.one_month_after(received),
           "status": F.check_enum(f"{w}status", r.get("status", "open"), requests.STATUSES),
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


def _statement(s: dict, w: str, ids: dict) -> dict:
    text = F.check_text(f"{w}text", s.get("text"))
    if not text.strip():
        raise InvalidInput(f"{w}text", text, "must not be empty")
    return {"received": F.check_date(f"{w}received", s.get("received"), required=True),
            "about": items.check_canonical(s.get("about"), f"{w}about", ids), "text": text}


def _consent(c: dict, w: str, ids: dict) -> dict:
    out = {"type": consent.check_type(c.get("type"), f"{w}type"),
           "granted": F.check_date(f"{w}granted", c.get("granted"), required=True),
           "how": F.check_enum(f"{w}how", c.get("how") or "", ("", *consent.HOW)),
           "scope": F.check_text(f"{w}scope", c.get("scope")),
           "withdrawn": F.check_date(f"{w}withdrawn", c.get("withdrawn"))}
    if out["withdrawn"] and out["withdrawn"] < out["granted"]:
        raise InvalidInput(f"{w}withdrawn", out["withdrawn"], "is before the consent was granted")
    return out


def _disclosure(d: dict, w: str, ids: dict) -> dict:
    ground = F.check_enum(f"{w}ground", d.get("ground"), disclosures.GROUNDS)
    ctype = d.get("consent")
    return {"date": F.check_date(f"{w}date", d.get("date"), required=True),
            "to": F.check_line(f"{w}to", d.get("to"), required=True),
            "what": F.check_text(f"{w}what", d.get("what")),
            "ground": ground,
            "consent": None if ctype is None else consent.check_type(ctype, f"{w}consent"),
            "informed": None if d.get("informed") is None else F.check_bool(f"{w}informed", d.get("informed")),
            "legal_basis": F.check_text(f"{w}legal_basis", d.get("legal_basis")),
            "justification": F.check_text(f"{w}justification", d.get("justification")),
            "kind": F.check_enum(f"{w}kind", d.get("kind", "disclosure"), disclosures.KINDS)}


def _copy(c: dict, w: str, ids: dict) -> dict:
    return {"date": F.check_date(f"{w}date", c.get("date"), required=True),
            "to": F.check_line(f"{w}to", c.get("to"), required=True),
            "contents": F.check_line(f"{w}contents", c.get("contents")),
            "lang": F.check_enum(f"{w}lang", c.get("lang", "nl"), ("nl", "en"))}


_CHECKS = {"requests": _request, "statements": _statement, "consents": _consent,
           "disclosures": _disclosure, "copies": _copy}


def check_rights(doc: dict, client: dict, where: str) -> dict:
    """The rights lists of a client document, checked; items must name the client's own things."""
    from dossier.records.clients import _list, _no_unknown, check_id

    ids = {kind: {x["id"] for x in client[key]} for kind, key in items.KINDS.items() if key in client}
    ids["request"] = {r.get("id") for r in _list(doc, "requests", where) if isinstance(r, dict)
                      and isinstance(r.get("id"), str)}
    out = {}
    for key in KEYS:
        checked = []
        for i, item in enumerate(_list(doc, key, where)):
            w = f"{where}{key}[{i}]."
            _no_unknown(item, _FIELDS[key], w)
            checked.append({"id": check_id(f"{w}id", item.get("id")), **_CHECKS[key](item, w, ids)})
        out[key] = checked
    return out


def insert_rights(db, client_id: str, client: dict, now: str) -> None:
    """Insert the rights lists of a checked client (inside a write)."""
    for key, table_cols in (("requests", requests.COLUMNS), ("statements", statements.COLUMNS),
                            ("consents", consent.COLUMNS), ("disclosures", disclosures.CANONICAL),
                            ("copies", COPY_COLUMNS)):
        cols = ["recipient" if c == "to" else c for c in table_cols]
        rows = [[client_id, now, *(_stored(x[c]) for c in table_cols)] for x in client.get(key, [])]
        db.executemany(f"INSERT INTO {key} (client_id, created, {', '.join(cols)}) "
                       f"VALUES ({', '.join('?' * (len(cols) + 2))})", rows)


def _stored(value):
    return int(value) if isinstance(value, bool) else value


def load_rights(db, client_id: str) -> dict:
    copies = [dict(zip(COPY_COLUMNS, r)) for r in db.all(
        "SELECT id, date, recipient, contents, lang FROM copies WHERE client_id = ? ORDER BY date, n", (client_id,))]
    return {"requests": requests.client_requests(db, client_id),
            "statements": statements.client_statements(db, client_id),
            "consents": consent.client_consents(db, client_id),
            "disclosures": disclosures.client_disclosures(db, client_id),
            "copies": copies}
