"""Destruction that really erases (CSR 5.4; GDPR Art. 5(1)(e), 17).

``destroy`` deletes every row of the client in one transaction (the full-text index and
attachment keys with them; ``secure_delete`` and the index's own secure-delete zero what is
freed), keeps the request as a tombstone and the id in the ledger, then replaces the database
by a compacted copy under a new key (Vault.rekey), overwrites and removes the attachment
files, and erases the client from the backups it knows. A crash leaves the whole client or
the tombstone, never half: the deletion is one transaction, and everything after it only
removes more. ``run`` is the command: what goes, the confirmation, the letters.
"""

from __future__ import annotations

import json
from pathlib import Path

from dossier import clock, paths
from dossier.errors import DestroyUnfinished, Refused
from dossier.format import fields as F
from dossier.practice import get_practice
from dossier.records.clients import get_summary, resolve
from dossier.render import render_letter
from dossier.retention.backups import backup_folder, erase_from_backups
from dossier.retention.destructions import current_hold, pending_request
from dossier.retention.due import due, due_clients
from dossier.retention.erase import delete_client, finish, purge_index
from dossier.retention.letters import letter_for
from dossier.store import client_tables
from dossier.vault import ledger


def select(db, client: str | None = None, due_now: bool = False) -> tuple[list[str], list[dict]]:
    """The clients to destroy: the one ``client`` names (an id, a prefix or a name), or with
    ``due_now`` everything that is due (a pending request, an expired retention period); and
    the items due but on hold, which are left alone and listed (``destroy run --due``)."""
    if due_now:
        return due_clients(db)
    return [resolve(db, client)], []


def plan(db, client_id: str) -> dict:
    """What destroying this client removes: counts per kind (no content)."""
    c = get_summary(db, client_id)
    counts = {t: db.one(f"SELECT count(*) FROM {t} WHERE client_id = ?", (client_id,))[0] for t in client_tables(db)}
    size = db.one("SELECT coalesce(sum(size), 0) FROM attachments WHERE client_id = ?", (client_id,))[0]
    return {"client_id": client_id, "client": f"{c['first_name']} {c['last_name']}", "counts": counts,
            "attachment_bytes": size, "request": pending_request(db, client_id),
            "hold": current_hold(db, client_id), "status": c["status"], "closed": c["closed"]}


def _refuse_if_held(p: dict) -> None:
    if p["hold"]:
        raise Refused(f"{p['client']} is under a legal hold since {p['hold']['placed']} ({p['hold']['reason']}); "
                      "nothing was destroyed", "release it first when the reason has gone: dossier destroy release "
                      "CLIENT")


def destroy(vault, client_ids: list[str], basis: dict[str, str] | None = None) -> list[dict]:
    """Destroy these clients: all rows in one transaction, then rekey, then the files.

    Refused for a client under a legal hold. ``basis`` says per client why (a request, an
    expired retention, the coach's decision); a pending request is marked executed and kept.
    """
    basis = basis or {}
    date = clock.today()
    done, blobs = [], []
    with vault.write():
        for cid in client_ids:
            p = plan(vault.db, cid)
            _refuse_if_held(p)
            blobs += delete_client(vault, cid)
            why = basis.get(cid) or ("request" if p["request"] else "coach")
            if p["request"]:
                vault.db.execute("UPDATE destructions SET status = 'done', executed = ?, basis = ? WHERE id = ?",
                                 (date, why, p["request"]["id"]))
            ledger.add(vault.db, cid, date)
            vault.log("destroy.run", cid, detail=f"basis {why}; rows: " + ", ".join(
                f"{t} {n}" for t, n in p["counts"].items() if n))
            done.append({**p, "destroyed": date, "basis": why})
        purge_index(vault.db)
        # The journal: committed with the deletion, so that whatever stops the steps after it
        # (a kill, a full disk, a backup disk out of reach), the next command finishes them.
        journal = pending(vault.db)
        journal["entries"] = ledger.merge_ledgers(journal.get("entries", []), _entries(done))
        journal["blobs"] = sorted(set(journal.get("blobs", [])) | set(blobs))
        journal["steps"] = ["rekey", "files", "ledger", "backups"]
        vault.db.set_meta(PENDING, json.dumps(journal))
    try:  # committed: from here on a failure must not say that nothing happened
        _finish_in_vault(vault, pending(vault.db))
    except Exception as e:
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise DestroyUnfinished(
            f"{', '.join(d['client'] for d in done)}: destroyed (every row is gone and the log says so), but "
            f"the clean-up after it failed ({why})",
            "the next dossier command finishes it (or run: dossier verify); attachment files left behind "
            "cannot be read without their deleted keys", done=done) from None
    return done


PENDING = "destroy_pending"


def pending(db) -> dict:
    """The unfinished steps of a destruction (the journal in ``meta``), or {} when there are none."""
    row = db.one("SELECT value FROM meta WHERE key = ?", (PENDING,))
    try:
        journal = json.loads(row[0]) if row else {}
    except ValueError:
        journal = {"entries": [], "blobs": [], "steps": ["rekey", "files", "ledger", "backups"]}
    return journal if isinstance(journal, dict) else {}


def _set_steps(vault, journal: dict, steps: list[str]) -> None:
    with vault.write():
        if steps:
            vault.db.set_meta(PENDING, json.dumps({**journal, "steps": steps}))
        else:
            vault.db.execute("DELETE FROM meta WHERE key = ?", (PENDING,))
            vault.log("destroy.finished", detail=f"{len(journal.get('entries', []))} client(s)")
    journal["steps"] = steps


def _finish_in_vault(vault, journal: dict) -> None:
    """The steps after the deletion that concern the vault itself: a new database key, the
    attachment files overwritten, the ledger beside the mirror."""
    steps = list(journal.get("steps", []))
    if "rekey" in steps or "files" in steps:
        finish(vault, journal.get("blobs", []))
    if vault.mirrored and "ledger" in steps:
        ledger.record_outside([vault.vault_id, *vault.lineage()], ledger.ledger(vault.db), vault.master_key)
    # The backups are left for run() (or the next command) when there is a backup folder.
    _set_steps(vault, journal, [s for s in steps if s == "backups" and backup_folder(vault) is not None])


def finish_pending(vault) -> dict | None:
    """Finish what a destruction left unfinished (called by every command that unlocks the
    vault for writing): the new key, the files, the ledger, the backups. Returns what was
    done and what is still left ({"entries", "steps", "backups"}), or None when nothing was pending."""
    journal = pending(vault.db)
    if not journal or vault.rollback is not None:
        return None
    _finish_in_vault(vault, journal)
    result = erase_from_backups(vault, journal.get("entries", []))
    if not result["failed"]:
        _set_steps(vault, journal, [])
    return {"entries": journal.get("entries", []), "steps": journal["steps"], "backups": result}


def run(vault, client_ids: list[str], out_dir: Path, lang: str = "nl", confirm=None, overwrite: bool = False) -> dict:
    """Destroy these clients after ``confirm(plans)`` agrees; write a confirmation letter per
    client into ``out_dir`` (0600) first, removed again if the destruction fails."""
    F.check_lang(lang)
    out_dir = paths.check_out_folder(out_dir)
    plans = [plan(vault.db, cid) for cid in dict.fromkeys(client_ids)]
    for p in plans:
        _refuse_if_held(p)
    if confirm is not None and not confirm(plans):
        raise Refused("not confirmed; nothing was destroyed")
    date, practice = clock.today(), get_practice(vault.db)
    expired = {i["client_id"] for i in due(vault.db, within=0) if i["kind"] == "retention" and i["due"]}
    basis = {}
    for p in plans:
        p["basis"] = basis[p["client_id"]] = ("request" if p["request"] else
                                              "retention" if p["client_id"] in expired else "coach")
    letters = {p["client_id"]: (out_dir / f"{'vernietiging' if lang == 'nl' else 'destruction'}-"
                                          f"{paths.slug(p['client'])}-{date}.pdf",
                                render_letter(letter_for(vault.db, p, practice, lang, date))) for p in plans}
    unfinished = None
    with paths.all_or_nothing(dict(letters.values()), overwrite):  # removed again if nothing was destroyed
        try:
            done = destroy(vault, [p["client_id"] for p in plans], basis)
        except DestroyUnfinished as e:  # destroyed all the same: the letters stay, the backups follow
            unfinished = e
    if unfinished is not None:
        _erase_from_backups(vault, unfinished.done)
        raise unfinished
    backups = _erase_from_backups(vault, done)
    journal = pending(vault.db)
    if journal and not backups["failed"]:
        _set_steps(vault, journal, [])
    return {"destroyed": done, "letters": [str(p) for p, _ in letters.values()], "backups": backups}


def _erase_from_backups(vault, done: list[dict]) -> dict:
    return erase_from_backups(vault, _entries(done))


def _entries(done: list[dict]) -> list[dict]:
    return [{"client_id": d["client_id"], "destroyed": d["destroyed"]} for d in done]
