"""Backups that cannot resurrect a destroyed dossier (CSR 5.4; TB 2.13-2.15).

A backup is a folder ``dossier-backup-<UTC stamp>-<6 hex>/`` (0700) beside the others in the
coach's backup folder, holding:

* ``vault.db``: a compacted copy of the database under a key of its own (``Vault.export_db``);
* ``keyslots.json``: the vault's passphrase and recovery slots, with that key wrapped under the
  master key, so the backup opens with the passphrase of the day it was made (or last
  rewritten by a destruction, which gives it the vault's slots and master key of that day);
* ``blobs/``: the attachment files, byte for byte (each is encrypted under a key in its row);
* ``manifest.json`` (plaintext only what is needed before the vault is unlocked: the format,
  when, the vault id, the schema version, the number of clients and a SHA-256 per file; the
  client ids it holds and the destruction ledger are in ``sealed``, under a key derived from
  the vault's auth key: :func:`seal_contents`).

A destruction reaches the backups twice. :func:`erase_from_backups` rewrites every backup in
the backup folder that still holds the client (the live vault's master key opens them) and
adds the ledger to every manifest. A backup that was out of reach (a disk in a drawer) is
caught at :func:`restore`, which re-applies every ledger it can find: the backup's own, those
in the manifests of the backups beside it, and the ledger file kept beside the rollback mirror.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path

from dossier import __version__, clock, crypto, paths
from dossier.errors import (BackupDamaged, BackupTooNew, DossierError, FileProblem, InvalidInput, NoBackupFolder,
                            RollbackDetected, UsageError, VaultDamaged)
from dossier.format.ids import UUID_PATTERN
from dossier.retention.erase import forget
from dossier.store import SCHEMA_VERSION, DatabaseError, connect
from dossier.store.blobs import BlobStore, blob_ids
from dossier.vault import LOCK_NAME, Vault, ledger

FORMAT = "dossier-backup/1"
MANIFEST = "manifest.json"
PREFIX = "dossier-backup-"
BACKUP_DIR_KEY = "backup_dir"
_NAME = re.compile(r"dossier-backup-(\d{8}T\d{6}Z)-[0-9a-f]{6}")
_FORMAT_VERSION = re.compile(r"dossier-backup/(\d+)")
_BLOB = re.compile(f"blobs/{UUID_PATTERN}")
_CHUNK = 1 << 20
STALE_PARTIAL_S = 3600  # an unfinished backup folder this old is left from a crash


# -- making -----------------------------------------------------------------------------------------

def backup_folder(vault) -> Path | None:
    """The remembered backup folder (``dossier backup --to DIR`` sets it), or None."""
    row = vault.db.one("SELECT value FROM meta WHERE key = ?", (BACKUP_DIR_KEY,))
    return Path(row[0]) if row else None


def make_backup(vault, to_dir: Path | None = None) -> Path:
    """Write a backup of the vault into ``to_dir`` (remembered for next time) or into the
    remembered backup folder; returns the new backup's folder. All or nothing: the backup is
    written under a hidden name and renamed when complete."""
    if vault.rollback:
        raise RollbackDetected(vault.rollback, "check the vault first: dossier verify")
    remembered = backup_folder(vault)
    folder = _check_folder(vault, Path(to_dir).expanduser() if to_dir else remembered)
    if to_dir is None and not folder.is_dir():
        # Not created: the disk that holds it is probably not plugged in.
        raise FileProblem(f"{folder}: the backup folder cannot be reached",
                          "plug in the disk that holds it, or give another folder with --to DIR")
    now = clock.utc_now()
    name = f"{PREFIX}{now.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
    final, partial = folder / name, folder / f".{name}.partial"
    try:
        paths.make_private_dir(folder)
        partial.mkdir(mode=0o700)  # a new folder of its own, never one that was there
        db_key = vault.export_db(partial / "vault.db")
        # What the copy holds is read from the copy itself, not from the live vault, which
        # another process may change in between.
        copy = connect(partial / "vault.db", db_key if vault.encrypted else None, test_unencrypted=not vault.encrypted)
        try:
            clients = [r[0] for r in copy.all("SELECT id FROM clients ORDER BY id")]
            held = ledger.ledger(copy)
            blobs = sorted(blob_ids(copy))
        finally:
            copy.close()
        slots = vault.slots_for(partial / "vault.db", db_key)
        paths.write_private_file(partial / "keyslots.json", json.dumps(slots, indent=2).encode())
        files = {"vault.db": _sha256(partial / "vault.db"), "keyslots.json": _sha256(partial / "keyslots.json")}
        if blobs:
            paths.make_private_dir(partial / "blobs")
        for blob_id in blobs:
            source = vault.path / "blobs" / blob_id
            if not source.is_file():
                raise VaultDamaged(f"the file of attachment {blob_id} is missing from the vault; no backup was made",
                                   "run 'dossier verify'")
            files[f"blobs/{blob_id}"] = _copy_private(source, partial / "blobs" / blob_id)
        manifest = {"format": FORMAT, "created": now.isoformat().replace("+00:00", "Z"), "vault_id": vault.vault_id,
                    "schema_version": vault.schema_version(), "dossier_version": __version__,
                    **seal_contents(vault.auth_key, clients, held),
                    "files": dict(sorted(files.items()))}
        paths.write_private_file(partial / MANIFEST, _dump(manifest))
        for f in ("vault.db", "keyslots.json", MANIFEST):  # the blobs were synced as they were copied
            paths.fsync(partial / f)
        for d in (partial / "blobs", partial):
            if d.is_dir():
                paths.fsync_dir(d)
        # The audit entry and the rename stand or fall together.
        with vault.write():
            if folder != remembered:
                vault.db.set_meta(BACKUP_DIR_KEY, str(folder))
                vault.log("backup.config", detail=f"backup folder {folder}")
            vault.log("backup.make", detail=name)
            os.replace(partial, final)
            paths.fsync_dir(folder)
    except BaseException as e:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(e, OSError):  # disk full, disk gone, no permission
            raise FileProblem(f"{folder}: cannot write the backup ({e.strerror or type(e).__name__}); "
                              "nothing was written") from None
        raise
    return final


def require_folder(folder: Path | None) -> Path:
    """``folder``, or NoBackupFolder when neither --to nor a remembered folder gives one."""
    if folder is None:
        raise NoBackupFolder("no backup folder: give --to DIR",
                             "for example on an external disk: dossier backup --to /media/usb/dossier-backups")
    return folder


def _check_folder(vault, folder: Path | None) -> Path:
    folder = require_folder(folder).resolve()
    if folder.exists() and not folder.is_dir():
        raise FileProblem(f"{folder}: is a file, not a folder")
    inside = vault.path.resolve()
    if folder == inside or inside in folder.parents:
        raise UsageError(f"{folder}: is inside the vault folder; a backup belongs elsewhere",
                         "choose a folder on another disk: dossier backup --to DIR")
    return folder


# -- reading and checking -------------------------------------------------------------------------

def read_manifest(path: Path) -> dict:
    """The manifest of the backup at ``path``; a missing or unreadable one is BackupDamaged."""
    path = Path(path)
    if not path.is_dir():
        raise FileProblem(f"{path}: no backup here (not a folder)")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupDamaged(f"corrupted backup {path.name}: {MANIFEST} is missing",
                            "is this a dossier backup folder (dossier-backup-…)?") from None
    except (OSError, ValueError):
        raise BackupDamaged(f"corrupted backup {path.name}: {MANIFEST} is unreadable") from None
    if not isinstance(manifest, dict):
        raise BackupDamaged(f"corrupted backup {path.name}: {MANIFEST} is not a manifest")
    return manifest


def verify_backup(path: Path) -> dict:
    """Check a backup against its manifest; returns the manifest. A format or schema from a
    newer dossier is BackupTooNew; a missing, extra or changed file is BackupDamaged naming
    the first problem."""
    path = Path(path)
    manifest = read_manifest(path)
    fmt = manifest.get("format")
    if fmt != FORMAT:
        m = _FORMAT_VERSION.fullmatch(str(fmt))
        if m and int(m.group(1)) > 1:
            raise BackupTooNew(f"backup {path.name} was made by a newer dossier (format {fmt})",
                               "restore it with that version of dossier, or a newer one")
        raise BackupDamaged(f"corrupted backup {path.name}: the manifest's format {fmt!r} is not {FORMAT!r}")
    schema = manifest.get("schema_version")
    if not isinstance(schema, int) or isinstance(schema, bool):
        raise BackupDamaged(f"corrupted backup {path.name}: the manifest has no schema version")
    if schema > SCHEMA_VERSION:
        raise BackupTooNew(f"backup {path.name} was made by a newer dossier (schema version {schema}; "
                           f"this dossier knows up to {SCHEMA_VERSION})",
                           "restore it with that version of dossier, or a newer one")
    files = manifest.get("files")
    if not isinstance(files, dict) or not {"vault.db", "keyslots.json"} <= set(files):
        raise BackupDamaged(f"corrupted backup {path.name}: the manifest does not list the vault's files")
    for rel in files:
        if rel not in ("vault.db", "keyslots.json") and not _BLOB.fullmatch(rel):
            raise BackupDamaged(f"corrupted backup {path.name}: the manifest lists {rel!r}, which is no backup file")
    if "sealed" in manifest:
        if not isinstance(manifest["sealed"], str) or type(manifest.get("client_count")) is not int:
            raise BackupDamaged(f"corrupted backup {path.name}: the manifest's sealed part or client count is damaged")
    else:
        for key in ("clients", "ledger"):
            if not isinstance(manifest.get(key), list):
                raise BackupDamaged(f"corrupted backup {path.name}: the manifest's {key} is not a list")
    present = _files_of(path)
    for rel in sorted(files):
        if rel not in present:
            raise BackupDamaged(f"corrupted backup {path.name}: {rel} is missing")
    for rel in sorted(present):
        if rel not in files:
            raise BackupDamaged(f"corrupted backup {path.name}: {rel} is not in the manifest")
    for rel in sorted(files):
        try:
            digest = _sha256(path / rel)
        except OSError as e:
            raise BackupDamaged(f"corrupted backup {path.name}: {rel} cannot be read ({e.strerror or 'error'})") \
                from None
        if digest != files[rel]:
            raise BackupDamaged(f"corrupted backup {path.name}: {rel} does not match its checksum")
    return manifest


def _files_of(path: Path) -> set[str]:
    """Every entry in a backup folder except the manifest, as relative paths; a link or an
    unexpected folder counts as a file, so that it is reported."""
    out = set()
    for p in path.rglob("*"):
        rel = p.relative_to(path).as_posix()
        if rel in (MANIFEST, LOCK_NAME) or (rel == "blobs" and p.is_dir() and not p.is_symlink()):
            continue  # (the lock file is empty: an open of the backup as a vault makes it)
        out.add(rel)
    return out


def list_backups(folder: Path, verify: bool = True) -> list[dict]:
    """The backups in ``folder``, oldest first: name, path, created, clients (a count), ok and
    problem (every file checked against the manifest unless ``verify`` is False)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileProblem(f"{folder}: no such backup folder",
                          "plug in the disk that holds it, or give another with --to DIR")
    out = []
    for p in folder.iterdir():
        m = _NAME.fullmatch(p.name)
        if not m or not p.is_dir():
            continue
        item = {"name": p.name, "path": str(p), "created": _stamp(m.group(1)), "clients": None,
                "vault_id": None, "ok": True, "problem": None}
        try:
            manifest = verify_backup(p) if verify else read_manifest(p)
            item.update(created=str(manifest.get("created") or item["created"]),
                        clients=_count(manifest), vault_id=manifest.get("vault_id"))
        except DossierError as e:
            item.update(ok=False, problem=str(e))
        out.append(item)
    return sorted(out, key=lambda i: (i["created"], i["name"]))


def prune(folder: Path, keep: int) -> dict:
    """Remove all but the newest ``keep`` sound backups. Damaged ones are neither counted nor
    removed, only reported: the coach decides (one may be all that is left of a dossier)."""
    if keep < 1:
        raise InvalidInput("--keep", keep, "must be 1 or more: prune never removes every backup")
    backups = list_backups(folder, verify=True)
    sound = [b for b in backups if b["ok"]]
    removed = sound[:-keep] if len(sound) > keep else []
    for b in removed:
        try:
            shutil.rmtree(b["path"])
        except OSError as e:
            raise FileProblem(f"{b['path']}: could not be removed ({e.strerror or 'error'})",
                              "the newer backups are kept; remove it by hand") from None
    # Left by a backup that crashed half-way (a running one is younger than this).
    for p in Path(folder).glob(f".{PREFIX}*.partial"):
        with contextlib.suppress(OSError):
            if time.time() - p.stat().st_mtime > STALE_PARTIAL_S:
                shutil.rmtree(p)
    return {"kept": [b["name"] for b in sound if b not in removed], "removed": [b["name"] for b in removed],
            "damaged": [{"name": b["name"], "problem": b["problem"]} for b in backups if not b["ok"]]}


# -- restoring ------------------------------------------------------------------------------------

def restore(backup: Path, to: Path, passphrase: str) -> dict:
    """Restore a backup into the new folder ``to`` as a vault of its own (a new vault id),
    after re-applying every destruction recorded since (CSR 5.4): nothing destroyed comes
    back. ``passphrase`` is the vault's passphrase on the day of the backup (or of its last
    rewrite by a destruction). All or nothing:
    on any failure ``to`` is left as it was found (absent, or an empty folder)."""
    backup, to = Path(backup).expanduser(), Path(to).expanduser()
    recover(backup.parent)  # a rewrite that a crash interrupted: finished or undone first
    manifest = verify_backup(backup)
    paths.check_out_folder(to)
    if backup.resolve() in [to.resolve(), *to.resolve().parents]:
        raise UsageError(f"{to}: is inside the backup; restore into a folder elsewhere")
    paths.check_new_folder(to, "a restored vault needs a folder of its own", "give a new or empty folder with --to")
    created = not to.exists()
    paths.make_private_dir(to)
    vault = None
    try:
        for rel, digest in manifest["files"].items():
            dest = to / rel
            if dest.parent != to:
                paths.make_private_dir(dest.parent)
            if _copy_private(backup / rel, dest) != digest:  # changed since it was verified
                raise BackupDamaged(f"corrupted backup {backup.name}: {rel} does not match its checksum")
        vault = Vault.open(to, passphrase, mirrored=False)
        vault.check()  # every page's MAC, SQLite's integrity, the audit chain
        entries, refused = _known_ledger(vault, backup, str(manifest.get("vault_id") or vault.vault_id))
        reapplied = forget(vault, entries)
        previous = vault.vault_id
        lineage = vault.lineage() + [previous]
        vault_id = vault.renew_identity()
        with vault.write():
            vault.db.set_meta("restored_from", json.dumps(lineage))
            vault.log("vault.restore", detail=f"from backup {backup.name} of vault {previous}; "
                                              f"{len(reapplied)} destruction(s) re-applied")
        clients = vault.db.one("SELECT count(*) FROM clients")[0]
        vault.close()
        vault = None
        # Opened once as itself: its own mirror is made, so a later rollback is caught.
        Vault.open(to, passphrase).close()
    except BaseException as e:
        if vault is not None:
            vault.close()
        _empty_out(to, remove=created)
        if isinstance(e, VaultDamaged) and not isinstance(e, BackupDamaged):
            raise BackupDamaged(f"corrupted backup {backup.name}: {e}", e.hint and "use another backup") from None
        if isinstance(e, DatabaseError):  # a page that fails its MAC, found before the copy is used
            raise BackupDamaged(f"corrupted backup {backup.name}: the database is damaged "
                                f"({str(e).splitlines()[0][:120] if str(e) else type(e).__name__})") from None
        if isinstance(e, OSError):
            raise FileProblem(f"{to}: cannot restore ({e.strerror or type(e).__name__}); nothing was left there") \
                from None
        raise
    return {"path": str(to), "clients": clients, "reapplied": reapplied, "vault_id": vault_id,
            "backup": backup.name, "refused_ledgers": refused}


def _known_ledger(vault, backup: Path, original_id: str) -> tuple[list[dict], list[str]]:
    """Every destruction this restore must honour, oldest date per client: the restored
    database's ledger, the manifests of the backups beside it (made later, or rewritten), and
    the ledger files kept beside the mirrors of the vault and the vaults it came from; only
    those this vault signed. Also what was not authentic (named, and acted on never)."""
    beside, refused = [], []
    for p in backup.parent.iterdir():
        if _NAME.fullmatch(p.name) and p.is_dir() and p != backup:
            try:
                manifest = read_manifest(p)
            except DossierError:
                continue
            if "sealed" not in manifest and not manifest.get("ledger"):
                continue
            contents = open_contents(manifest, vault.auth_keys)
            if contents is not None:
                beside += contents["ledger"]
            else:
                refused.append(p.name)
    outside, refused_files = ledger.read_outside([original_id, *vault.lineage()], vault.auth_keys)
    return ledger.merge_ledgers(ledger.ledger(vault.db), beside, outside), refused + refused_files


def _empty_out(to: Path, remove: bool) -> None:
    if remove:
        shutil.rmtree(to, ignore_errors=True)
        return
    for p in list(to.iterdir()) if to.is_dir() else []:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()


# -- destroying in backups ------------------------------------------------------------------------

def erase_from_backups(vault, entries: list[dict], keys: list[bytes] = (), new_master: bytes | None = None) -> dict:
    """After a destruction: rewrite every backup in the backup folder that holds one of
    these clients so that it holds them no more (deleted, compacted under a new key, their
    attachment files erased), and add the entries to every backup's manifest, so that each
    backup carries the ledger to a later restore (CSR 5.4). Problems are collected per backup
    in ``failed`` (name, reason), never raised: the destruction in the vault stands. See
    :class:`Erasure` for ``keys`` and ``new_master``."""
    job = Erasure(vault, entries, keys, new_master)
    job.run()
    job.log(vault)
    return job.result


class Erasure:
    """Erasing destroyed clients from the backups, prepared from the live vault in its own
    thread; :meth:`run` then touches no connection of the vault, so that it can run in another
    thread while the vault is re-encrypted (destroy.complete), and :meth:`log` records it.

    A backup opens with the vault's master key or one of ``keys`` (master keys the vault had
    or is about to have); a rewritten one gets the vault's key slots with ``new_master`` (the
    master key the vault is about to get), else with the vault's own."""

    def __init__(self, vault, entries: list[dict], keys: list[bytes] = (), new_master: bytes | None = None):
        self.folder = backup_folder(vault)
        self.entries = ledger.ledger_entries(entries)
        self.vault_ids = (vault.vault_id, *vault.lineage())
        self.auth_key, self.auth_keys = vault.auth_key, vault.auth_keys
        self.slots, self.encrypted = vault.slots, vault.encrypted
        self.new_master = new_master or vault.master_key
        self.keys = list(dict.fromkeys([vault.master_key, self.new_master, *keys]))
        self.result: dict = {"rewritten": [], "updated": [], "failed": []}

    @property
    def needed(self) -> bool:
        return self.folder is not None and bool(self.entries)

    def run(self) -> dict:
        result = self.result
        if not self.needed:
            return result
        if not self.folder.is_dir():
            result["failed"].append((str(self.folder), "the backup folder cannot be reached"))
            return result
        wanted = {e["client_id"] for e in self.entries}
        recover(self.folder)
        for item in list_backups(self.folder, verify=False):  # oldest first
            p = Path(item["path"])
            try:
                manifest = read_manifest(p)
                if manifest.get("vault_id") not in self.vault_ids:
                    continue  # another vault's backup: its ledger is not ours to sign or to drop
                files = manifest.get("files")
                contents = open_contents(manifest, self.auth_keys)
                if not isinstance(files, dict) or contents is None and "sealed" in manifest:
                    raise BackupDamaged("the manifest does not list the backup's files, or its sealed part does not "
                                        "open with this vault's key")
                if contents is None:  # (an old manifest whose ledger this vault did not sign: its clients count)
                    contents = {"clients": manifest.get("clients"), "ledger": []}
                if not isinstance(contents["clients"], list):
                    raise BackupDamaged("the manifest does not list the backup's clients")
                own = contents["ledger"]
                merged = ledger.merge_ledgers(own, self.entries)
                if wanted & set(contents["clients"]):
                    for rel in ("vault.db", "keyslots.json"):
                        if not (p / rel).is_file() or _sha256(p / rel) != files.get(rel):
                            raise BackupDamaged(f"{rel} is missing or does not match its checksum")
                    manifest = self._rewrite(p, manifest, merged)
                    result["rewritten"].append(p.name)
                elif merged != own or "sealed" not in manifest:
                    manifest = _without_contents(manifest) | seal_contents(self.auth_key, contents["clients"], merged)
                    paths.replace_private_file(p / MANIFEST, _dump(manifest))
                    result["updated"].append(p.name)
            except (DossierError, OSError, DatabaseError) as e:
                result["failed"].append((p.name, _reason(e)))
        return result

    def log(self, vault) -> None:
        if self.result["rewritten"]:
            with vault.write():
                for name in self.result["rewritten"]:
                    vault.log("backup.erase", detail=f"{name}: {len(self.entries)} destroyed client(s) erased")

    def _rewrite(self, p: Path, manifest: dict, merged: list[dict]) -> dict:
        """Rewrite the backup at ``p`` without these clients, crash-safely: the new backup is
        made beside it (``.NAME.rewrite``: the database and slot file copied, the attachment
        files that stay hard-linked), the clients are erased there (new keys), its manifest
        written; then the old one is moved aside (``.NAME.old``) and the new one takes its
        name, and the old one is erased (its slot file overwritten in place, attachment files
        that went overwritten). :func:`recover` finishes or undoes a rewrite that a crash
        interrupted. The new backup has the vault's key slots and ``new_master`` (it opens with
        today's passphrase; the old one, with the old master key, is gone). Returns the manifest."""
        staging, old = p.parent / f".{p.name}.rewrite", p.parent / f".{p.name}.old"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        for rel in ("vault.db", "keyslots.json"):
            _copy_private(p / rel, staging / rel)
        files = manifest["files"]
        with Vault.open_with_master(staging, self.keys, test_unencrypted=not self.encrypted) as copy:
            with copy.write():  # the same auth key as the vault (one made before the auth key derives it)
                copy.db.set_meta("auth_key", crypto.b64(self.auth_key))
            going = {r[0] for r in copy.db.all("SELECT id FROM attachments WHERE client_id IN (SELECT value FROM "
                                               "json_each(?))", (json.dumps([e["client_id"] for e in self.entries]),))}
            kept = [rel for rel in files if rel.startswith("blobs/") and rel[6:] not in going and (p / rel).exists()]
            if kept:
                paths.make_private_dir(staging / "blobs")
            for rel in kept:
                try:
                    os.link(p / rel, staging / rel)
                except OSError:  # a file system without hard links (FAT on a USB disk)
                    _copy_private(p / rel, staging / rel)
            rekey = {"master": self.new_master, "slots_from": self.slots}
            if not forget(copy, self.entries, **rekey):
                copy.rekey(**rekey)
            clients = [r[0] for r in copy.db.all("SELECT id FROM clients ORDER BY id")]
            merged = ledger.merge_ledgers(merged, ledger.ledger(copy.db))
            schema = copy.schema_version()
        (staging / LOCK_NAME).unlink(missing_ok=True)
        new_files = {rel: h for rel, h in files.items() if rel in kept}  # untouched: damage stays visible
        new_files.update({rel: _sha256(staging / rel) for rel in ("vault.db", "keyslots.json")})
        manifest = {**_without_contents(manifest), **seal_contents(self.auth_key, clients, merged),
                    "schema_version": schema, "files": dict(sorted(new_files.items()))}
        paths.write_private_file(staging / MANIFEST, _dump(manifest))
        for rel in ("vault.db", "keyslots.json", MANIFEST):
            paths.fsync(staging / rel)
        paths.fsync_dir(staging)
        shutil.rmtree(old, ignore_errors=True)
        os.replace(p, old)
        os.replace(staging, p)
        paths.fsync_dir(p.parent)
        _erase_old(old, p)
        return manifest


def _erase_old(old: Path, new: Path) -> None:
    """Erase the backup a rewrite replaced: its slot file (which wraps the key of its database)
    overwritten where it lies, its attachment files that the new one does not hold overwritten."""
    with contextlib.suppress(OSError), open(old / "keyslots.json", "rb+") as fh:
        paths.overwrite(fh)
    for blob in (old / "blobs").glob("*") if (old / "blobs").is_dir() else []:
        if not (new / "blobs" / blob.name).exists():
            BlobStore(old / "blobs").erase(blob.name)
    shutil.rmtree(old, ignore_errors=True)


def recover(folder: Path) -> None:
    """Finish or undo backup rewrites that a crash interrupted (:meth:`Erasure._rewrite`): a complete
    new backup takes the name, an incomplete one goes, the old one is erased once replaced."""
    if not Path(folder).is_dir():
        return
    for staging in Path(folder).glob(f".{PREFIX}*.rewrite"):
        final = staging.with_name(staging.name[1:-len(".rewrite")])
        old = staging.with_name(f".{final.name}.old")
        if not final.exists() and old.exists():
            try:
                verify_backup(staging)
                os.replace(staging, final)
            except DossierError:
                os.replace(old, final)  # the new one was not complete: the old one is still whole
        else:
            shutil.rmtree(staging, ignore_errors=True)
    for old in Path(folder).glob(f".{PREFIX}*.old"):
        final = old.with_name(old.name[1:-len(".old")])
        if final.exists():
            _erase_old(old, final)
        else:
            os.replace(old, final)


def _reason(e: Exception) -> str:
    if isinstance(e, DatabaseError):
        return f"its database is damaged ({str(e).splitlines()[0][:120] if str(e) else type(e).__name__})"
    if isinstance(e, OSError):
        return f"cannot be written ({e.strerror or type(e).__name__})"
    return str(e)


# -- the manifest's sealed part -------------------------------------------------------------------

CONTENTS_PURPOSE = b"dossier-manifest"


def seal_contents(auth_key: bytes, clients: list[str], held: list[dict]) -> dict:
    """The manifest fields that say which clients a backup holds and which were destroyed:
    sealed under a key derived from the vault's auth key (no client id is readable without
    the vault), with only the number of clients in the clear (``backup list`` shows it)."""
    return {"client_count": len(clients),
            "sealed": crypto.seal_json(auth_key, CONTENTS_PURPOSE, {"clients": clients, "ledger": held})}


def open_contents(manifest: dict, keys: list[bytes]) -> dict | None:
    """{"clients", "ledger"} of a manifest, opened with one of this vault's auth keys; None when
    it does not open (another vault's, forged, damaged). A manifest from before the sealed part
    has them in the clear, its ledger signed (ledger_mac): that is checked instead."""
    if "sealed" not in manifest:
        if ledger.authentic(keys, manifest.get("ledger"), manifest.get("ledger_mac")):
            return {"clients": manifest.get("clients"), "ledger": manifest["ledger"]}
        return None
    data = crypto.open_json(keys, CONTENTS_PURPOSE, manifest["sealed"])
    if isinstance(data, dict) and isinstance(data.get("clients"), list):
        return {"clients": data["clients"], "ledger": ledger.ledger_entries(data.get("ledger"))}
    return None


def _without_contents(manifest: dict) -> dict:
    return {k: v for k, v in manifest.items() if k not in ("clients", "ledger", "ledger_mac", "client_count", "sealed")}


def _count(manifest: dict) -> int | None:
    if type(manifest.get("client_count")) is int:
        return manifest["client_count"]
    return len(manifest["clients"]) if isinstance(manifest.get("clients"), list) else None


# -- files ----------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _copy_private(source: Path, dest: Path) -> str:
    """Copy a file into a new 0600 file (O_CREAT|O_EXCL, fsynced); returns its SHA-256."""
    h = hashlib.sha256()
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | paths.BINARY, 0o600)
    with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
        while chunk := src.read(_CHUNK):
            h.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return h.hexdigest()


def _dump(manifest: dict) -> bytes:
    return json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8") + b"\n"


def _stamp(text: str) -> str:
    return dt.datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).isoformat().replace(
        "+00:00", "Z")
