"""The canonical ``dossier/1`` client, assembled from its sections; import (all or nothing) and export.

One format for import, export, the client copy's machine-readable part (GDPR Art. 20), handover
bundles and the anonymiser's input (design.md). A client is the sections of :data:`SECTIONS`,
in this order, which is the key order of every export: the record, its sessions and results,
its attachments, then the client's rights (CSR 5.1-5.3, 6.1-6.5, 9.4), then the legal duties
that travel with the client (holds and a pending destruction request, CSR 5.4). The JSON Schema ships as
``dossier/format/dossier-1.schema.json``; docs/format.md explains every field. Unknown fields
are errors, so a typo never silently drops data.
"""

from __future__ import annotations

import json
from pathlib import Path

from dossier import clock, paths
from dossier.errors import InvalidInput
from dossier.format import FORMAT, read_document
from dossier.format.ids import no_unknown
from dossier.records import attachments, clients, consents, copies, disclosures, holds, requests, sessions, statements

SECTIONS = (clients.SECTION, sessions.SECTION, attachments.SECTION, requests.SECTION, statements.SECTION,
            consents.SECTION, disclosures.SECTION, copies.SECTION, holds.HOLDS, holds.REQUESTS)
CLIENT_KEYS = tuple(key for section in SECTIONS for key in section.keys)
# The lists of a client whose items have ids of their own (each list is a table of that name).
ID_LISTS = tuple(key for key in CLIENT_KEYS if key not in clients.RECORD_KEYS)

__all__ = ["FORMAT", "SECTIONS", "CLIENT_KEYS", "check_client", "insert_client", "load_client", "read_document",
           "check_document", "import_document", "export_document", "write_export", "refuse_known_ids"]


def check_client(doc: dict, where: str = "", attachment_content: bool = True) -> dict:
    """A validated, normalised client in the canonical shape (unknown fields are errors)."""
    no_unknown(doc, CLIENT_KEYS, where)
    out: dict = {}
    for section in SECTIONS:
        out.update(section.check(doc, out, where, attachment_content))
    return out


def insert_client(db, client: dict, now: str) -> None:
    """Insert a checked canonical client with everything it holds (inside a write)."""
    for section in SECTIONS:
        section.insert(db, client, now)


def load_client(db, client_id: str, with_attachment_content: bool = True) -> dict:
    """One client in the canonical shape, with everything it holds."""
    out: dict = {}
    for section in SECTIONS:
        out.update(section.load(db, client_id, with_attachment_content))
    return out


def check_document(doc, attachment_content: bool = True) -> list[dict]:
    """Every client of a document, checked; the first problem raises InvalidInput with its path."""
    no_unknown(doc, ("format", "clients"), "")
    if doc.get("format") != FORMAT:
        raise InvalidInput("format", doc.get("format"), f"is not {FORMAT!r}")
    clients_ = doc.get("clients")
    if not isinstance(clients_, list):
        raise InvalidInput("clients", clients_, "must be a list")
    checked = [check_client(c, f"clients[{i}].", attachment_content) for i, c in enumerate(clients_)]
    seen: dict[str, str] = {}
    for i, c in enumerate(checked):
        ids = [c["id"]] + [x["id"] for k in ID_LISTS for x in c[k]]
        for item_id in ids:
            if item_id in seen:
                raise InvalidInput(f"clients[{i}]", item_id, f"repeats an id already used in {seen[item_id]}")
            seen[item_id] = f"clients[{i}]"
    return checked


def import_document(vault, doc) -> list[str]:
    """Import all clients or none; returns their ids. Ids already in the vault are refused."""
    clients_ = check_document(doc)
    with vault.write():
        for i, c in enumerate(clients_):
            refuse_known_ids(vault.db, c, f"clients[{i}]")
            insert_client(vault.db, c, clock.now())
            vault.log("client.import", c["id"])
    return [c["id"] for c in clients_]


def refuse_known_ids(db, client: dict, where: str, hint: str = "leave out the id to import it as a new record"):
    """InvalidInput if the client, or anything it holds, has an id that is in the vault already."""
    for table in ("clients", *ID_LISTS):
        items = [("", client)] if table == "clients" else [(f".{table}[{j}]", x) for j, x in enumerate(client[table])]
        for sub, item in items:
            if db.one(f"SELECT 1 FROM {table} WHERE id = ?", (item["id"],)):
                raise InvalidInput(f"{where}{sub}.id", item["id"], "is already in the vault", hint)


def export_document(vault, client_ids: list[str] | None = None, with_attachments: bool = True) -> dict:
    """A dossier/1 document of the given clients (all when None)."""
    if client_ids is None:
        client_ids = [r[0] for r in vault.db.all("SELECT id FROM clients ORDER BY last_name, first_name, id")]
    out = []
    for cid in client_ids:
        c = load_client(vault.db, cid, with_attachment_content=with_attachments)
        if not with_attachments:
            c.pop("attachments")
        out.append(c)
    return {"format": FORMAT, "clients": out}


def document_bytes(doc: dict) -> bytes:
    """A dossier/1 document as its file holds it (UTF-8, indented, one newline at the end)."""
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def write_export(vault, out: Path, client_ids: list[str] | None = None, with_attachments: bool = True,
                 overwrite: bool = False) -> int:
    """Write an export file (mode 0600) the coach asked for by name; each client's export is audited."""
    doc = export_document(vault, client_ids, with_attachments)
    with vault.write():
        paths.write_private_file(Path(out), document_bytes(doc), overwrite=overwrite)
        for c in doc["clients"]:
            vault.log("client.export", c["id"], detail="dossier/1 JSON file")
    return len(doc["clients"])
