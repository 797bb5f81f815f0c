"""Making a handover bundle for a colleague (TB 2.28; CSR 2.5, 9.4).

The archive is generated member by member and encrypted as it is generated, so memory stays
flat whatever the attachments weigh: an attachment goes from its blob file (decrypted in a
worker thread, dossier.handover.pipe) through the tar stream into age in pieces of at most
1 MiB. The manifest comes last, because it holds every member's hash; it is signed with the
coach's Ed25519 key.

The file appears under its name only when it is complete and synced, and in the same
transaction as the disclosure entries (one per client, kind ``handover``); if anything fails,
the partial file is removed and nothing is logged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from dossier import __version__, clock, crypto, paths
from dossier.errors import FileProblem, NotFound, Refused, UsageError, VaultDamaged
from dossier.format import fields as F
from dossier.handover import agefile, readme, tar
from dossier.handover import bundle as B
from dossier.handover.identity import list_contacts, private_keys, public
from dossier.handover.pipe import Consumer, keep_freed_memory, prefetched
from dossier.practice import get_practice
from dossier.records import consents as consent
from dossier.records.clients import get_summary, resolve
from dossier.records.disclosures import check_disclosure, insert
from dossier.records.document import load_client
from dossier.render import render_copy, render_letter
from dossier.retention.destructions import current_hold, pending_request

BUFFER = 1 << 20  # bytes gathered before each write to the bundle file
SYNC_EVERY = 64 << 20  # bytes written between two syncs in the background


def _contact(db, name: str) -> dict:
    for c in list_contacts(db):
        if c["name"].casefold() == (name or "").strip().casefold():
            return c
    raise NotFound(f"no contact named {name!r}", "add the colleague first: dossier contacts add NAME FILE "
                                                 "(or --age age1… for someone without dossier)")


def select(vault, to: str, clients: list[str] | None, all_clients: bool, reason: str,
           without_consent_reason: str = "", date: str | None = None) -> dict:
    """Who goes in the bundle. Clients without a substitute-coach consent in force are left
    out (CSR 2.5) unless ``without_consent_reason`` is given; then it is recorded for each."""
    reason = F.check_enum("--reason", reason, B.REASONS)
    without = F.check_text("--without-consent-reason", without_consent_reason).strip()
    if bool(clients) == bool(all_clients):
        raise UsageError("name the clients to hand over with --clients ID…, or give --all")
    db = vault.db
    contact = _contact(db, to)
    if all_clients:
        ids = [r[0] for r in db.all("SELECT id FROM clients ORDER BY last_name COLLATE NOCASE, first_name, id")]
        if not ids:
            raise NotFound("there are no clients in this vault to hand over")
    else:
        ids = list(dict.fromkeys(resolve(db, q) for q in clients))
    date = date or clock.today()
    included, left_out = [], []
    for cid in ids:
        summary = get_summary(db, cid)
        item = {"id": cid, "name": f"{summary['first_name']} {summary['last_name']}", "summary": summary,
                "consent": consent.current(db, cid, B.CONSENT, date), "without_consent_reason": None}
        if item["consent"] is None:
            if not without:
                left_out.append(item)
                continue
            item["without_consent_reason"] = without
        included.append(item)
    duties = _duties(db, included)
    if not included:
        more = f" and {len(left_out) - 5} more" if len(left_out) > 5 else ""
        names = ", ".join(c["name"] for c in left_out[:5]) + more
        raise Refused(f"no client can be handed over: no substitute-coach consent in force (CSR 2.5) for {names}",
                      "record the consent (dossier consent grant CLIENT --type substitute), or include them "
                      "with --without-consent-reason TEXT")
    return {"contact": contact, "reason": reason, "date": date, "clients": included, "left_out": left_out,
            "duties": duties}


def _duties(db, included: list[dict]) -> list[dict]:
    """What goes along with a dossier that the bundle cannot carry: a pending written request
    to destroy it (CSR 5.4, with its deadline) and a legal hold (since when). The coach is told,
    so that the colleague hears of it; the dossier/1 format has no place for either."""
    duties = []
    for item in included:
        who = {"id": item["id"], "name": item["name"]}
        asked = pending_request(db, item["id"])
        if asked:
            duties.append({**who, "kind": "destruction", "date": asked["deadline"]})
        held = current_hold(db, item["id"])
        if held:
            duties.append({**who, "kind": "hold", "date": held["placed"]})
    return duties


def _member(name: str, data: bytes):
    return name, len(data), [data]


def _members(vault, manifest: dict, lang: str, progress):
    """(name, size, chunks[, sha256 recorded]) of every member but the manifest and its signature,
    in order."""
    db = vault.db
    practice = get_practice(db)
    listed = {c["id"]: [{"id": a, "filename": f} for a, f in db.all(
        "SELECT id, filename FROM attachments WHERE client_id = ? ORDER BY added, n", (c["id"],))]
        for c in manifest["clients"]}
    handover = {"to": manifest["recipient"]["name"], "reason": readme.REASON_WORDS[lang][manifest["reason"]]}
    yield _member("FORMAT", B.format_line())
    yield _member("README.txt", readme.text(manifest, listed))
    yield _member("README.pdf", render_letter(readme.letter(manifest, practice, lang)))
    for c in manifest["clients"]:
        folder = B.client_folder(c["id"])
        client = load_client(db, c["id"], with_attachment_content=False)
        doc = {"format": "dossier/1", "clients": [client]}
        data = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        if len(data) > B.LIMITS["json"]:
            raise Refused(f"the dossier of {c['first_name']} {c['last_name']} is larger than a bundle takes "
                          f"({B.LIMITS['json'] // B.MiB} MiB of JSON)")
        yield _member(folder + "dossier.json", data)
        yield _member(folder + "dossier.pdf", render_copy(client, practice=practice, lang=lang,
                                                          generated=manifest["created"][:10], handover=handover))
        for a in client["attachments"]:
            content, key = db.one("SELECT content, blob_key FROM attachments WHERE id = ?", (a["id"],))
            chunks = prefetched(db.blobs.read_stream(a["id"], key) if key else [content])
            yield folder + "attachments/" + a["id"], a["size"], _counted(chunks, progress), a["sha256"]


def _counted(chunks, progress):
    for chunk in chunks:
        if progress:
            progress(len(chunk))
        yield chunk


def _archive(members, manifest: dict, seed: bytes, mtime: int, result: dict):
    """The tar stream: every member with its hash noted, then the signed manifest, then the end."""
    entries = []
    for name, size, chunks, *recorded in members:
        # An attachment is not hashed again: its file is sealed chunk by chunk under a key kept
        # only in its row, so what decrypts is what was stored, and the row's SHA-256 was taken
        # of it then. The recipient hashes every byte anyway.
        digest = None if recorded else hashlib.sha256()
        n = 0
        yield tar.header(name, size, mtime)
        for chunk in chunks:
            if digest:
                digest.update(chunk)
            n += len(chunk)
            if n > size:
                break
            yield chunk
        if n != size:
            raise VaultDamaged(f"{name.split('/')[-1]}: an attachment's content does not match what the vault "
                               "recorded; no bundle was made", "check the vault: dossier verify")
        yield tar.padding(size)
        entries.append({"path": name, "size": size, "sha256": recorded[0] if recorded else digest.hexdigest()})
    signed = json.dumps({**manifest, "members": entries}, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    signature = crypto.b64(crypto.sign(seed, B.SIGNATURE_CONTEXT + signed)).encode() + b"\n"
    result["bundle"] = hashlib.sha256(signed).hexdigest()
    for name, data in (("manifest.json", signed), ("manifest.sig", signature)):
        yield tar.header(name, len(data), mtime) + data + tar.padding(len(data))
    yield tar.END


class _Writer:
    """The bundle file, opened on ``fd``; its OSErrors become a FileProblem naming it. A worker
    thread writes while age encrypts the next piece; every ``SYNC_EVERY`` bytes another one
    syncs what was written so far, so the final fsync has little left to do."""

    def __init__(self, fd: int, name: Path):
        self.fh, self.name, self._unsynced = os.fdopen(fd, "wb", buffering=BUFFER), name, 0
        self._syncer = Consumer(getattr(os, "fdatasync", os.fsync))  # macOS and Windows have only fsync
        self._writer = Consumer(self._write)

    def _write(self, data) -> None:
        self.fh.write(data)
        self._unsynced += len(data)
        if self._unsynced >= SYNC_EVERY:
            self.fh.flush()
            self._syncer.put(self.fh.fileno())
            self._unsynced = 0

    def write(self, data) -> None:
        with self._named():
            self._writer.put(data)

    def __enter__(self):
        return self

    def __exit__(self, kind, *_) -> None:
        """Wait for the writes and syncs under way (a failed one raises here), sync the rest,
        and close. After an error the file is closed without raising again: the unwritten rest
        of its buffer would fail once more and hide the first error."""
        try:
            if kind is None:
                with self._named():
                    self._writer.finish()
                    self._syncer.finish()
                    self.fh.flush()
                    os.fsync(self.fh.fileno())
        finally:
            for worker in (self._writer, self._syncer):
                with contextlib.suppress(BaseException):
                    worker.finish()
            with contextlib.suppress(OSError):
                self.fh.close()

    @contextlib.contextmanager
    def _named(self):
        try:
            yield
        except OSError as e:
            raise FileProblem(f"{self.name}: could not be written ({e.strerror or 'error'})") from None


def _manifest(vault, chosen: dict) -> dict:
    me = public(vault)
    db = vault.db
    clients = []
    for item in chosen["clients"]:
        cid, summary = item["id"], item["summary"]
        counts = {t: db.one(f"SELECT count(*) FROM {t} WHERE client_id = ?", (cid,))[0]
                  for t in ("sessions", "questionnaires", "measurements", "attachments")}
        size = db.one("SELECT coalesce(sum(size), 0) FROM attachments WHERE client_id = ?", (cid,))[0]
        given = item["consent"]
        clients.append({"id": cid, "first_name": summary["first_name"], "last_name": summary["last_name"],
                        "status": summary["status"], **counts, "attachment_bytes": size,
                        "consent": {"type": B.CONSENT, "granted": given["granted"], "how": given["how"] or None}
                        if given else None,
                        "without_consent_reason": item["without_consent_reason"]})
    contact = chosen["contact"]
    return {"format": B.FORMAT, "created": clock.now(), "made_by": f"dossier {__version__}", "reason": chosen["reason"],
            "sender": {"name": me["name"], "practice": get_practice(db)["practice"], "age": me["age"],
                       "ed25519": me["ed25519"], "fingerprint": me["fingerprint"]},
            "recipient": {"name": contact["name"], "age": contact["age"], "fingerprint": contact["fingerprint"]},
            "clients": clients}


def _check_out(out: Path, overwrite: bool) -> Path:
    out = Path(out)
    if out.is_dir():
        raise FileProblem(f"{out}: is a folder; give the name of the bundle file to write")
    if not out.parent.is_dir():
        raise FileProblem(f"{out.parent}: no such folder")
    if out.exists() and not overwrite:
        raise FileProblem(f"{out}: exists already", "choose another name, or replace it with --force")
    return out


def create(vault, to: str, out: Path, *, clients: list[str] | None = None, all_clients: bool = False,
           reason: str = "closure", without_consent_reason: str = "", lang: str = "nl", overwrite: bool = False,
           progress=None) -> dict:
    """Write the bundle ``out`` for contact ``to``; returns what went in and what was left out.

    ``progress(n_bytes, total=None)`` is called with the attachment bytes to come, then as they stream.
    """
    F.check_lang(lang)
    out = _check_out(out, overwrite)
    chosen = select(vault, to, clients, all_clients, reason, without_consent_reason)
    manifest = _manifest(vault, chosen)
    if progress:
        progress(0, total=sum(c["attachment_bytes"] for c in manifest["clients"]))
    seed = crypto.unb64(private_keys(vault)["ed25519_seed"])
    keep_freed_memory()
    partial = out.with_name(f".{out.name}.{crypto.random_bytes(6).hex()}.partial")
    result: dict = {}
    placed = False
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | paths.NOFOLLOW | paths.BINARY, 0o600)
    except OSError as e:
        raise FileProblem(f"{out.parent}: cannot write a file there ({e.strerror or 'error'})") from None
    try:
        stream = _archive(_members(vault, manifest, lang, progress), manifest, seed, _epoch(manifest["created"]),
                          result)
        with _Writer(fd, out) as writer:
            for piece in agefile.encrypt(stream, chosen["contact"]["age"]):
                writer.write(piece)
        with vault.write():
            for c in manifest["clients"]:
                what = f"the whole dossier, handover bundle {result['bundle'][:16]} ({chosen['reason']})"
                if c["consent"]:
                    d = check_disclosure(chosen["contact"]["name"], what, "consent", B.CONSENT, kind="handover")
                else:
                    d = check_disclosure(chosen["contact"]["name"], what, "without-consent",
                                         justification=c["without_consent_reason"], kind="handover")
                insert(vault, c["id"], d, chosen["date"])
            vault.log("handover.create", detail=f"bundle {result['bundle'][:16]}, {len(manifest['clients'])} "
                                                f"clients, reason {chosen['reason']}")
            if overwrite:
                os.replace(partial, out)
            else:
                _place(partial, out)
            placed = True
            paths.fsync_dir(out.parent)
    except FileExistsError:
        raise FileProblem(f"{out}: exists already", "choose another name, or replace it with --force") from None
    except BaseException:
        if placed:  # the log was not committed: no bundle without its disclosures
            out.unlink(missing_ok=True)
        raise
    finally:
        partial.unlink(missing_ok=True)
    return {"file": str(out), "bundle": result["bundle"], "to": chosen["contact"]["name"],
            "fingerprint": chosen["contact"]["fingerprint"], "reason": chosen["reason"],
            "clients": [{"id": c["id"], "name": f"{c['first_name']} {c['last_name']}",
                         "without_consent_reason": c["without_consent_reason"]} for c in manifest["clients"]],
            "left_out": [{"id": c["id"], "name": c["name"]} for c in chosen["left_out"]],
            "duties": chosen["duties"],
            "size": out.stat().st_size}


def _epoch(stamp: str) -> int:
    import datetime as dt

    return int(dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp())


def _place(partial: Path, out: Path) -> None:
    """Give the finished bundle its name, never over a file that appeared meanwhile: a hard
    link fails if one did (POSIX, NTFS); where there are no hard links (FAT on a USB disk, some
    network folders) a check and a rename, which leaves a moment in between."""
    try:
        os.link(partial, out)
    except FileExistsError:
        raise
    except OSError:
        if out.exists():
            raise FileExistsError(out) from None
        os.replace(partial, out)
