"""Sessions (notes kept apart from the coach's findings, CSR 5.3) and structured results
(questionnaires and HRV measurements, CSR 9.1)."""

from __future__ import annotations

import json

from dossier.records import fields as F
from dossier.records.clients import get_summary, new_id


def add_session(vault, client_id: str, date: str, duration_min, notes: str, findings: str) -> str:
    """Record a session; findings are the coach's own conclusions, kept in their own field."""
    s = F.check_session({"date": date, "duration_min": duration_min, "notes": notes, "findings": findings}, "")
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
    return [dict(zip(("id", "date", "duration_min", "notes", "findings"), r)) for r in rows]


RESULT_TYPES = {"questionnaire": ("questionnaires", "name"), "measurement": ("measurements", "kind")}


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
