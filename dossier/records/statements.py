"""The client's own written view, bound to the item it concerns (CSR 5.3: on request the
client's own notes are added to the dossier). Statements are never edited or dropped: every
later copy and export shows them beside their item."""

from __future__ import annotations

from dossier import clock
from dossier.errors import InvalidInput
from dossier.format import fields as F
from dossier.format.ids import new_id
from dossier.format.sections import list_section
from dossier.records import items
from dossier.records.clients import get_summary

COLUMNS = ("id", "received", "about", "text")


def add_statement(vault, client_id: str, text: str, about: str | None = None, received: str | None = None) -> dict:
    """Add the client's statement about ``about`` (an item, see records/items.py; None: the dossier)."""
    text = F.check_text("--file", text)
    if not text.strip():
        raise InvalidInput("--file", "", "is empty: a statement needs the client's text")
    received = F.received_date(received)
    with vault.write():
        get_summary(vault.db, client_id)
        item = items.parse(vault.db, client_id, about)
        sid = new_id()
        vault.db.execute("INSERT INTO statements (id, client_id, received, about, text, created) VALUES (?,?,?,?,?,?)",
                         (sid, client_id, received, item, text, clock.now()))
        vault.log("statement.add", client_id, detail=f"statement {sid}, about {item or 'the dossier'}")
    return {"id": sid, "about": item, "received": received}


def client_statements(db, client_id: str, about: str | None = None) -> list[dict]:
    sql = f"SELECT {', '.join(COLUMNS)} FROM statements WHERE client_id = ?"
    params: list = [client_id]
    if about is not None:
        sql += " AND about = ?"
        params.append(about)
    return [dict(zip(COLUMNS, r)) for r in db.all(sql + " ORDER BY received, n", params)]


def _check(s: dict, w: str, ids: dict) -> dict:
    text = F.check_text(f"{w}text", s.get("text"))
    if not text.strip():
        raise InvalidInput(f"{w}text", text, "must not be empty")
    return {"received": F.check_date(f"{w}received", s.get("received"), required=True),
            "about": items.check_canonical(s.get("about"), f"{w}about", ids), "text": text}


SECTION = list_section("statements", COLUMNS, _check, client_statements, context=items.own_ids)
