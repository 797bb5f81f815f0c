"""Destruction that really erases (CSR 5.4; GDPR Art. 5(1)(e), 17).

A written request starts a four-week clock; a legal hold blocks destruction; a retention
period runs from the day a dossier is closed. ``destroy`` deletes every row of the client in
one transaction (the full-text index and attachment keys with them; ``secure_delete`` and the
index's own secure-delete zero what is freed), keeps the request as a tombstone and the id in
the ledger, then replaces the database by a compacted copy under a new key (Vault.rekey),
overwrites and removes the attachment files, and erases the client from the backups it
knows. A crash leaves the whole client or the tombstone, never half: the deletion is one
transaction, and everything after it only removes more.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from dossier import paths
from dossier.errors import DestroyUnfinished, InvalidInput, Refused
from dossier.records import fields as F
from dossier.records.attachments import blob_ids
from dossier.records.clients import get_summary, new_id
from dossier.rights.requests import add_months, today

TERM_DAYS = 28  # CSR 5.4: at most four weeks after receipt
DUE_WITHIN_DAYS = 30
RETENTION_KEY = "retention_after_close"
_PERIOD = re.compile(r"(\d{1,3})([ymd])")
# Tables holding a client's rows (every one cascades from clients; listed to count and to check).
CLIENT_TABLES = ("sessions", "questionnaires", "measurements", "attachments", "persons", "requests",
                 "statements", "consents", "disclosures", "copies", "holds", "pseudonyms", "provenance")


def parse_period(text: str, field: str = "--after-close") -> str:
    """``2y``, ``18m`` or ``90d`` (years, months, days)."""
    value = (text or "").strip().lower().replace(" ", "")
    if not _PERIOD.fullmatch(value) or int(value[:-1]) == 0:
        raise InvalidInput(field, text, "is not a period such as 2y, 18m or 90d")
    return value


def add_period(date: str, period: str) -> str:
    n, unit = int(period[:-1]), period[-1]
    if unit == "d":
        return (dt.date.fromisoformat(date) + dt.timedelta(days=n)).isoformat()
    return add_months(date, n * 12 if unit == "y" else n)


# -- requests, holds, retention --------------------------------------------------------------------

def request(vault, client_id: str, received: str | None, letter: Path | None = None) -> dict:
    """Record a written request to destroy the dossier; the deadline is receipt + 28 days.
    The request (name, dates, the scanned letter) outlives the dossier as a tombstone."""
    from dossier.rights.requests import received_date

    received = received_date(received)
    content = paths.read_user_file(letter, max_bytes=20 * 2**20) if letter else None
    with vault.write():
        from dossier.vault import now

        c = get_summary(vault.db, client_id)
        if pending_request(vault.db, client_id):
            raise Refused(f"{c['first_name']} {c['last_name']} has a destruction request pending already",
                          "see it with: dossier destroy list")
        rid = new_id()
        deadline = (dt.date.fromisoformat(received) + dt.timedelta(days=TERM_DAYS)).isoformat()
        vault.db.execute("INSERT INTO destructions (id, client_id, first_name, last_name, received, deadline, letter, "
                         "letter_name, created) VALUES (?,?,?,?,?,?,?,?,?)",
                         (rid, client_id, c["first_name"], c["last_name"], received, deadline, content,
                          Path(letter).name if letter else None, now()))
        vault.log("destroy.request", client_id, detail=f"request {rid}" + (", letter kept" if letter else ""))
    return {"id": rid, "deadline": deadline}


def hold(vault, client_id: str, reason: str) -> str:
    """A legal hold (a complaint or a court case pending) that blocks destruction."""
    reason = F.check_line("--reason", reason, required=True)
    with vault.write():
        from dossier.vault import now

        get_summary(vault.db, client_id)
        if current_hold(vault.db, client_id):
            raise Refused("this dossier is on hold already", "release it first: dossier destroy release CLIENT")
        hid = new_id()
        vault.db.execute("INSERT INTO holds (id, client_id, reason, placed, created) VALUES (?,?,?,?,?)",
                         (hid, client_id, reason, today(), now()))
        vault.log("destroy.hold", client_id, detail=f"hold {hid}")
    return hid


def release(vault, client_id: str) -> None:
    with vault.write():
        get_summary(vault.db, client_id)
        held = current_hold(vault.db, client_id)
        if not held:
            raise Refused("this dossier is not on hold")
        vault.db.execute("UPDATE holds SET released = ? WHERE id = ?", (today(), held["id"]))
        vault.log("destroy.release", client_id, detail=f"hold {held['id']}")


def pending_request(db, client_id: str) -> dict | None:
    """The client's written request to destroy that is not carried out yet, if any."""
    row = db.one("SELECT id, received, deadline FROM destructions WHERE client_id = ? AND status = 'pending'",
                 (client_id,))
    return dict(zip(("id", "received", "deadline"), row)) if row else None


def current_hold(db, client_id: str) -> dict | None:
    row = db.one("SELECT id, reason, placed FROM holds WHERE client_id = ? AND released IS NULL", (client_id,))
    return dict(zip(("id", "reason", "placed"), row)) if row else None


def set_retention(vault, period: str, client_id: str | None = None) -> str | None:
    """The practice's retention after closing (``2y``), or one client's override (``none``
    removes the override; the practice default applies again)."""
    if client_id and period.strip().lower() in ("none", "default"):
        value = None
    else:
        value = parse_period(period)
    with vault.write():
        if client_id:
            get_summary(vault.db, client_id)
            vault.db.execute("UPDATE clients SET retention = ? WHERE id = ?", (value, client_id))
        else:
            vault.db.set_meta(RETENTION_KEY, value)
        vault.log("retention.set", client_id, detail=f"after close: {value or 'practice default'}")
    return value


def practice_retention(db) -> str | None:
    row = db.one("SELECT value FROM meta WHERE key = ?", (RETENTION_KEY,))
    return row[0] if row else None


# -- what is due -----------------------------------------------------------------------------------------

def due(db, on: str | None = None, within: int = DUE_WITHIN_DAYS) -> list[dict]:
    """Everything due, overdue or coming within ``within`` days: destruction requests (by
    their deadline), retention expiries of closed dossiers, and the holds that block them."""
    on = on or today()
    horizon = (dt.date.fromisoformat(on) + dt.timedelta(days=within)).isoformat()
    holds = {r[0]: {"reason": r[1], "placed": r[2]} for r in db.all(
        "SELECT client_id, reason, placed FROM holds WHERE released IS NULL")}
    items = []
    for rid, cid, first, last, received, deadline in db.all(
            "SELECT id, client_id, first_name, last_name, received, deadline FROM destructions "
            "WHERE status = 'pending' ORDER BY deadline"):
        items.append({"kind": "request", "id": rid, "client_id": cid, "client": f"{first} {last}",
                      "received": received, "date": deadline})
    default = practice_retention(db)
    for cid, first, last, closed, own in db.all(
            "SELECT id, first_name, last_name, closed, retention FROM clients WHERE status = 'closed' AND closed IS NOT NULL"):
        period = own or default
        if period:
            expires = add_period(closed, period)
            if expires <= horizon:
                items.append({"kind": "retention", "id": None, "client_id": cid, "client": f"{first} {last}",
                              "closed": closed, "period": period, "date": expires})
    for item in items:
        item["hold"] = holds.get(item["client_id"])
        item["overdue"] = item["date"] < on if item["kind"] == "request" else item["date"] <= on
        item["due"] = item["kind"] == "request" or item["date"] <= on  # a request: as soon as possible
    listed = {i["client_id"] for i in items}
    for cid, h in holds.items():
        if cid not in listed:
            name = db.one("SELECT first_name || ' ' || last_name FROM clients WHERE id = ?", (cid,))
            items.append({"kind": "hold", "id": None, "client_id": cid, "client": name[0] if name else cid,
                          "date": h["placed"], "hold": h, "overdue": False, "due": False})
    return sorted(items, key=lambda i: (i["date"], i["client"]))


def overdue_count(db, on: str | None = None) -> int:
    """How many items are past their date and not on hold (for the warning at every unlock)."""
    return sum(1 for i in due(db, on, within=0) if i["overdue"] and not i["hold"])


def list_requests(db) -> list[dict]:
    cols = ("id", "client_id", "first_name", "last_name", "received", "deadline", "letter_name", "status", "executed",
            "basis")
    rows = [dict(zip(cols, r)) for r in db.all(f"SELECT {', '.join(cols)} FROM destructions ORDER BY received, n")]
    for r in rows:
        r["client"] = f"{r.pop('first_name')} {r.pop('last_name')}"
        r["hold"] = current_hold(db, r["client_id"]) if r["status"] == "pending" else None
    return rows


# -- destroying ---------------------------------------------------------------------------------------

def plan(db, client_id: str) -> dict:
    """What destroying this client removes: counts per kind (no content)."""
    c = get_summary(db, client_id)
    counts = {t: db.one(f"SELECT count(*) FROM {t} WHERE client_id = ?", (client_id,))[0] for t in CLIENT_TABLES}
    size = db.one("SELECT coalesce(sum(size), 0) FROM attachments WHERE client_id = ?", (client_id,))[0]
    return {"client_id": client_id, "client": f"{c['first_name']} {c['last_name']}", "counts": counts,
            "attachment_bytes": size, "request": pending_request(db, client_id),
            "hold": current_hold(db, client_id), "status": c["status"], "closed": c["closed"]}


def delete_client(vault, client_id: str) -> list[str]:
    """Delete every row of the client (inside a write); returns the attachment ids whose files
    are to be erased once the deletion is committed. Used on the vault and on its backups."""
    blobs = [r[0] for r in vault.db.all("SELECT id FROM attachments WHERE client_id = ?", (client_id,))]
    vault.db.execute("DELETE FROM clients WHERE id = ?", (client_id,))  # cascades to every client table
    for table in CLIENT_TABLES:
        if vault.db.one(f"SELECT 1 FROM {table} WHERE client_id = ?", (client_id,)):
            raise RuntimeError(f"rows of the destroyed client remain in {table}")
    return blobs


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
    date = today()
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
            vault.db.execute("INSERT INTO ledger (client_id, destroyed) VALUES (?, ?)", (cid, date))
            vault.log("destroy.run", cid, detail=f"basis {why}; rows: " + ", ".join(
                f"{t} {n}" for t, n in p["counts"].items() if n))
            done.append({**p, "destroyed": date, "basis": why})
    try:  # committed: from here on a failure must not say that nothing happened
        finish(vault, blobs)
        record_ledger_outside(vault, [(d["client_id"], date) for d in done])
    except Exception as e:
        why = getattr(e, "strerror", None) or str(e) or type(e).__name__
        raise DestroyUnfinished(
            f"{', '.join(d['client'] for d in done)}: destroyed (every row is gone and the log says so), but "
            f"the clean-up after it failed ({why})",
            "check the vault with: dossier verify; attachment files left behind cannot be read without their "
            "deleted keys, and the next destruction erases them", done=done) from None
    return done


def finish(vault, blobs: list[str]) -> None:
    """After the deleting transaction: compact under a new key, erase the attachment files."""
    vault.rekey()
    for blob_id in blobs:
        vault.db.blobs.erase(blob_id)
    vault.db.blobs.sweep(blob_ids(vault.db))


def ledger(db) -> list[dict]:
    return [{"client_id": c, "destroyed": d} for c, d in db.all("SELECT client_id, destroyed FROM ledger ORDER BY destroyed")]


def ledger_entries(value) -> list[dict]:
    """Well-formed ledger entries only (a file or manifest in plaintext that anyone could edit)."""
    if not isinstance(value, list):
        return []
    return [{"client_id": e["client_id"].strip().lower(), "destroyed": e["destroyed"]} for e in value
            if isinstance(e, dict) and isinstance(e.get("client_id"), str) and isinstance(e.get("destroyed"), str)]


def merge_ledgers(ledger: list[dict], more: list[dict]) -> list[dict]:
    """One ledger of both, each client once (with its first date), in the order of the dates."""
    known = {e["client_id"]: e["destroyed"] for e in ledger}
    for e in more:
        known.setdefault(e["client_id"], e["destroyed"])
    return [{"client_id": c, "destroyed": d} for c, d in sorted(known.items(), key=lambda kv: (kv[1], kv[0]))]


def ledger_file(vault_id: str) -> Path:
    """Destroyed ids and dates, kept outside the vault beside its mirror (no content): a
    restore of an old backup consults it, even when the vault itself is lost."""
    return paths.mirror_dir() / f"{vault_id}.ledger.json"


def record_ledger_outside(vault, entries: list[tuple[str, str]]) -> None:
    """Append to the ledger file of this vault and of every vault it was restored from, so
    that a restore of their old backups forgets these clients too."""
    if not entries or not vault.mirrored:
        return
    import os

    for vault_id in [vault.vault_id, *vault.lineage()]:
        path = ledger_file(vault_id)
        try:
            known = json.loads(path.read_text())
        except FileNotFoundError:
            known = []
        except (OSError, ValueError):
            known = None
        if not isinstance(known, list):  # damaged: set aside, never overwritten with less than it held
            os.replace(path, path.with_name(f"{path.name}.damaged-{today()}"))
            known = []
        known = merge_ledgers(ledger_entries(known), [{"client_id": c, "destroyed": d} for c, d in entries])
        paths.make_private_dir(path.parent)
        paths.replace_private_file(path, json.dumps(known, indent=2).encode())


def forget(vault, entries: list[dict]) -> list[str]:
    """Re-apply ledger entries to a vault (a restored backup): every listed client it still
    holds is destroyed again, and the ledger learns every entry. Returns the ids erased."""
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
            vault.db.execute("INSERT OR IGNORE INTO ledger (client_id, destroyed) VALUES (?, ?)", (cid, date))
    if erased:
        finish(vault, blobs)
    return erased


# -- the command: what is due, confirmation, letters -----------------------------------------------

_WHAT = {"nl": {"sessions": "gesprekken met aantekeningen en bevindingen", "questionnaires": "vragenlijsten",
                "measurements": "metingen", "attachments": "bijlagen", "persons": "genoemde personen",
                "requests": "verzoeken", "statements": "eigen toelichtingen", "consents": "toestemmingen",
                "disclosures": "verstrekkingen", "copies": "verstrekte afschriften", "holds": "blokkades",
                "provenance": "gegevens over de overdracht van uw dossier"},
         "en": {"sessions": "sessions with notes and findings", "questionnaires": "questionnaires",
                "measurements": "measurements", "attachments": "attachments", "persons": "persons named",
                "requests": "requests", "statements": "statements of your own", "consents": "consents",
                "disclosures": "disclosures", "copies": "copies given", "holds": "holds",
                "provenance": "records of how your file was handed over"}}


def due_clients(db) -> tuple[list[str], list[dict]]:
    """The clients due for destruction now (a pending request, or an expired retention), and
    the items that are due but on hold (left alone, listed)."""
    items = [i for i in due(db, within=0) if i["due"] and i["kind"] != "hold"]
    ready = list(dict.fromkeys(i["client_id"] for i in items if not i["hold"]))
    return ready, [i for i in items if i["hold"]]


def letter_for(db, p: dict, practice: dict, lang: str, date: str) -> dict:
    """A confirmation letter for the client: what was destroyed and when, no dossier content."""
    from dossier.render import long_date

    c = db.one("SELECT first_name, last_name, address, postcode, city FROM clients WHERE id = ?", (p["client_id"],))
    first, last, address, postcode, city = c
    kinds = [f"{_WHAT[lang][t]} ({n})" for t, n in p["counts"].items() if n and t in _WHAT[lang] and t != "holds"]
    nl = lang == "nl"
    req = p["request"] and {**p["request"], "received": long_date(p["request"]["received"], lang)}
    on = long_date(date, lang)
    if req:
        asked = (f"zoals u op {req['received']} schriftelijk hebt gevraagd" if nl
                 else f"as you asked in writing on {req['received']}")
    elif p["basis"] == "retention":
        asked = ("omdat de bewaartermijn na het afsluiten van uw traject is verstreken" if nl
                 else "because the retention period after the end of your coaching has passed")
    else:
        asked = ""
    paragraphs = [
        (f"Op {on} heb ik uw dossier vernietigd{', ' + asked if asked else ''} (beroepscode CSR 5.4)." if nl else
         f"On {on} I destroyed your file{', ' + asked if asked else ''} (code of conduct CSR 5.4)."),
        ("Vernietigd zijn uw persoonsgegevens, de opdracht en de afspraken" + (", en: " + ", ".join(kinds) if kinds
                                                                               else "") + "." if nl else
         "Destroyed are your personal data, the assignment and the agreement" + (", and: " + ", ".join(kinds) if kinds
                                                                                 else "") + "."),
        ("Ze zijn ook gewist uit de back-ups die ik beheer, en de sleutel waarmee de oude gegevens waren versleuteld "
         "bestaat niet meer." if nl else
         "They were also erased from the backups I keep, and the key the old data was encrypted with no longer exists."),
        (("Bewaard blijft alleen uw verzoek (uw naam en de data van verzoek en vernietiging), als bewijs dat het is "
          "uitgevoerd." if req else "Bewaard blijft alleen een kenmerk en de datum van vernietiging, zonder uw naam.")
         if nl else
         ("Only your request is kept (your name and the dates of request and destruction), as proof that it was "
          "carried out." if req else "Only a reference number and the date of destruction are kept, without your name.")),
    ]
    return {"lang": lang, "date": date, "practice": practice,
            "to": [f"{first} {last}", address, " ".join(x for x in (postcode, city) if x)],
            "subject": "Bevestiging: uw dossier is vernietigd" if nl else "Confirmation: your file has been destroyed",
            "paragraphs": paragraphs, "quotes": [], "signature": practice.get("coach", "")}



def run(vault, client_ids: list[str], out_dir: Path, lang: str = "nl", confirm=None, overwrite: bool = False) -> dict:
    """Destroy these clients after ``confirm(plans)`` agrees; write a confirmation letter per
    client into ``out_dir`` (0600) first, removed again if the destruction fails."""
    from dossier.practice import get_practice
    from dossier.render import render_letter
    from dossier.rights.copies import slug

    if lang not in ("nl", "en"):
        raise InvalidInput("--lang", lang, "must be one of: nl, en")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        from dossier.errors import FileProblem

        raise FileProblem(f"{out_dir}: is a file, not a folder")
    plans = [plan(vault.db, cid) for cid in dict.fromkeys(client_ids)]
    for p in plans:
        _refuse_if_held(p)
    if confirm is not None and not confirm(plans):
        raise Refused("not confirmed; nothing was destroyed")
    date, practice = today(), get_practice(vault.db)
    expired = {i["client_id"] for i in due(vault.db, within=0) if i["kind"] == "retention" and i["due"]}
    basis = {}
    for p in plans:
        p["basis"] = basis[p["client_id"]] = ("request" if p["request"] else
                                              "retention" if p["client_id"] in expired else "coach")
    letters = {p["client_id"]: (out_dir / f"{'vernietiging' if lang == 'nl' else 'destruction'}-"
                                          f"{slug(p['client'], '')}-{date}.pdf",
                                render_letter(letter_for(vault.db, p, practice, lang, date))) for p in plans}
    written = []
    try:
        if not out_dir.exists():
            paths.make_private_dir(out_dir)
        for path, pdf in letters.values():
            paths.write_private_file(path, pdf, overwrite=overwrite)
            written.append(path)
        done = destroy(vault, [p["client_id"] for p in plans], basis)
    except DestroyUnfinished as e:  # destroyed all the same: the letters stay, the backups follow
        _erase_from_backups(vault, e.done)
        raise
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    backups = _erase_from_backups(vault, done)
    return {"destroyed": done, "letters": [str(p) for p, _ in letters.values()], "backups": backups}


def _erase_from_backups(vault, done: list[dict]) -> dict:
    from dossier.backup import erase_from_backups

    return erase_from_backups(vault, [{"client_id": d["client_id"], "destroyed": d["destroyed"]} for d in done])
