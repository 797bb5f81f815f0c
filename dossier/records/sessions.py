"""Sessions (notes kept apart from the coach's findings, CSR 5.3) and structured results
(questionnaires and HRV measurements, CSR 9.1)."""

from __future__ import annotations

import json

from dossier import clock
from dossier.format import fields as F
from dossier.format.ids import check_id, list_of, new_id, no_unknown
from dossier.format.sections import Section
from dossier.records.clients import get_summary

SESSION_FIELDS = ("id", "date", "duration_min", "notes", "findings")
RESULT_TYPES = {"questionnaire": ("questionnaires", "name"), "measurement": ("measurements", "kind")}
_RESULT_LISTS = {table: label for table, label in RESULT_TYPES.values()}  # questionnaires: name, ...


def default_date(date: str | None) -> str:
    """A session's date as given (YYYY-MM-DD), or the coach's today (clock.today, local)."""
    return F.check_date("--date", date) or clock.today()


def _check(doc: dict, checked: dict, where: str, with_content: bool) -> dict:
    out = {}
    for key, label in (("sessions", None), *_RESULT_LISTS.items()):
        allowed = SESSION_FIELDS if label is None else ("id", label, "date", "results")
        items = []
        for i, item in enumerate(list_of(doc, key, where)):
            w = f"{where}{key}[{i}]."
            no_unknown(item, allowed, w)
            rest = F.check_session(item, w) if label is None else F.check_result(item, w, label)
            items.append({"id": check_id(f"{w}id", item.get("id")), **rest})
        out[key] = items
    return out


def _insert(db, client: dict, now: str) -> None:
    db.executemany("INSERT INTO sessions (id, client_id, date, duration_min, notes, findings) VALUES (?,?,?,?,?,?)",
                   [(s["id"], client["id"], s["date"], s["duration_min"], s["notes"], s["findings"])
                    for s in client["sessions"]])
    for table, label in _RESULT_LISTS.items():
        db.executemany(f"INSERT INTO {table} (id, client_id, {label}, date, results) VALUES (?,?,?,?,?)",
                       [(r["id"], client["id"], r[label], r["date"], json.dumps(r["results"], ensure_ascii=False))
                        for r in client[table]])


def _load(db, client_id: str, with_content: bool = True) -> dict:
    out = {"sessions": list_sessions(db, client_id)}
    for table, label in _RESULT_LISTS.items():
        out[table] = [{"id": i, label: lab, "date": d, "results": json.loads(res)} for i, lab, d, res in db.all(
            f"SELECT id, {label}, date, results FROM {table} WHERE client_id = ? ORDER BY date, n", (client_id,))]
    return out


SECTION = Section(("sessions", *_RESULT_LISTS), _check, _insert, _load)


def add_session(vault, client_id: str, date: str | None, duration_min, notes: str, findings: str) -> str:
    """Record a session (on the coach's today when ``date`` is None); findings are the coach's
    own conclusions, kept in their own field."""
    s = F.check_session({"date": default_date(date), "duration_min": duration_min, "notes": notes,
                         "findings": findings}, "")
    sid = new_id()
    with vault.write():
        get_summary(vault.db, client_id)
        vault.db.execute("INSERT INTO sessions (id, client_id, date, duration_min, notes, findings) VALUES (?,?,?,?,?,?)",
                         (sid, client_id, s["date"], s["duration_min"], s["notes"], s["findings"]))
        vault.log("session.add", client_id, detail=f"session {sid}")
    return sid


def list_sessions(db, client_id: str) -> list[dict]:
    rows = db.all("SELECT id, date, duration_min, notes, findings FROM sessions WHERE client_id = ? ORDER BY date, n",
                  (client_id,))
    return [dict(zip(SESSION_FIELDS, r)) for r in rows]


def add_result(vault, client_id: str, type_: str, label: str, date: str | None, results: dict) -> str:
    """Record questionnaire results (``name``, e.g. 4DKL) or a measurement (``kind``, e.g. HRV)."""
    F.check_enum("type", type_, tuple(RESULT_TYPES))
    table, key = RESULT_TYPES[type_]
    r = F.check_result({key: label, "date": date, "results": results}, "", key)
    rid = new_id()
    with vault.write():
        get_summary(vault.db, client_id)
        vault.db.execute(f"INSERT INTO {table} (id, client_id, {key}, date, results) VALUES (?,?,?,?,?)",
                         (rid, client_id, r[key], r["date"], json.dumps(r["results"], ensure_ascii=False)))
        vault.log(f"{type_}.add", client_id, detail=f"{type_} {rid}")
    return rid
