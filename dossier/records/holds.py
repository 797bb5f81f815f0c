"""A client's legal duties in dossier/1: legal holds and a pending written request to destroy
the dossier (CSR 5.4), so that they travel with the client (export, import, handover, the
client copy) and arrive as they left. The commands that place and carry them out are
retention/destructions.py; this module is their document shape.

- ``holds``: every hold with its reason, since when, and when it was released (null: in force).
- ``destructions``: the written request to destroy that is still pending, with its date of
  receipt and its deadline (receipt + four weeks). The scanned letter itself stays with the
  coach who received it (its name is given); a request carried out belongs to a destroyed
  client, which is never exported.
"""

from __future__ import annotations

from dossier.errors import InvalidInput
from dossier.format import fields as F
from dossier.format.ids import check_id, list_of, no_unknown
from dossier.format.sections import Section, list_section

HOLD_COLUMNS = ("id", "reason", "placed", "released")
REQUEST_COLUMNS = ("id", "received", "deadline", "letter_name")


def client_holds(db, client_id: str) -> list[dict]:
    return [dict(zip(HOLD_COLUMNS, r)) for r in db.all(
        f"SELECT {', '.join(HOLD_COLUMNS)} FROM holds WHERE client_id = ? ORDER BY placed, n", (client_id,))]


def _check_hold(h: dict, w: str, _ctx) -> dict:
    out = {"reason": F.check_line(f"{w}reason", h.get("reason"), required=True),
           "placed": F.check_date(f"{w}placed", h.get("placed"), required=True),
           "released": F.check_date(f"{w}released", h.get("released"))}
    if out["released"] and out["released"] < out["placed"]:
        raise InvalidInput(f"{w}released", out["released"], "is before the hold was placed")
    return out


def _check_holds(doc: dict, checked: dict, where: str, with_content: bool) -> dict:
    out = HOLDS_LIST.check(doc, checked, where, with_content)
    if sum(1 for h in out["holds"] if not h["released"]) > 1:
        raise InvalidInput(f"{where}holds", "…", "has more than one hold in force (at most one)")
    return out


HOLDS_LIST = list_section("holds", HOLD_COLUMNS, _check_hold, client_holds)
HOLDS = Section(HOLDS_LIST.keys, _check_holds, HOLDS_LIST.insert, HOLDS_LIST.load)


def pending_requests(db, client_id: str) -> list[dict]:
    return [dict(zip(REQUEST_COLUMNS, r)) for r in db.all(
        f"SELECT {', '.join(REQUEST_COLUMNS)} FROM destructions WHERE client_id = ? AND status = 'pending' "
        "ORDER BY received, n", (client_id,))]


def _check_requests(doc: dict, checked: dict, where: str, with_content: bool) -> dict:
    out = []
    for i, r in enumerate(list_of(doc, "destructions", where)):
        w = f"{where}destructions[{i}]."
        no_unknown(r, REQUEST_COLUMNS, w)
        received = F.check_date(f"{w}received", r.get("received"), required=True)
        deadline = F.check_date(f"{w}deadline", r.get("deadline"), required=True)
        if deadline < received:
            raise InvalidInput(f"{w}deadline", deadline, "is before the request was received")
        out.append({"id": check_id(f"{w}id", r.get("id")), "received": received, "deadline": deadline,
                    "letter_name": F.check_line(f"{w}letter_name", r.get("letter_name")) or None})
    if len(out) > 1:
        raise InvalidInput(f"{where}destructions", "…", "has more than one pending request (at most one)")
    return {"destructions": out}


def _insert_requests(db, client: dict, now: str) -> None:
    db.executemany("INSERT INTO destructions (id, client_id, first_name, last_name, received, deadline, letter_name, "
                   "created) VALUES (?,?,?,?,?,?,?,?)",
                   [(r["id"], client["id"], client["first_name"], client["last_name"], r["received"], r["deadline"],
                     r["letter_name"], now) for r in client.get("destructions", [])])


REQUESTS = Section(("destructions",), _check_requests, _insert_requests,
                   lambda db, client_id, with_content: {"destructions": pending_requests(db, client_id)})
