"""The canonical ``dossier/1`` JSON document: import (all or nothing) and export.

One format for import, export, the client copy's machine-readable part (GDPR Art. 20) and
handover bundles. The schema ships as ``dossier/schema/dossier-1.schema.json``;
docs/format.md explains every field. Unknown fields are errors, so a typo never silently
drops data.
"""

from __future__ import annotations

import json
from pathlib import Path

from dossier.errors import FileProblem, InvalidInput
from dossier.records.clients import _no_unknown, check_client, insert_client, load_client

FORMAT = "dossier/1"


def read_document(path: Path) -> dict:
    from dossier.paths import read_user_text

    try:
        return json.loads(read_user_text(path))
    except json.JSONDecodeError as e:
        raise FileProblem(f"{path}: is not JSON (line {e.lineno}, column {e.colno}: {e.msg})") from None


def check_document(doc, attachment_content: bool = True) -> list[dict]:
    """Every client of a document, checked; the first problem raises InvalidInput with its path."""
    _no_unknown(doc, ("format", "clients"), "")
    if doc.get("format") != FORMAT:
        raise InvalidInput("format", doc.get("format"), f"is not {FORMAT!r}")
    clients = doc.get("clients")
    if not isinstance(clients, list):
        raise InvalidInput("clients", clients, "must be a list")
    checked = [check_client(c, f"clients[{i}].", attachment_content) for i, c in enumerate(clients)]
    seen: dict[str, str] = {}
    for i, c in enumerate(checked):
        ids = [c["id"]] + [x["id"] for k in _LISTS for x in c[k]]
        for item_id in ids:
            if item_id in seen:
                raise InvalidInput(f"clients[{i}]", item_id, f"repeats an id already used in {seen[item_id]}")
            seen[item_id] = f"clients[{i}]"
    return checked


# The lists of a client whose items have ids of their own (each list is a table of that name).
_LISTS = ("sessions", "questionnaires", "measurements", "attachments",
          "requests", "statements", "consents", "disclosures", "copies")


def import_document(vault, doc) -> list[str]:
    """Import all clients or none; returns their ids. Ids already in the vault are refused."""
    from dossier.vault import now

    clients = check_document(doc)
    with vault.write():
        for i, c in enumerate(clients):
            refuse_known_ids(vault.db, c, f"clients[{i}]")
            stamp = now()
            insert_client(vault.db, c, stamp)
            vault.log("client.import", c["id"])
    return [c["id"] for c in clients]


def refuse_known_ids(db, client: dict, where: str, hint: str = "leave out the id to import it as a new record"):
    """InvalidInput if the client, or anything it holds, has an id that is in the vault already."""
    for table in ("clients", *_LISTS):
        items = [("", client)] if table == "clients" else [(f".{table}[{j}]", x) for j, x in enumerate(client[table])]
        for sub, item in items:
            if db.one(f"SELECT 1 FROM {table} WHERE id = ?", (item["id"],)):
                raise InvalidInput(f"{where}{sub}.id", item["id"], "is already in the vault", hint)


def export_document(vault, client_ids: list[str] | None = None, with_attachments: bool = True) -> dict:
    """A dossier/1 document of the given clients (all when None), logged per client."""
    if client_ids is None:
        client_ids = [r[0] for r in vault.db.all("SELECT id FROM clients ORDER BY last_name, first_name, id")]
    clients = []
    for cid in client_ids:
        c = load_client(vault.db, cid, with_attachment_content=with_attachments)
        if not with_attachments:
            c.pop("attachments")
        clients.append(c)
    return {"format": FORMAT, "clients": clients}


def write_export(vault, out: Path, client_ids: list[str] | None = None, with_attachments: bool = True,
                 overwrite: bool = False) -> int:
    """Write an export file (mode 0600) the coach asked for by name; each client's export is audited."""
    from dossier import paths

    doc = export_document(vault, client_ids, with_attachments)
    data = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    with vault.write():
        paths.write_private_file(Path(out), data, overwrite=overwrite)
        for c in doc["clients"]:
            vault.log("client.export", c["id"], detail="dossier/1 JSON file")
    return len(doc["clients"])
