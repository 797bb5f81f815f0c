"""The copies given to a client (inzage en afschrift; CSR 5.1-5.2, GDPR Art. 15): date, to whom,
what, in which language. Making the copy itself is ``rights/copies.py``."""

from __future__ import annotations

from dossier import clock
from dossier.format import fields as F
from dossier.format.ids import new_id
from dossier.format.sections import list_section

COPY_COLUMNS = ("id", "date", "to", "contents", "lang")


def _check(c: dict, w: str, ids) -> dict:
    return {"date": F.check_date(f"{w}date", c.get("date"), required=True),
            "to": F.check_line(f"{w}to", c.get("to"), required=True),
            "contents": F.check_line(f"{w}contents", c.get("contents")),
            "lang": F.check_lang(c.get("lang", "nl"), f"{w}lang")}


def client_copies(db, client_id: str) -> list[dict]:
    return [dict(zip(COPY_COLUMNS, r)) for r in db.all(
        "SELECT id, date, recipient, contents, lang FROM copies WHERE client_id = ? ORDER BY date, n", (client_id,))]


SECTION = list_section("copies", COPY_COLUMNS, _check, client_copies,
                       column=lambda field: "recipient" if field == "to" else field)


def add_copy(db, client_id: str, date: str, to: str, contents: str, lang: str) -> str:
    """Record a copy given (inside the write that writes its files); returns its id."""
    cid = new_id()
    db.execute("INSERT INTO copies (id, client_id, date, recipient, contents, lang, created) VALUES (?,?,?,?,?,?,?)",
               (cid, client_id, date, to, contents, lang, clock.now()))
    return cid
