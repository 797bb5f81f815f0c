"""Clients: the record itself (CSR 9.1), its assignment (CSR 7.1), agreement (TB 2.2-2.3)
and the third persons it names.

The record's part of a ``dossier/1`` client is :data:`SECTION`; the whole client, with its
sessions, attachments and rights, is assembled in ``records/document.py``. Every change is
audited (time, action, client id; never content).
"""

from __future__ import annotations

from dossier import clock
from dossier.errors import Ambiguous, InvalidInput, NotFound
from dossier.format import fields as F
from dossier.format.ids import UUID, check_id, is_prefix, list_of, no_unknown
from dossier.format.sections import Section, stored
from dossier.vault import ledger

_SCALARS = [p for p in F.CLIENT_FIELDS if "." not in p]
RECORD_KEYS = ("id", *_SCALARS, "status", "closed", *F.GROUPS, "persons")


def _check(doc: dict, checked: dict, where: str, with_content: bool) -> dict:
    out: dict = {"id": check_id(f"{where}id", doc.get("id"))}
    for path in _SCALARS:
        out[path] = F.check_field(path, doc.get(path), where)
    out["status"] = F.check_enum(f"{where}status", doc.get("status", "open"), ("open", "closed"))
    out["closed"] = F.check_date(f"{where}closed", doc.get("closed"))
    for group in F.GROUPS:
        sub = doc.get(group)
        sub = {} if sub is None else sub
        keys = [p.split(".", 1)[1] for p in F.CLIENT_FIELDS if p.startswith(group + ".")]
        no_unknown(sub, keys, f"{where}{group}.")
        out[group] = {k: F.check_field(f"{group}.{k}", sub.get(k), where) for k in keys}
    persons = []
    for i, item in enumerate(list_of(doc, "persons", where)):
        w = f"{where}persons[{i}]."
        no_unknown(item, ("name", "relation"), w)
        persons.append(F.check_person(item, w))
    out["persons"] = persons
    return out


def _insert(db, client: dict, now: str) -> None:
    cols = {"id": client["id"], "status": client["status"], "closed": client["closed"], "created": now, "updated": now}
    for path in F.CLIENT_FIELDS:
        group, _, key = path.partition(".")
        cols[F.column(path)] = stored(client[group][key] if key else client[path])
    names = ", ".join(cols)
    db.execute(f"INSERT INTO clients ({names}) VALUES ({', '.join('?' * len(cols))})", list(cols.values()))
    db.executemany("INSERT INTO persons (client_id, name, relation) VALUES (?, ?, ?)",
                   [(client["id"], p["name"], p["relation"]) for p in client["persons"]])


def _load(db, client_id: str, with_content: bool = True) -> dict:
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
    return out


SECTION = Section(RECORD_KEYS, _check, _insert, _load)


def add_client(vault, values: dict[str, object], persons: list[dict] | None = None) -> str:
    """Add a client from field paths (``first_name``, ``commissioner.contact``, …); returns its id."""
    client = check_new_client(values, persons)
    with vault.write():
        _insert(vault.db, client, clock.now())
        vault.log("client.add", client["id"])
    return client["id"]


def check_new_client(values: dict[str, object], persons: list[dict] | None = None) -> dict:
    """The checked record of a new client (InvalidInput naming the first bad field), before
    anything is asked of the coach (the passphrase)."""
    doc: dict = {"persons": persons or []}
    for path, value in values.items():
        group, _, key = path.partition(".")
        if key and group in F.GROUPS:
            doc.setdefault(group, {})[key] = value
        else:
            doc[path] = value
    no_unknown(doc, RECORD_KEYS, "")
    return _check(doc, {}, "", True)


def check_changes(changes: dict[str, object], add_persons=()) -> tuple[dict, list[dict]]:
    """The checked field changes and new third persons of an edit (no vault needed)."""
    return ({path: F.check_field(path, value) for path, value in changes.items()},
            [F.check_person(p, f"person[{i}].") for i, p in enumerate(add_persons)])


def edit_client(vault, client_id: str, changes: dict[str, object], add_persons=(), remove_persons=()) -> list[str]:
    """Change fields by path; add or remove third persons. Returns the changed field names."""
    checked, new_persons = check_changes(changes, add_persons)
    with vault.write():
        get_summary(vault.db, client_id)
        changed = list(checked)
        if checked:
            sets = ", ".join(f"{F.column(p)} = ?" for p in checked)
            values = [int(v) if p in F.BOOL_FIELDS else v for p, v in checked.items()]
            vault.db.execute(f"UPDATE clients SET {sets}, updated = ? WHERE id = ?", [*values, clock.now(), client_id])
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
    date = F.check_date("date", date) or clock.today()
    with vault.write():
        current = get_summary(vault.db, client_id)["status"]
        if current == status:
            raise InvalidInput("status", status, "is already the client's status")
        vault.db.execute("UPDATE clients SET status = ?, closed = ?, updated = ? WHERE id = ?",
                         (status, date if status == "closed" else None, clock.now(), client_id))
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


def resolve(db, query: str) -> str:
    """The one client meant by an id, a unique id prefix, or a name (full, first or last).

    Names match without regard to case or accents ("noelle dijkstra" finds Noëlle Dijkstra).
    More than one match raises Ambiguous with the candidates; nothing is changed.
    """
    q = (query or "").strip()
    if not q:
        raise InvalidInput("CLIENT", query, "is empty: give an id, an id prefix or a name")
    low = q.lower()
    if UUID.fullmatch(low):
        if db.one("SELECT 1 FROM clients WHERE id = ?", (low,)):
            return low
        # A destroyed client's id is in the ledger (CSR 5.4): say so rather than "unknown".
        gone = ledger.destroyed_on(db, low)
        if gone:
            raise NotFound(f"client {q} was destroyed on {gone}; nothing of the dossier is left",
                           "its request, if there was one, is kept: dossier destroy list")
        raise NotFound(f"no client with id {q}", "list clients with: dossier client list")
    found: dict[str, str] = {}
    if is_prefix(low):
        for cid, first, last in db.all("SELECT id, first_name, last_name FROM clients WHERE substr(id, 1, ?) = ?",
                                       (len(low), low)):
            found[cid] = f"{first} {last}"
    target = F.fold_name(q)
    for cid, first, last in db.all("SELECT id, first_name, last_name FROM clients"):
        if target in (F.fold_name(f"{first} {last}"), F.fold_name(first), F.fold_name(last)):
            found[cid] = f"{first} {last}"
    if len(found) == 1:
        return next(iter(found))
    if not found:
        raise NotFound(f"no client matches {q!r}", "list clients with: dossier client list")
    raise Ambiguous(q, sorted(found.items(), key=lambda kv: kv[1]))
