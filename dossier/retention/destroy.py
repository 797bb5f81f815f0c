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

import contextlib
import json
import threading
from pathlib import Path

from dossier import clock, crypto, paths
from dossier.errors import DestroyUnfinished, DossierError, Refused, UsageError
from dossier.format import fields as F
from dossier.practice import get_practice
from dossier.records import drafts
from dossier.records.clients import get_summary, resolve
from dossier.render import render_letter
from dossier.retention.backups import Erasure, backup_folder
from dossier.retention.destructions import current_hold, pending_request
from dossier.retention.due import due, due_clients
from dossier.retention.erase import delete_client, finish, purge_index
from dossier.retention.letters import letter_for, with_pending
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


STEPS = ("backups", "rekey", "files", "ledger")
PENDING = "destroy_pending"


def destroy(vault, client_ids: list[str], basis: dict[str, str] | None = None) -> dict:
    """Destroy these clients: all rows in one transaction (with the journal of what follows),
    then the backups, the new keys, the files and the ledger (:func:`complete`).

    Refused for a client under a legal hold. ``basis`` says per client why (a request, an
    expired retention, the coach's decision); a pending request is marked executed and kept.
    Returns {"destroyed": per client, and what :func:`complete` returns}.
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
        if "rekey" not in journal.get("steps", []) or "next_master" not in journal:
            # The master key the vault will have: the backups are rewritten with it before the
            # vault itself is rekeyed, so the old one never has to be kept.
            journal["next_master"] = crypto.b64(crypto.random_key())
        journal["entries"] = ledger.merge_ledgers(journal.get("entries", []), _entries(done))
        journal["blobs"] = sorted(set(journal.get("blobs", [])) | set(blobs))
        journal["steps"] = [s for s in STEPS if s != "backups" or backup_folder(vault) is not None]
        vault.db.set_meta(PENDING, json.dumps(journal))
    try:  # committed: from here on a failure must not say that nothing happened
        status = complete(vault)
    except Exception as e:
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise DestroyUnfinished(
            f"{', '.join(d['client'] for d in done)}: destroyed (every row is gone and the log says so), but "
            f"the clean-up after it failed ({why})",
            "the next dossier command finishes it (or run: dossier verify); attachment files left behind "
            "cannot be read without their deleted keys", done=done) from None
    return {"destroyed": done, **status}


def pending(db) -> dict:
    """The unfinished steps of a destruction (the journal in ``meta``), or {} when there are none."""
    row = db.one("SELECT value FROM meta WHERE key = ?", (PENDING,))
    try:
        journal = json.loads(row[0]) if row else {}
    except ValueError:
        journal = {"entries": [], "blobs": [], "steps": list(STEPS)}
    return journal if isinstance(journal, dict) else {}


def _save(vault, journal: dict, **changes) -> None:
    """The journal with ``changes``, committed; deleted (and logged) when no step is left."""
    journal.update(changes)
    with vault.write():
        if journal.get("steps"):
            vault.db.set_meta(PENDING, json.dumps(journal))
        else:
            vault.db.execute("DELETE FROM meta WHERE key = ?", (PENDING,))
            vault.log("destroy.finished", detail=f"{len(journal.get('entries', []))} client(s)")


def _keys(journal: dict, name: str) -> list[bytes]:
    value = journal.get(name, [])
    out = []
    for v in value if isinstance(value, list) else [value]:
        with contextlib.suppress(ValueError, TypeError):
            out.append(crypto.unb64(v))
    return out


def complete(vault) -> dict:
    """Do the steps a destruction's journal still lists: rewrite the backups (with the master
    key the vault is about to get), replace the vault's database and master keys (Vault.rekey),
    erase the attachment files, sign the ledger beside the mirror. The backups are rewritten in
    a second thread while the vault is re-encrypted (two cores: measured in
    benchmarks/bench_destroy.py). Until they are all rewritten, the vault's master key of
    before is kept in the journal (inside the vault), so that a backup out of reach can still
    be opened and rewritten when it comes back. Returns {"steps": what is left, "backups":
    what erase_from_backups returns, "dropped_slots"}."""
    journal = pending(vault.db)
    steps = list(journal.get("steps", []))
    result = {"steps": steps, "backups": {"rewritten": [], "updated": [], "failed": []}, "dropped_slots": []}
    if not steps:
        return result
    rekey = "rekey" in steps or "files" in steps
    if "rekey" in steps and not _keys(journal, "next_master"):  # (a journal written without one)
        journal["next_master"] = crypto.b64(crypto.random_key())
    next_master = _keys(journal, "next_master")[0] if "rekey" in steps else None
    job = None
    if "backups" in steps:
        job = Erasure(vault, journal.get("entries", []), _keys(journal, "old_masters"), next_master)
        if not job.needed:
            steps.remove("backups")
            job = None
        elif "rekey" in steps and next_master != vault.master_key:
            journal["old_masters"] = [crypto.b64(k) for k in
                                      dict.fromkeys([*_keys(journal, "old_masters"), vault.master_key])]
        _save(vault, journal, steps=steps)
    worker = _start(job) if job is not None and rekey else None
    try:
        if rekey:
            result["dropped_slots"] = finish(vault, journal.get("blobs", []), master=next_master)
            drafts.erase_for(vault.path, vault.auth_key, [e["client_id"] for e in journal.get("entries", [])])
            _save(vault, journal, steps=[s for s in journal["steps"] if s not in ("rekey", "files")],
                  next_master=None)
    finally:
        if worker is not None:
            worker.join()
    if job is not None:
        if worker is None:
            job.run()
        elif worker.error is not None:
            raise worker.error
        job.log(vault)
        result["backups"] = job.result
        if not job.result["failed"]:
            journal.pop("old_masters", None)
            _save(vault, journal, steps=[s for s in journal["steps"] if s != "backups"])
    if "ledger" in journal["steps"]:
        if vault.mirrored:
            ledger.record_outside([vault.vault_id, *vault.lineage()], ledger.ledger(vault.db), vault.auth_keys)
        _save(vault, journal, steps=[s for s in journal["steps"] if s != "ledger"])
    result["steps"] = journal.get("steps", [])
    return result


def _start(job: Erasure) -> threading.Thread:
    """Run the backup erasure in a thread of its own; its exception is kept for the join."""
    def work():
        try:
            job.run()
        except BaseException as e:  # re-raised in the vault's thread (complete)
            worker.error = e

    worker = threading.Thread(target=work, name="dossier-backups", daemon=True)
    worker.error = None
    worker.start()
    return worker


def finish_pending(vault) -> dict | None:
    """Finish what a destruction left unfinished (called by every command that unlocks the
    vault for writing). Returns {"entries", "steps" (what is still left), "backups",
    "dropped_slots"}, or None when nothing was pending."""
    journal = pending(vault.db)
    if not journal or vault.rollback is not None:
        return None
    return {"entries": journal.get("entries", []), **complete(vault)}


def letters_folder(db) -> Path:
    """The practice's letters folder (``practice set letters=DIR``); never the current folder by
    default (a letter holds the client's name and address)."""
    folder = get_practice(db).get("letters")
    if not folder:
        raise UsageError("where should the confirmation letters go? give --out DIR",
                         "or set a letters folder once: dossier practice set letters=DIR")
    return Path(folder).expanduser()


def run(vault, client_ids: list[str], out_dir: Path, lang: str = "nl", confirm=None, overwrite: bool = False) -> dict:
    """Destroy these clients after ``confirm(plans)`` agrees; then write a confirmation letter
    per client into ``out_dir`` (0600) that says what was done, and what is still pending when
    a step could not be finished (a backup out of reach). The letters are made before anything
    is destroyed (a letter that cannot be made stops the destruction) and written after it."""
    F.check_lang(lang)
    out_dir = paths.check_out_folder(out_dir)
    plans = [plan(vault.db, cid) for cid in dict.fromkeys(client_ids)]
    for p in plans:
        _refuse_if_held(p)
    if confirm is not None and not confirm(plans):
        raise Refused("not confirmed; nothing was destroyed")
    date, practice = clock.today(), get_practice(vault.db)
    expired = {i["client_id"] for i in due(vault.db, within=0) if i["kind"] == "retention" and i["due"]}
    for p in plans:
        p["basis"] = ("request" if p["request"] else "retention" if p["client_id"] in expired else "coach")
    letters = {p["client_id"]: letter_for(vault.db, p, practice, lang, date) for p in plans}
    names = {cid: out_dir / f"{'vernietiging' if lang == 'nl' else 'destruction'}-{paths.slug(p['client'])}-{date}.pdf"
             for cid, p in zip(letters, plans)}
    rendered = {cid: render_letter(letter) for cid, letter in letters.items()}  # before anything goes
    if not overwrite:
        paths.refuse_existing(names.values())
    unfinished = None
    try:
        result = destroy(vault, [p["client_id"] for p in plans], {p["client_id"]: p["basis"] for p in plans})
    except DestroyUnfinished as e:  # destroyed all the same: the letters say what is still pending
        unfinished, result = e, {"destroyed": e.done, "steps": pending(vault.db).get("steps", list(STEPS)),
                                 "backups": {"rewritten": [], "updated": [], "failed": []}, "dropped_slots": []}
    if result["steps"]:
        rendered = {cid: render_letter(with_pending(letter, result["steps"])) for cid, letter in letters.items()}
    try:
        with paths.all_or_nothing({names[cid]: data for cid, data in rendered.items()}, overwrite=True):
            pass
    except (OSError, DossierError) as e:
        why = getattr(e, "strerror", None) or str(e)
        raise DestroyUnfinished(f"{', '.join(d['client'] for d in result['destroyed'])}: destroyed, but the "
                                f"confirmation letter could not be written to {out_dir} ({why})",
                                "write the letter to the client yourself; the log holds the date",
                                done=result["destroyed"]) from None
    if unfinished is not None:
        raise unfinished
    return {**result, "letters": [str(names[cid]) for cid in letters]}


def _entries(done: list[dict]) -> list[dict]:
    return [{"client_id": d["client_id"], "destroyed": d["destroyed"]} for d in done]
