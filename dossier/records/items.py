"""Items of a dossier that a correction or a statement can concern (CSR 5.3).

An item is written in a canonical form that stays valid in exports and copies:

- ``None``: the dossier as a whole;
- a client field path (``city``, ``commissioner.contact``, ``assignment.goal``) or ``persons``;
- ``session:<id>`` with an optional part: ``.notes``, ``.findings``, ``.date``, ``.duration_min``;
- ``questionnaire:<id>``, ``measurement:<id>``, ``attachment:<id>``, ``request:<id>``;
- ``report``: the client's objection to reporting to the commissioner (CSR 6.1).

On the command line an id may be shortened to a unique prefix of at least 4 characters, and a
session or result may be named by its date (``session:2026-03-04.findings``).
"""

from __future__ import annotations

import re

from dossier.errors import Ambiguous, InvalidInput, NotFound
from dossier.format import fields as F
from dossier.format.ids import UUID, list_of

SESSION_PARTS = ("notes", "findings", "date", "duration_min")
KINDS = {"session": "sessions", "questionnaire": "questionnaires", "measurement": "measurements",
         "attachment": "attachments", "request": "requests"}
_DATED = {"session", "questionnaire", "measurement"}
HELP = ("a field (city, assignment.goal, …), persons, session:DATE-or-ID[.notes|.findings|.date|.duration_min], "
        "questionnaire:ID, measurement:ID, attachment:ID, request:ID or report")


def _split(text: str) -> tuple[str, str, str]:
    """``session:2026-03-04.findings`` -> ("session", "2026-03-04", "findings")."""
    kind, _, rest = text.partition(":")
    ref, part = rest, ""
    m = re.fullmatch(r"(.+?)\.([a-z_]+)", rest)
    if m and m.group(2) in SESSION_PARTS:
        ref, part = m.group(1), m.group(2)
    return kind, ref, part


def _find(db, kind: str, client_id: str, ref: str, field: str) -> str:
    """The id of the one ``kind`` of this client meant by an id, an id prefix or a date."""
    table = KINDS[kind]
    ref = ref.strip().lower()
    if _DATED & {kind} and re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref):
        rows = db.all(f"SELECT id FROM {table} WHERE client_id = ? AND date = ? ORDER BY n", (client_id, ref))
    elif re.fullmatch(r"[0-9a-f-]{4,36}", ref):
        rows = db.all(f"SELECT id FROM {table} WHERE client_id = ? AND substr(id, 1, ?) = ? ORDER BY n",
                      (client_id, len(ref), ref))
    else:
        raise InvalidInput(field, ref, f"is not a {kind} id, id prefix (4+ characters)"
                           + (" or date (YYYY-MM-DD)" if kind in _DATED else ""))
    if not rows:
        raise NotFound(f"{field}: this client has no {kind} {ref!r}",
                       "see the ids with: dossier client show CLIENT --json")
    if len(rows) > 1:
        raise Ambiguous(ref, [(r[0], kind) for r in rows], f"{kind}s of this client")
    return rows[0][0]


def parse(db, client_id: str, text: str | None, field: str = "--about") -> str | None:
    """The canonical item for what a user typed; raises InvalidInput or NotFound."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    if text == "report" or text == "persons" or text in F.CLIENT_FIELDS:
        return text
    kind, ref, part = _split(text)
    if kind not in KINDS or not ref:
        raise InvalidInput(field, text, "is not an item of the dossier", "items: " + HELP)
    if part and kind != "session":
        raise InvalidInput(field, text, f"a {kind} has no part {part!r}")
    item = f"{kind}:{_find(db, kind, client_id, ref, field)}"
    return f"{item}.{part}" if part else item


def check_canonical(value, field: str, ids: dict[str, set[str]]) -> str | None:
    """An item in a ``dossier/1`` document; ``ids`` holds the ids of the client's own things by kind."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(field, value, "must be text or null")
    if value in ("report", "persons") or value in F.CLIENT_FIELDS:
        return value
    kind, ref, part = _split(value)
    if kind not in KINDS or not UUID.fullmatch(ref) or (part and kind != "session"):
        raise InvalidInput(field, value, "is not an item of the dossier", "items: " + HELP.replace("DATE-or-", ""))
    if ref not in ids.get(kind, set()):
        raise InvalidInput(field, value, f"names a {kind} that this client's dossier does not hold")
    return value


def own_ids(doc: dict, checked: dict, where: str) -> dict[str, set[str]]:
    """The ids of a client's own things by kind, for :func:`check_canonical`: from what the
    sections before were checked to (``checked``), and the requests' ids from the document
    itself (a statement may be about a request of the same document)."""
    ids = {kind: {x["id"] for x in checked[key]} for kind, key in KINDS.items() if key in checked}
    ids["request"] = {r.get("id") for r in list_of(doc, "requests", where) if isinstance(r, dict)
                      and isinstance(r.get("id"), str)}
    return ids


# What a correction can change: client fields, and a session's notes, findings, date or length.
def correctable(item: str | None) -> bool:
    return item in F.CLIENT_FIELDS or bool(item and item.startswith("session:") and "." in item)


def is_findings(item: str | None) -> bool:
    """The coach's findings are the coach's own conclusions: never corrected (CSR 5.3)."""
    return bool(item and item.startswith("session:") and item.endswith(".findings"))


def for_correction(db, client_id: str, text: str) -> str:
    """The item a correction request concerns; ``session:X`` alone means that session's notes."""
    item = parse(db, client_id, text, "--field")
    if item and item.startswith("session:") and "." not in item:
        item += ".notes"
    if not correctable(item):
        raise InvalidInput("--field", text, "is not something a correction can change",
                           "fields: " + ", ".join(F.CLIENT_FIELDS) + "; or session:DATE-or-ID[.notes|.date|…]")
    return item


def check_value(item: str, value) -> object:
    """The proposed value, checked as the item's own field is."""
    if item.startswith("session:"):
        part = item.rsplit(".", 1)[1]
        if part == "date":
            return F.check_date("--proposed", value, required=True)
        if part == "duration_min":
            return F.check_int("--proposed", value, 1, 24 * 60)
        return F.check_text("--proposed", value)
    return F.check_field(item, value)


def _session_ref(item: str) -> tuple[str, str]:
    ref, part = item.split(":", 1)[1].rsplit(".", 1)
    return ref, part


def read(db, client_id: str, item: str):
    """The current value of a correctable item."""
    if item.startswith("session:"):
        sid, part = _session_ref(item)
        row = db.one(f"SELECT {part} FROM sessions WHERE id = ? AND client_id = ?", (sid, client_id))
    else:
        row = db.one(f"SELECT {F.column(item)} FROM clients WHERE id = ?", (client_id,))
    if row is None:
        raise NotFound(f"the item {item} no longer exists in this dossier")
    return bool(row[0]) if item in F.BOOL_FIELDS else row[0]


def write(db, client_id: str, item: str, value, when: str) -> None:
    """Change a correctable item (inside a write); the search index follows by trigger."""
    if item.startswith("session:"):
        sid, part = _session_ref(item)
        db.execute(f"UPDATE sessions SET {part} = ? WHERE id = ? AND client_id = ?", (value, sid, client_id))
    else:
        stored = int(value) if item in F.BOOL_FIELDS else value
        db.execute(f"UPDATE clients SET {F.column(item)} = ?, updated = ? WHERE id = ?", (stored, when, client_id))


def short(item: str | None) -> str:
    """An item with its id cut to 8 characters, as a user types it (``session:1b8e69e0.notes``)."""
    if item is None:
        return "the dossier as a whole"
    return re.sub(r"([0-9a-f]{8})-[0-9a-f-]{27}", r"\1", item)


def as_text(value) -> str:
    """A value as it is stored in a request's history (``yes``/``no`` for yes/no fields)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)
