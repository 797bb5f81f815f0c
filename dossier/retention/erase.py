"""Erasing a client: every row in one transaction, then the database compacted under a new
key and the attachment files overwritten and removed (CSR 5.4). Used on the vault, on the
backups it can reach, and on a restored backup that must forget what was destroyed since.
"""

from __future__ import annotations

from dossier.store import client_tables
from dossier.store.blobs import blob_ids
from dossier.vault import ledger


def delete_client(vault, client_id: str) -> list[str]:
    """Delete every row of the client (inside a write); returns the attachment ids whose files
    are to be erased once the deletion is committed. Used on the vault and on its backups."""
    blobs = [r[0] for r in vault.db.all("SELECT id FROM attachments WHERE client_id = ?", (client_id,))]
    vault.db.execute("DELETE FROM clients WHERE id = ?", (client_id,))  # cascades to every client table
    for table in client_tables(vault.db):
        if vault.db.one(f"SELECT 1 FROM {table} WHERE client_id = ?", (client_id,)):
            raise RuntimeError(f"rows of the destroyed client remain in {table}")
    return blobs


def purge_index(db) -> None:
    """Merge the full-text index into one segment (inside the deleting write). Measured: even
    with FTS5's secure-delete on, a deleted client's single words stayed in a segment page of
    ``search_index_data`` (not as terms, as leftover bytes); a merge rewrites every segment
    from the live terms only. The index is contentless, so 'rebuild' is not possible."""
    db.execute("INSERT INTO search_index(search_index) VALUES ('optimize')")


def finish(vault, blobs: list[str], **rekey) -> list[str]:
    """After the deleting transaction: a new database key and master key (Vault.rekey, which
    takes ``rekey``), the attachment files erased. Returns the kinds of key slots dropped."""
    dropped = vault.rekey(**rekey)
    for blob_id in blobs:
        vault.db.blobs.erase(blob_id)
    vault.db.blobs.sweep(blob_ids(vault.db))
    return dropped


def forget(vault, entries: list[dict], **rekey) -> list[str]:
    """Re-apply ledger entries to a vault (a restored backup, a backup being rewritten): every
    listed client it still holds is destroyed again (``rekey`` goes to Vault.rekey), and the
    ledger learns every entry. Returns the ids erased."""
    erased, blobs = [], []
    with vault.write():
        for e in entries:
            cid, date = e["client_id"], e["destroyed"]
            if vault.db.one("SELECT 1 FROM clients WHERE id = ?", (cid,)):
                blobs += delete_client(vault, cid)
                vault.db.execute("UPDATE destructions SET status = 'done', executed = ?, basis = 'ledger' "
                                 "WHERE client_id = ? AND status = 'pending'", (date, cid))
                vault.log("destroy.reapply", cid, detail=f"destroyed {date}; re-applied from the ledger")
                erased.append(cid)
            ledger.add(vault.db, cid, date)
        if erased:
            purge_index(vault.db)
    if erased:
        finish(vault, blobs, **rekey)
    return erased
