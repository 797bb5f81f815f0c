"""The ledger of destroyed clients: id and date, never a name or content (CSR 5.4).

It lives in the vault (table ``ledger``), in every backup's manifest, and in a file beside the
vault's rollback mirror, outside every vault. A restore of an old backup re-applies every
ledger it can find, so that nothing destroyed comes back. One merge rule: each client once,
with the first date it was destroyed.

A ledger outside the vault (a manifest, the file beside the mirror) lies where anyone who can
write the folder could forge it, and acting on it deletes clients; and the ids of destroyed
clients are nobody's business. So it is sealed (SecretBox) under a key derived from the
vault's auth key: only a ledger that opens is acted on; a forged or foreign one is reported and
deletes nothing. (Files and manifests of format /1 were signed, :func:`sign`, and are read.)
"""

from __future__ import annotations

import hmac
import json
import os
from pathlib import Path

from dossier import clock, crypto, paths

FILE_FORMAT = "dossier-ledger/2"  # /2: the entries sealed (ids of destroyed clients are not readable); /1: signed
OLD_FILE_FORMAT = "dossier-ledger/1"


def ledger(db) -> list[dict]:
    """The vault's own ledger, oldest first."""
    return [{"client_id": c, "destroyed": d}
            for c, d in db.all("SELECT client_id, destroyed FROM ledger ORDER BY destroyed")]


def destroyed_on(db, client_id: str) -> str | None:
    """The date this client was destroyed, if the ledger has it (a vault from before the
    ledger existed has no such table, and says None)."""
    if not db.one("SELECT 1 FROM sqlite_master WHERE name = 'ledger'"):
        return None
    row = db.one("SELECT destroyed FROM ledger WHERE client_id = ?", (client_id,))
    return row[0] if row else None


def add(db, client_id: str, date: str) -> None:
    """Record a destruction in the vault's ledger (inside the deleting write); a client already
    recorded keeps its first date."""
    db.execute("INSERT OR IGNORE INTO ledger (client_id, destroyed) VALUES (?, ?)", (client_id, date))


def ledger_entries(value) -> list[dict]:
    """Well-formed ledger entries only (a file or manifest in plaintext that anyone could edit)."""
    if not isinstance(value, list):
        return []
    return [{"client_id": e["client_id"].strip().lower(), "destroyed": e["destroyed"]} for e in value
            if isinstance(e, dict) and isinstance(e.get("client_id"), str) and isinstance(e.get("destroyed"), str)]


def sign(key: bytes, entries: list[dict]) -> str:
    """The MAC of a ledger under the vault's auth key (Vault.auth_key: kept in the database,
    the same in every backup, and unchanged when the master key changes)."""
    body = json.dumps(sorted((e["client_id"], e["destroyed"]) for e in entries), separators=(",", ":"))
    return crypto.b64(crypto.mac(key, body.encode(), b"dossier-ledger"))


def authentic(keys: bytes | list[bytes], entries, mac) -> bool:
    """Whether ``entries`` are exactly what this vault signed (a list of well-formed entries and
    its MAC under one of ``keys``: Vault.auth_keys)."""
    if not isinstance(mac, str) or ledger_entries(entries) != entries:
        return False
    return any(hmac.compare_digest(mac, sign(k, entries)) for k in (keys if isinstance(keys, list) else [keys]))


def merge_ledgers(first: list[dict], *more: list[dict]) -> list[dict]:
    """One ledger of all, each client once (with its earliest date), in the order of the dates."""
    known: dict[str, str] = {}
    for entries in (first, *more):
        for e in entries:
            if e["client_id"] not in known or e["destroyed"] < known[e["client_id"]]:
                known[e["client_id"]] = e["destroyed"]
    return [{"client_id": c, "destroyed": d} for c, d in sorted(known.items(), key=lambda kv: (kv[1], kv[0]))]


def ledger_file(vault_id: str) -> Path:
    """Destroyed ids and dates, kept outside the vault beside its mirror (no content): a
    restore of an old backup consults it, even when the vault itself is lost."""
    return paths.mirror_dir() / f"{vault_id}.ledger.json"


def read_outside(vault_ids: list[str], keys: bytes | list[bytes]) -> tuple[list[dict], list[str]]:
    """The authentic entries of the ledger files of these vaults, and the files that were not
    authentic (forged, foreign, from before the MAC): those add nothing. Missing files add none."""
    found: list[dict] = []
    refused: list[str] = []
    for vault_id in vault_ids:
        path = ledger_file(vault_id)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            refused.append(str(path))
            continue
        entries = _open_file(data, keys if isinstance(keys, list) else [keys])
        if entries is not None:
            found += entries
        else:
            refused.append(str(path))
    return found, refused


FILE_PURPOSE = b"dossier-ledgerfi"


def _open_file(data, keys: list[bytes]) -> list[dict] | None:
    """The entries of a ledger file: sealed (/2) and opened with one of ``keys``, or signed
    (/1) and authentic; None when neither (forged, foreign, damaged)."""
    if not isinstance(data, dict):
        return None
    if data.get("format") == OLD_FILE_FORMAT:
        return data["entries"] if authentic(keys, data.get("entries"), data.get("mac")) else None
    entries = crypto.open_json(keys, FILE_PURPOSE, data.get("sealed"))
    return entries if entries is not None and ledger_entries(entries) == entries else None


def record_outside(vault_ids: list[str], entries: list[dict], keys: list[bytes]) -> None:
    """Add ``entries`` to the ledger file of each of these vaults (a vault and those it was
    restored from, so that a restore of their old backups forgets these clients too), signed.
    A file that is not authentic is set aside, never merged and never overwritten."""
    if not entries:
        return
    for vault_id in vault_ids:
        path = ledger_file(vault_id)
        known, refused = read_outside([vault_id], keys)
        if refused:
            os.replace(path, path.with_name(f"{path.name}.damaged-{clock.today()}"))
        known = merge_ledgers(known, entries)
        paths.make_private_dir(path.parent)
        record = {"format": FILE_FORMAT, "sealed": crypto.seal_json(keys[0], FILE_PURPOSE, known)}
        paths.replace_private_file(path, json.dumps(record, indent=2).encode())
