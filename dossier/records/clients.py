"""Clients: the record (CSR 9.1), its assignment (CSR 7.1) and agreement (TB 2.2-2.3).

A client in the canonical ``dossier/1`` shape is a plain dict; :func:`check_client` turns
untrusted input into that shape or raises InvalidInput naming the field, and
:func:`insert_client` / :func:`load_client` move it in and out of the vault. Every change is
audited (time, action, client id; never content).
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid

from dossier.errors import Ambiguous, InvalidInput, NotFound
from dossier.records import fields as F

_SCALARS = [p for p in F.CLIENT_FIELDS if "." not in p]
CLIENT_KEYS = ("id", *_SCALARS, "status", "closed", *F.GROUPS,
               "persons", "sessions", "questionnaires", "measurements", "attachments",
               "requests", "statements", "consents", "disclosures", "copies")  # the last five: dossier/rights
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def new_id() -> str:
    return str(uuid.uuid4())


def check_id(field: str, value) -> str:
    if value is None:
        return new_id()
    if not isinstance(value, str) or not _UUID.fullmatch(value.lower()):
        raise InvalidInput(field, value, "is not an id (a UUID such as 1b4e28ba-2fa1-11d2-883f-0016d3cca427)")
    return value.lower()


def _no_unknown(obj, allowed, where: str) -> None:
    if not isinstance(obj, dict):
        raise InvalidInput(where.rstrip(".") or "record", obj, "must be an object")
    for key in obj:
        if key not in allowed:
            raise InvalidInput(f"{where}{key}", key, "is not a known field",
                               "allowed here: " + ", ".join(allowed))


def _list(obj: dict, key: str, where: str) -> list:
    value = obj.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{where}{key}", value, "must be a list")
    return value


def check_client(doc: dict, where: str = "", attachment_content: bool = True) -> dict:
    """A validated, normalised client in the canonical shape (unknown fields are errors)."""
    from dossier.records.attachments import check_attachment

    _no_unknown(doc, CLIENT_KEYS, where)
    out: dict = {"id": check_id(f"{where}id", doc.get("id"))}
    for path in _SCALARS:
        out[path] = F.check_field(path, doc.get(path), where)
    out["status"] = F.check_enum(f"{where}status", doc.get("status", "open"), ("open", "closed"))
    out["closed"] = F.check_date(f"{where}closed", doc.get("closed"))
    for group in F.GROUPS:
        sub = doc.get(group)
        sub = {} if sub is None else sub
        keys = [p.split(".", 1)[1] for p in F.CLIENT_FIELDS if p.startswith(group + ".")]
        _no_unknown(sub, keys, f"{where}{group}.")
        out[group] = {k: F.check_field(f"{group}.{k}", sub.get(k), where) for k in keys}
    lists = {"persons": ("name", "relation"), "sessions": ("id", "date", "duration_min", "notes", "findings"),
             "questionnaires": ("id", "name", "date", "results"), "measurements": ("id", "kind", "date", "results")}
    for key, allowed in lists.items():
        items = []
        for i, item in enumerate(_list(doc, key, where)):
            w = f"{where}{key}[{i}]."
            _no_unknown(item, allowed, w)
            if key == "persons":
                items.append(F.check_person(item, w))
                continue
            checked = {"id": check_id(f"{w}id", item.get("id"))}
            if key == "sessions":
                checked.update(F.check_session(item, w))
            else:
                checked.update(F.check_result(item, w, "name" if key == "questionnaires" else "kind"))
            items.append(checked)
        out[key] = items
    out["attachments"] = [check_attachment(a, f"{where}attachments[{i}].", attachment_content)
                          for i, a in enumerate(_list(doc, "attachments", where))]
    from dossier.rights.canonical import check_rights

    out.update(check_rights(doc, out, where))
    return out


def insert_client(db, client: dict, now: str) -> None:
    """Insert a checked canonical client with everything it holds (inside a write)."""
    cols = {"id": client["id"], "status": client["status"], "closed": client["closed"], "created": now, "updated": now}
    for path in F.CLIENT_FIELDS:
        group, _, key = path.partition(".")
        value = client[group][key] if key else client[path]
        cols[F.column(path)] = int(value) if path in F.BOOL_FIELDS else value
    names = ", ".join(cols)
    db.execute(f"INSERT INTO clients ({names}) VALUES ({', '.join('?' * len(cols))})", list(cols.values()))
    db.executemany("INSERT INTO persons (client_id, name, relation) VALUES (?, ?, ?)",
                   [(client["id"], p["name"], p["relation"]) for p in client["persons"]])
    db.executemany("INSERT INTO sessions (id, client_id, date, duration_min, notes, findings) VALUES (?,?,?,?,?,?)",
                   [(s["id"], client["id"], s["date"], s["duration_min"], s["notes"], s["findings"])
                    for s in client["sessions"]])
    for table, label in (("questionnaires", "name"), ("measurements", "kind")):
        db.executemany(f"INSERT INTO {table} (id, client_id, {label}, date, results) VALUES (?,?,?,?,?)",
                       [(r["id"], client["id"], r[label], r["date"], json.dumps(r["results"], ensure_ascii=False))
                        for r in client[table]])
    from dossier.records.attachments import insert_attachment

    for a in client["attachments"]:
        insert_attachment(db, client["id"], a)
    from dossier.rights.canonical import insert_rights

    insert_rights(db, client["id"], client, now)


def load_client(db, client_id: str, with_attachment_content: bool = True) -> dict:
    """One client in the canonical shape, with everything it holds."""
    cur = db.execute("SELECT * FROM clients WHERE id = ?", (client_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"no client with id {client_id}")
    rec = dict(zip([d[0] for d in cur.description], row))
    out: dict = {"id": rec["id"]}
    for path in _SCALARS:
        out[path] = rec[F.column(path)]
    out["status"], out["closed"] = rec["status"], rec["closed"]
    for group in F.GROUPS:
        out[group] = {}
        for path in F.CLIENT_FIELDS:
            if path.startswith(group + "."):
                value = rec[F.column(path)]
                out[group][path.split(".", 1)[1]] = bool(value) if path in F.BOOL_FIELDS else value
    out["persons"] = [{"name": n, "relation": r}
                      for n, r in db.all("SELECT name, relation FROM persons WHERE client_id = ? ORDER BY n", (client_id,))]
    out["sessions"] = [dict(zip(("id", "date", "duration_min", "notes", "findings"), r)) for r in db.all(
        "SELECT id, date, duration_min, notes, findings FROM sessions WHERE client_id = ? ORDER BY date, n", (client_id,))]
    for table, label in (("questionnaires", "name"), ("measurements", "kind")):
        out[table] = [{"id": i, label: lab, "date": d, "results": json.loads(res)} for i, lab, d, res in db.all(
            f"SELECT id, {label}, date, results FROM {table} WHERE client_id = ? ORDER BY date, n", (client_id,))]
    from dossier.records.attachments import load_attachments

    out["attachments"] = load_attachments(db, client_id, with_attachment_content)
    from dossier.rights.canonical import load_rights

    out.update(load_rights(db, client_id))
    return out


def add_client(vault, values: dict[str, object], persons: list[dict] | None = None) -> str:
    """Add a client from field paths (``first_name``, ``commissioner.contact``, …); returns its id."""
    doc: dict = {"persons": persons or []}
    for path, value in values.items():
        group, _, key = path.partition(".")
        if key and group in F.GROUPS:
            doc.setdefault(group, {})[key] = value
        else:
            doc[path] = value
    client = check_client(doc)
    with vault.write():
        from dossier.vault import now

        insert_client(vault.db, client, now())
        vault.log("client.add", client["id"])
    return client["id"]


def edit_client(vault, client_id: str, changes: dict[str, object], add_persons=(), remove_persons=()) -> list[str]:
    """Change fields by path; add or remove third persons. Returns the changed field names."""
    checked = {path: F.check_field(path, value) for path, value in changes.items()}
    new_persons = [F.check_person(p, f"person[{i}].") for i, p in enumerate(add_persons)]
    with vault.write():
        from dossier.vault import now

        get_summary(vault.db, client_id)
        changed = list(checked)
        if checked:
            sets = ", ".join(f"{F.column(p)} = ?" for p in checked)
            values = [int(v) if p in F.BOOL_FIELDS else v for p, v in checked.items()]
            vault.db.execute(f"UPDATE clients SET {sets}, updated = ? WHERE id = ?", [*values, now(), client_id])
        for name in remove_persons:
            cur = vault.db.execute("DELETE FROM persons WHERE client_id = ? AND name = ?", (client_id, name))
            if cur.rowcount == 0:
                raise NotFound(f"no third person named {name!r} in this client's dossier")
            changed.append("persons")
        for p in new_persons:
            vault.db.execute("INSERT INTO persons (client_id, name, relation) VALUES (?, ?, ?)",
                             (client_id, p["name"], p["relation"]))
            changed.append("persons")
        if not changed:
            raise InvalidInput("changes", "", "are empty: nothing to change", "use --set FIELD=VALUE or --add-person")
        changed = sorted(set(changed))
        # The audit detail names the fields, never their values.
        vault.log("client.edit", client_id, detail="fields: " + ", ".join(changed))
    return changed


def set_status(vault, client_id: str, status: str, date: str | None = None) -> None:
    """Close a client (TB 2.27: duties continue; retention runs from closure) or reopen one."""
    from dossier.vault import now

    date = F.check_date("date", date) or now()[:10]
    with vault.write():
        current = get_summary(vault.db, client_id)["status"]
        if current == status:
            raise InvalidInput("status", status, "is already the client's status")
        vault.db.execute("UPDATE clients SET status = ?, closed = ?, updated = ? WHERE id = ?",
                         (status, date if status == "closed" else None, now(), client_id))
        vault.log("client.close" if status == "closed" else "client.reopen", client_id)


_SUMMARY = ("SELECT c.id, c.first_name, c.last_name, c.birth_date, c.email, c.phone, c.city, c.employer, c.status, "
            "c.closed, c.assignment_goal, (SELECT count(*) FROM sessions s WHERE s.client_id = c.id), "
            "(SELECT max(date) FROM sessions s WHERE s.client_id = c.id) FROM clients c")
# Canonical field names (docs/format.md), plus two counts that are not part of the format.
_SUMMARY_KEYS = ("id", "first_name", "last_name", "birth_date", "email", "phone", "city", "employer", "status",
                 "closed", "assignment", "session_count", "last_session")


def _summary(row) -> dict:
    out = dict(zip(_SUMMARY_KEYS, row))
    out["assignment"] = {"goal": out["assignment"]}
    return out


def get_summary(db, client_id: str) -> dict:
    row = db.one(_SUMMARY + " WHERE c.id = ?", (client_id,))
    if row is None:
        raise NotFound(f"no client with id {client_id}")
    return _summary(row)


def list_clients(db, status: str | None = None) -> list[dict]:
    """Clients (one line each), by last name; ``status`` 'open' or 'closed' filters."""
    where, params = (" WHERE c.status = ?", (status,)) if status else ("", ())
    rows = db.all(_SUMMARY + where + " ORDER BY c.last_name COLLATE NOCASE, c.first_name COLLATE NOCASE", params)
    return [_summary(r) for r in rows]


def fold_name(text: str) -> str:
    """A name as compared by people: no accents, no case, single spaces (Noëlle = noelle)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().split())


def resolve(db, query: str) -> str:
    """The one client meant by an id, a unique id prefix, or a name (full, first or last).

    Names match without regard to case or accents ("noelle dijkstra" finds Noëlle Dijkstra).
    More than one match raises Ambiguous with the candidates; nothing is changed.
    """
    q = (query or "").strip()
    if not q:
        raise InvalidInput("CLIENT", query, "is empty: give an id, an id prefix or a name")
    low = q.lower()
    if _UUID.fullmatch(low):
        if db.one("SELECT 1 FROM clients WHERE id = ?", (low,)):
            return low
        # A destroyed client's id is in the ledger (CSR 5.4): say so rather than "unknown".
        gone = db.one("SELECT destroyed FROM ledger WHERE client_id = ?", (low,)) \
            if db.one("SELECT 1 FROM sqlite_master WHERE name = 'ledger'") else None
        if gone:
            raise NotFound(f"client {q} was destroyed on {gone[0]}; nothing of the dossier is left",
                           "its request, if there was one, is kept: dossier destroy list")
        raise NotFound(f"no client with id {q}", "list clients with: dossier client list")
    found: dict[str, str] = {}
    if re.fullmatch(r"[0-9a-f-]{4,}", low):
        for cid, first, last in db.all("SELECT id, first_name, last_name FROM clients WHERE substr(id, 1, ?) = ?",
                                       (len(low), low)):
            found[cid] = f"{first} {last}"
    target = fold_name(q)
    for cid, first, last in db.all("SELECT id, first_name, last_name FROM clients"):
        if target in (fold_name(f"{first} {last}"), fold_name(first), fold_name(last)):
            found[cid] = f"{first} {last}"
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise NotFound(f"no client matches {q!r}", "list clients with: dossier client list")
    raise Ambiguous(q, sorted(found.items(), key=lambda kv: kv[1]))


def by_prefix(db, table: str, columns: tuple[str, ...], query: str, what: str, hint: str) -> dict:
    """The one row of ``table`` whose id is ``query`` or starts with it (4 or more characters)."""
    q = (query or "").strip().lower()
    if len(q) < 4 or not re.fullmatch(r"[0-9a-f-]+", q):
        raise InvalidInput("ID", query, f"is not {what} id or a prefix of 4 or more of its characters", hint)
    rows = db.all(f"SELECT {', '.join(columns)} FROM {table} WHERE substr(id, 1, ?) = ?", (len(q), q))
    if not rows:
        raise NotFound(f"no {what.split()[-1]} with id {query!r}", hint)
    if len(rows) > 1:
        raise Ambiguous(query, [(r[0], what.split()[-1]) for r in rows], table)
    return dict(zip(columns, rows[0]))
