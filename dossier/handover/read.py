"""Reading a handover bundle on the recipient's side: verify, and import all or nothing (TB 2.28).

One pass: age decrypts the file in pieces, the strict tar reader hands each member over, and
every member is hashed as it passes. On import, each client is inserted as its dossier.json
arrives and each attachment streams straight into a new encrypted blob file, all inside one
open transaction; only when the archive has ended, age has authenticated the whole file, the
manifest's signature checks out against a known contact's key, the bundle is addressed to
this vault, and every member matches its hash, is the transaction committed. Anything else
rolls it back and erases the blob files written so far: nothing is imported, and nothing is
written outside the vault.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
from pathlib import Path

from dossier import clock, crypto
from dossier.errors import BundleDamaged, BundleTooNew, BundleUntrusted, FileProblem, InvalidInput, Refused
from dossier.format import fields as F
from dossier.handover import agefile, tar
from dossier.handover import bundle as B
from dossier.handover.identity import list_contacts, private_keys, public
from dossier.handover.pipe import Consumer, keep_freed_memory, prefetched
from dossier.records.attachments import insert_attachment
from dossier.records.consents import HOW
from dossier.records.document import check_document, insert_client, refuse_known_ids

PIECE = 1 << 20  # file buffer


class _Receiver:
    """The tar reader's handler: checks members as they arrive; on import, stores them."""

    def __init__(self, vault, importing: bool):
        self.vault, self.db, self.importing = vault, vault.db, importing
        self.seen: dict[str, dict] = {}
        self.clients: dict[str, dict] = {}
        self.staged: list[str] = []
        self.manifest: bytes | None = None
        self.signature: bytes | None = None
        self.cur: dict | None = None
        # Attachments are hashed in one worker thread and stored in another (each blob file
        # then synced in a third), while age decrypts in a fourth; their hashes are checked,
        # and their rows inserted, in settle().
        self.hasher = Consumer(_call)
        self.storer, self.syncer = (Consumer(_call), Consumer(_call)) if importing else (None, None)
        self.attachments: list[dict] = []

    def start(self, name: str, size: int) -> None:
        kind, cid, aid = B.member_kind(name)
        if name in self.seen:
            raise tar.TarError(f"member {name!r} appears twice")
        if not self.seen and kind != "format":
            raise tar.TarError("this is not a dossier handover bundle (its first member is not FORMAT)")
        if self.signature is not None or (self.manifest is not None and kind != "signature"):
            raise tar.TarError(f"member {name!r} comes after the manifest; the manifest and its signature come last")
        if kind == "signature" and self.manifest is None:
            raise tar.TarError("manifest.sig comes before manifest.json")
        if size > B.LIMITS[kind]:
            raise tar.TarError(f"member {name!r} is larger than a bundle allows ({size} bytes)")
        writer = None
        if kind in ("pdf", "attachment") and cid not in self.clients:
            raise tar.TarError(f"member {name!r} comes before its client's dossier.json")
        if kind == "attachment":
            meta = self.clients[cid]["expected"].get(aid)
            if meta is None or aid in self.clients[cid]["received"]:
                raise tar.TarError(f"member {name!r} is not an attachment listed in its client's dossier.json")
            if meta["size"] != size:
                raise tar.TarError(f"member {name!r} does not have the size its dossier.json gives")
            if self.importing:
                if self.db.one("SELECT 1 FROM attachments WHERE id = ?", (aid,)) or aid in self.staged:
                    raise Refused(f"attachment {aid} is already in your vault; nothing was imported")
                self.staged.append(aid)
                writer = self.db.blobs.writer(aid)
        keep = kind in ("format", "json", "manifest", "signature")
        self.cur = {"name": name, "kind": kind, "cid": cid, "aid": aid, "size": size, "hash": hashlib.sha256(),
                    "buf": bytearray() if keep else None, "writer": writer}

    def data(self, chunk: bytes) -> None:
        cur = self.cur
        if cur["kind"] == "attachment":
            self.hasher.put((cur["hash"].update, chunk))
            if cur["writer"] is not None:
                self.storer.put((cur["writer"].write, chunk))
            return
        cur["hash"].update(chunk)
        if cur["buf"] is not None:
            cur["buf"] += chunk

    def end(self) -> None:
        cur, self.cur = self.cur, None
        if cur["kind"] == "attachment":
            if cur["writer"] is not None:
                self.storer.put((self._seal, cur))
            self.clients[cur["cid"]]["received"].add(cur["aid"])
            self.attachments.append(cur)
            self.seen[cur["name"]] = {"size": cur["size"], "sha256": None}  # known in settle()
            return
        self.seen[cur["name"]] = {"size": cur["size"], "sha256": cur["hash"].hexdigest()}
        kind, data = cur["kind"], bytes(cur["buf"] or b"")
        if kind == "format":
            _check_format(data.decode("utf-8", "replace").strip(), "FORMAT")
        elif kind == "json":
            self._client(cur["cid"], cur["name"], data)
        elif kind == "manifest":
            self.manifest = data
        elif kind == "signature":
            self.signature = data

    def _client(self, cid: str, name: str, data: bytes) -> None:
        try:
            clients = check_document(json.loads(data.decode("utf-8")), attachment_content=False)
        except (ValueError, RecursionError):
            raise tar.TarError(f"member {name!r} is not JSON") from None
        except InvalidInput as e:
            raise tar.TarError(f"member {name!r} is not a valid dossier: {e}") from None
        if len(clients) != 1 or clients[0]["id"] != cid:
            raise tar.TarError(f"member {name!r} does not hold exactly the client of its folder")
        c = clients[0]
        entry = {"first_name": c["first_name"], "last_name": c["last_name"], "in_vault": False,
                 "expected": {a["id"]: a for a in c["attachments"]}, "received": set(),
                 "hold": next(({"reason": h["reason"], "placed": h["placed"]} for h in c["holds"]
                               if not h["released"]), None),
                 "destruction": next(({"received": d["received"], "deadline": d["deadline"]}
                                      for d in c["destructions"]), None)}
        try:
            refuse_known_ids(self.db, c, "")
        except InvalidInput:
            entry["in_vault"] = True
            if self.importing:
                raise Refused(f"{c['first_name']} {c['last_name']} (id {cid[:8]}) is already in your vault; "
                              "nothing was imported",
                              "was this bundle imported before? see: dossier client list") from None
        if self.importing:
            insert_client(self.db, {**c, "attachments": []}, clock.now())
        self.clients[cid] = entry

    def _seal(self, cur: dict) -> None:
        """In the storer thread: the blob's last chunk; the syncer thread syncs and closes it."""
        cur["key"] = cur["writer"].seal()
        self.syncer.put((cur["writer"].close,))

    def settle(self) -> None:
        """After the last member: wait for the workers, then check each attachment's SHA-256
        against its dossier.json and (on import) insert its row."""
        for worker in (self.hasher, self.storer, self.syncer):
            if worker is not None:
                worker.finish()
        for cur in self.attachments:
            digest = cur["hash"].hexdigest()
            self.seen[cur["name"]]["sha256"] = digest
            meta = self.clients[cur["cid"]]["expected"][cur["aid"]]
            if meta["sha256"] != digest:
                raise tar.TarError(f"member {cur['name']!r} does not match the SHA-256 its dossier.json gives")
            if cur["writer"] is not None:
                insert_attachment(self.db, cur["cid"], {**meta, "blob_key": cur["key"]})

    def abort(self) -> None:
        """Stop the workers and erase the blob files written so far (their rows are rolled back)."""
        for worker in (self.hasher, self.storer, self.syncer):
            with contextlib.suppress(BaseException):
                if worker is not None:
                    worker.finish()
        writers = [c["writer"] for c in self.attachments + [self.cur or {}] if c.get("writer") is not None]
        for writer in writers:
            writer.abort()
        for aid in self.staged:
            self.db.blobs.erase(aid)


def _check_format(value, where: str) -> None:
    if value == B.FORMAT:
        return
    if isinstance(value, str) and value.startswith(B.FORMAT_PREFIX):
        raise BundleTooNew(f"this bundle has format {value[:40]!r}, newer than this dossier reads ({B.FORMAT})",
                           "update dossier to open it")
    raise BundleDamaged(f"this is not a dossier handover bundle ({where} is not {B.FORMAT!r})")


def _bad_manifest(why: str) -> BundleDamaged:
    return BundleDamaged(f"the bundle's manifest.json {why}")


def _checked(r: _Receiver, my_age: str) -> dict:
    """Everything after the last byte: the signature, the recipient, and every member's hash."""
    if r.manifest is None or r.signature is None:
        raise BundleDamaged("the bundle has no signed manifest: it is cut off or incomplete")
    try:
        m = json.loads(r.manifest.decode("utf-8"))
    except (ValueError, RecursionError):
        raise _bad_manifest("is not JSON") from None
    if not isinstance(m, dict):
        raise _bad_manifest("is not an object")
    _check_format(m.get("format"), "manifest.json's format")
    try:
        sender, recipient, members, clients = m["sender"], m["recipient"], m["members"], m["clients"]
        ed, fp = sender["ed25519"], sender.get("fingerprint")
        key = crypto.unb64(ed) if isinstance(ed, str) else b""
    except (KeyError, TypeError, ValueError, InvalidInput):
        raise _bad_manifest("lacks the sender, recipient, clients or members") from None
    contact = next((c for c in list_contacts(r.db) if c["ed25519"] and c["ed25519"] == ed), None)
    if contact is None:
        raise BundleUntrusted(f"the bundle is signed by a key you do not know (the manifest gives fingerprint "
                              f"{str(fp)[:24]!r}); nothing was imported",
                              "check the sender's fingerprint by phone, then: dossier contacts add NAME IDENTITY-FILE")
    try:
        signature = crypto.unb64(r.signature.decode("ascii").strip())
    except ValueError:  # binascii.Error and UnicodeError are ValueErrors
        signature = b""
    if not crypto.signature_valid(key, B.SIGNATURE_CONTEXT + r.manifest, signature):
        raise BundleUntrusted(f"the manifest's signature is not valid for the key of your contact "
                              f"{contact['name']!r}: the bundle was changed or forged; nothing was imported")
    try:
        if recipient["age"] != my_age:
            raise BundleUntrusted(f"this bundle was made for {str(recipient.get('name'))[:60]!r}, not for you: it "
                                  "was passed on; nothing was imported", "ask the sender for a bundle made for you")
        listed = {e["path"]: e for e in members}
        if len(listed) != len(members):
            raise _bad_manifest("lists a member twice")
        expected = set(r.seen) - {"manifest.json", "manifest.sig"}
        odd = sorted(expected ^ set(listed))
        if odd:
            raise BundleDamaged(f"member {odd[0]!r} is " + ("listed in the manifest but missing from the bundle"
                                                            if odd[0] in listed else "not listed in the manifest"))
        for name in sorted(expected):
            if (listed[name]["size"], listed[name]["sha256"]) != (r.seen[name]["size"], r.seen[name]["sha256"]):
                raise BundleDamaged(f"member {name!r} does not match its SHA-256 in the manifest; nothing was imported")
        if [c["id"] for c in clients] != list(r.clients):
            raise _bad_manifest("lists other clients than the bundle holds")
        for name in ("README.txt", "README.pdf", *(B.client_folder(cid) + "dossier.pdf" for cid in r.clients)):
            if name not in r.seen:
                raise BundleDamaged(f"member {name!r} is missing from the bundle")
        for c in clients:
            entry = r.clients[c["id"]]
            if set(entry["expected"]) != entry["received"]:
                raise BundleDamaged(f"an attachment of {entry['first_name']} {entry['last_name']} is missing")
            entry.update(consent=c.get("consent"), without_consent_reason=c.get("without_consent_reason"))
        summary = {"bundle": hashlib.sha256(r.manifest).hexdigest(), "from": contact["name"],
                   "fingerprint": contact["fingerprint"], "sender": sender.get("name"),
                   "practice": sender.get("practice"), "created": m["created"], "reason": m["reason"],
                   "members": len(r.seen), "bytes": sum(e["size"] for e in r.seen.values())}
        _check_values(m, clients)
    except (KeyError, TypeError, AttributeError):
        raise _bad_manifest("is not a valid manifest") from None
    summary["clients"] = [{"id": cid, "name": f"{e['first_name']} {e['last_name']}", "in_vault": e["in_vault"],
                           "attachments": len(e["expected"]), "consent": e["consent"],
                           "without_consent_reason": e["without_consent_reason"], "hold": e["hold"],
                           "destruction": e["destruction"]} for cid, e in r.clients.items()]
    return summary


def _check_values(m: dict, clients: list) -> None:
    """The signed values that dossier stores or shows must be what the format says they are."""
    try:
        F.check_line("sender.name", m["sender"].get("name"))
        F.check_line("sender.practice", m["sender"].get("practice"))
        created = m.get("created")
        if not isinstance(created, str) or not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created):
            raise InvalidInput("created", created, "is not a UTC time such as 2026-11-23T15:34:37Z")
        F.check_date("created", created[:10], required=True)
        F.check_enum("reason", m.get("reason"), B.REASONS)
        for i, c in enumerate(clients):
            given, why = c.get("consent"), c.get("without_consent_reason")
            if given is not None:
                if not isinstance(given, dict) or given.get("type") != B.CONSENT:
                    raise InvalidInput(f"clients[{i}].consent", given, f"is not a {B.CONSENT} consent")
                F.check_date(f"clients[{i}].consent.granted", given.get("granted"), required=True)
                F.check_enum(f"clients[{i}].consent.how", given.get("how") or "", ("", *HOW))
            if why is not None and not F.check_text(f"clients[{i}].without_consent_reason", why).strip():
                why = None
            if given is None and why is None:
                raise InvalidInput(f"clients[{i}]", c.get("id"), "has neither a consent nor a reason to go without")
    except InvalidInput as e:
        raise _bad_manifest(f"has a bad value: {e}") from None


def _call(job: tuple) -> None:
    job[0](*job[1:])


class _Bundle(io.BufferedReader):
    """The bundle file: a read error names it, so it is not taken for an error of the vault;
    ``done`` counts the bytes read (by age's thread, for the progress bar in the main one)."""

    done = 0

    def read(self, n: int | None = -1) -> bytes:
        return self._counted(super().read, n)

    def readline(self, limit: int | None = -1) -> bytes:
        return self._counted(super().readline, limit)

    def _counted(self, call, n) -> bytes:
        try:
            data = call(n)
        except OSError as e:
            raise FileProblem(f"{self.name}: cannot be read ({e.strerror or 'error'})") from None
        self.done += len(data)
        return data


def _read(vault, r: _Receiver, file: Path, progress) -> dict:
    file = Path(file)
    if not file.is_file():
        raise FileProblem(f"{file}: {'is a folder' if file.is_dir() else 'no such file'}")
    identity = private_keys(vault)["age_secret"]
    keep_freed_memory()
    reader = tar.Reader(r)
    try:
        fh = _Bundle(io.FileIO(file, "rb"), PIECE)
    except OSError as e:
        raise FileProblem(f"{file}: cannot be read ({e.strerror or 'error'})") from None
    try:
        # age decrypts in a worker thread (libsodium lets go of the GIL) while this one hands
        # the plaintext, 1 MiB at a time, to the tar reader and its own workers.
        with fh, contextlib.closing(prefetched(agefile.decrypt(fh, identity))) as pieces:
            shown = 0
            for piece in pieces:
                reader.feed(piece)
                if progress:
                    done = fh.done
                    progress(done - shown)
                    shown = done
        reader.close()
        r.settle()
    except agefile.NotForMe:
        raise BundleUntrusted("this bundle is not addressed to you: none of its recipients is your identity",
                              "ask the sender to make it for the key in: dossier identity show") from None
    except agefile.AgeError as e:
        raise BundleDamaged(f"the bundle is damaged, cut off or was changed ({e}); nothing was imported") from None
    except tar.TarError as e:
        raise BundleDamaged(f"{e}; nothing was imported") from None
    except OSError as e:  # the bundle's read errors are FileProblems already: this is the vault's side
        raise FileProblem(f"the attachments could not be stored in your vault ({e.strerror or 'error'}); "
                          "nothing was imported") from None
    return _checked(r, public(vault)["age"])


def verify(vault, file: Path, progress=None) -> dict:
    """Decrypt, check every member and the signature, and describe the bundle; nothing is imported."""
    r = _Receiver(vault, importing=False)
    try:
        return _read(vault, r, file, progress)
    except BaseException:
        r.abort()  # stops a worker thread that was hashing an attachment
        raise


def import_bundle(vault, file: Path, progress=None) -> dict:
    """Import every client of the bundle or none, keeping where each came from."""
    r = _Receiver(vault, importing=True)
    try:
        with vault.write():
            summary = _read(vault, r, file, progress)
            stamp = clock.now()
            for c in summary["clients"]:
                vault.db.execute(
                    "INSERT INTO provenance (client_id, kind, sender, contact, fingerprint, sent, received, reason, "
                    "consent, without_consent_reason, bundle, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    (c["id"], "handover", summary["sender"] or summary["from"], summary["from"],
                     summary["fingerprint"], summary["created"], stamp[:10], summary["reason"],
                     json.dumps(c["consent"]) if c["consent"] else None, c["without_consent_reason"],
                     summary["bundle"], stamp))
                vault.log("handover.import", c["id"], detail=f"bundle {summary['bundle'][:16]}")
    except BaseException:
        r.abort()
        raise
    return summary


def provenance(db, client_id: str) -> list[dict]:
    cols = ("kind", "sender", "contact", "fingerprint", "sent", "received", "reason", "consent",
            "without_consent_reason", "bundle")
    rows = [dict(zip(cols, r)) for r in db.all(f"SELECT {', '.join(cols)} FROM provenance WHERE client_id = ? "
                                                "ORDER BY n", (client_id,))]
    for r in rows:
        r["consent"] = json.loads(r["consent"]) if r["consent"] else None
    return rows

