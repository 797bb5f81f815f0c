"""The key-slot file beside the database: the master key wrapped under the passphrase, the
recovery key and (optionally) the successor's secret, and the database key wrapped under the
master key (design.md, "The vault"). Also the crash-safe swap of a key rotation and the lock
that keeps an open in another process out of one (TB 2.13-2.15, CSR 6.6).
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
from pathlib import Path

from dossier import crypto, paths
from dossier.errors import Refused, VaultDamaged, VaultMissing, WrongPassphrase

DB_NAME = "vault.db"
SLOTS_NAME = "keyslots.json"
BLOBS_NAME = "blobs"
NEXT = ".next"  # keyslots.json.next: a change of the slot file under way (see Vault.rekey)
LOCK_NAME = ".rotation.lock"  # held while the slot file changes and while an open reads or settles it
SLOTS_FORMAT = "dossier-keyslots/1"
# /2 adds "db_key": the database key wrapped under the key the slots unwrap (the master key),
# so the database key can be replaced (after a destruction) without the passphrase or the
# recovery key. In /1 the slots unwrap the database key itself.
SLOTS_FORMAT_2 = "dossier-keyslots/2"


# /3: a slot seals the master key to an X25519 public key whose private key is the slot's
# KDF output ("public", "sealed"), so that a key rotation can give every slot a new master key
# without the passphrase, the recovery key or the successor's secret (CSR 5.4). In /1 and /2
# a slot wraps the master key under that KDF output ("wrapped"); such a slot is upgraded when its
# secret is typed, and a rotation drops one it cannot reseal.
SLOTS_FORMAT_3 = "dossier-keyslots/3"
FORMATS = (SLOTS_FORMAT, SLOTS_FORMAT_2, SLOTS_FORMAT_3)
KINDS = {"passphrase": "passphrase", "recovery": "recovery key", "successor": "set of successor shares"}


def _seed(slot: dict, secret: str | bytes) -> bytes:
    """The slot's private key (its KDF output) from the passphrase or the recovery key's or
    successor secret's 32 bytes."""
    salt = crypto.unb64(slot["salt"])
    if slot.get("kdf") == "argon2id":
        return crypto.derive_kek(str(secret), salt, kdf_of(slot))
    return crypto.recovery_kek(bytes(secret), salt)


def _sealed(slot: dict, seed: bytes, master: bytes) -> dict:
    public = crypto.public_key(seed)
    slot = {k: v for k, v in slot.items() if k != "wrapped"}
    return {**slot, "public": crypto.b64(public), "sealed": crypto.b64(crypto.seal(public, master))}


def passphrase_slot(passphrase: str, master: bytes, kdf: crypto.KdfParams, seeds: dict | None = None) -> dict:
    """A passphrase slot; its private key is put in ``seeds`` (for an Unlocker) when given."""
    salt = crypto.random_salt()
    head = {"kind": "passphrase", "kdf": "argon2id", "opslimit": kdf.opslimit, "memlimit": kdf.memlimit,
            "salt": crypto.b64(salt)}
    seed = _seed(head, passphrase)
    if seeds is not None:
        seeds[head["salt"]] = seed
    return _sealed(head, seed, master)


def secret_slot(kind: str, entropy: bytes, master: bytes) -> dict:
    """A slot for a full-entropy secret: the recovery key, or the successor's secret."""
    head = {"kind": kind, "kdf": "blake2b", "salt": crypto.b64(crypto.random_salt())}
    return _sealed(head, _seed(head, entropy), master)


def recovery_slot(entropy: bytes, master: bytes) -> dict:
    return secret_slot("recovery", entropy, master)


def resealed(slots: dict, master: bytes, drop: frozenset = frozenset()) -> tuple[list[dict], list[str]]:
    """Every slot given ``master`` (sealed anew to its public key; no secret needed), and the
    kinds of the slots left out: those in ``drop`` and old wrapped slots, which cannot be resealed."""
    kept, dropped = [], []
    for s in slots["slots"]:
        if s.get("kind") in drop or "public" not in s:
            dropped.append(s.get("kind"))
            continue
        kept.append({**s, "sealed": crypto.b64(crypto.seal(crypto.unb64(s["public"]), master))})
    return kept, dropped


class Unlocker:
    """What one secret typed by the coach (the passphrase, the recovery key, the successor's
    secret) unlocks: the master key of a slot file, also of the slot file another process
    writes later with a new master key (a destruction in another terminal). It keeps the slot's
    private key, not the secret; a slot that another process made anew (``passwd``) needs the
    secret again. ``Unlocker.masters`` opens with known master keys (a backup) instead."""

    def __init__(self, kind: str | None, seeds: dict | None = None, masters: list[bytes] = ()):
        self.kind, self._seeds, self._masters = kind, seeds or {}, list(masters)

    @classmethod
    def secret(cls, slots: dict, kind: str, secret: str | bytes) -> "Unlocker":
        if not has_slot(slots, kind):
            raise WrongPassphrase(f"this vault has no {KINDS[kind]} slot" +
                                  (" (never set up, or revoked)" if kind == "successor" else ""))
        s = slot(slots, kind)
        return cls(kind, {s["salt"]: _seed(s, secret)})

    @classmethod
    def masters(cls, masters: list[bytes]) -> "Unlocker":
        return cls(None, masters=masters)

    def master(self, slots: dict) -> bytes:
        if self.kind is None:
            for m in self._masters:
                with contextlib.suppress(VaultDamaged):
                    db_key(slots, m)
                    return m
            raise WrongPassphrase("wrong key: it does not open this vault")
        what = KINDS[self.kind]
        if not has_slot(slots, self.kind):
            raise WrongPassphrase(f"the {what} no longer opens this vault: its key slot was removed")
        s = slot(slots, self.kind)
        seed = self._seeds.get(s["salt"])
        if seed is None:
            raise WrongPassphrase(f"the {what} was changed in another dossier command; run this one again")
        if "sealed" in s:
            return crypto.unseal(seed, crypto.unb64(s["sealed"]), what)
        return crypto.unwrap(seed, crypto.unb64(s["wrapped"]), what)

    def upgraded(self, slots: dict, master: bytes) -> dict | None:
        """The slot file with this unlocker's old wrapped slot sealed (format /3), or None
        when there is nothing to upgrade."""
        if self.kind is None or not has_slot(slots, self.kind) or "sealed" in slot(slots, self.kind):
            return None
        s = slot(slots, self.kind)
        seed = self._seeds.get(s["salt"])
        if seed is None:
            return None
        return {**slots, "format": SLOTS_FORMAT_3,
                "slots": [_sealed(x, seed, master) if x is s else x for x in slots["slots"]]}


def generation(slots: dict) -> int:
    """How many times the slot file was written (mirrored outside the vault: an old copy put
    back has a lower one and is caught, audit.rollback_of)."""
    value = slots.get("generation", 0)
    return value if type(value) is int else 0


def _mac(slots: dict, master: bytes) -> str:
    body = json.dumps({k: v for k, v in slots.items() if k != "mac"}, sort_keys=True, separators=(",", ":"))
    return crypto.b64(crypto.mac(master, body.encode(), b"dossier-slots"))


def stamp(slots: dict, master: bytes) -> dict:
    """The slot file's next version: its generation one higher, and a MAC over all of it under
    the master key, so that a slot spliced in from another copy is refused (check_mac)."""
    slots = {k: v for k, v in slots.items() if k != "mac"}
    slots["generation"] = generation(slots) + 1
    return {**slots, "mac": _mac(slots, master)}


def check_mac(path: Path, slots: dict, master: bytes) -> None:
    """Refuse a slot file that was changed outside dossier (a file from before the MAC existed has none)."""
    if "mac" in slots and not hmac.compare_digest(str(slots["mac"]), _mac(slots, master)):
        raise VaultDamaged(f"{path}: the key-slot file {SLOTS_NAME} was changed outside dossier "
                           "(its MAC does not match): a slot was added or replaced")


def kdf_of(slot: dict) -> crypto.KdfParams:
    return crypto.KdfParams(int(slot["opslimit"]), int(slot["memlimit"]))


def slot(slots: dict, kind: str) -> dict:
    for s in slots["slots"]:
        if s.get("kind") == kind:
            return s
    raise VaultDamaged(f"the key-slot file has no {kind} slot")


def has_slot(slots: dict, kind: str) -> bool:
    return any(s.get("kind") == kind for s in slots["slots"])


def first_bytes(db_file: Path, n: int = 16) -> bytes:
    with open(db_file, "rb") as fh:
        return fh.read(n)


def write(path: Path, slots: dict, new: bool = False) -> None:
    """Write the key-slot file of the vault at ``path``: a new file (``new``), or the old one
    replaced atomically and then overwritten in place (see :func:`replace_and_wipe`)."""
    if new:
        paths.write_private_file(path / SLOTS_NAME, json.dumps(slots, indent=2).encode())
        paths.fsync(path / SLOTS_NAME)
        return
    with rotation_lock(path):  # an open in another process does not settle this half-written
        check_unchanged(path, slots)
        replace_and_wipe(write_next(path, slots), path / SLOTS_NAME)


def check_unchanged(path: Path, slots: dict) -> None:
    """Refuse to write ``slots`` (stamped from the file this process read) when another
    process wrote the slot file since (under the rotation lock): a stale copy written back
    would hold keys that no longer open the database."""
    current = load_slots(path)
    if generation(current) != generation(slots) - 1:
        raise Refused("the vault's key-slot file was changed by another dossier command meanwhile "
                      "(a destruction, a new passphrase); nothing was changed here", "run this command again")


def write_next(path: Path, slots: dict) -> Path:
    """Write ``keyslots.json.next`` (0600, synced): the slot file a change replaces the old one by."""
    next_file = path / (SLOTS_NAME + NEXT)
    next_file.unlink(missing_ok=True)
    paths.write_private_file(next_file, json.dumps(slots, indent=2).encode())
    paths.fsync(next_file)
    paths.fsync_dir(path)
    return next_file


def replace_and_wipe(new: Path, old: Path) -> None:
    """Rename ``new`` over ``old`` (atomic), then overwrite the old file's bytes where they lie
    (through a handle opened before the rename) and sync: a key-slot file that wrapped an old
    database key does not stay readable in blocks the file system freed (CSR 5.4, NIST SP
    800-88's cryptographic erase). A copy-on-write file system or an SSD may still keep the old
    blocks; docs/security.md says what to do about that. Where a file that is open cannot be
    replaced (Windows), the rename alone is done."""
    try:
        fh = open(old, "rb+")
    except OSError:
        fh = None
    try:
        try:
            os.replace(new, old)
        except PermissionError:
            if fh is None:
                raise
            fh.close()
            fh = None
            os.replace(new, old)
        paths.fsync_dir(old.parent)
        if fh is not None:
            paths.overwrite(fh)
    finally:
        if fh is not None:
            fh.close()


def remove_half_made(path: Path, created_folder: bool) -> None:
    """Remove what a failed create left: nothing half-done stays behind."""
    for name in (SLOTS_NAME, DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        with contextlib.suppress(OSError):
            (path / name).unlink()
    if created_folder:
        with contextlib.suppress(OSError):
            path.rmdir()


def db_key(slots: dict, master: bytes) -> bytes:
    """The database key: wrapped under the master key (format /2), or the master key itself (/1)."""
    if "db_key" not in slots:
        return master
    try:
        return crypto.unwrap(master, crypto.unb64(slots["db_key"]), "database key")
    except (WrongPassphrase, ValueError):
        raise VaultDamaged("the key-slot file's database key does not open with this vault's key") from None


def next_slots(path: Path) -> dict | None:
    """The key-slot file a rotation wrote before it re-encrypted the database (``keyslots.json.next``),
    when one is left (by a crash) and readable; else None."""
    try:
        slots = json.loads((path / (SLOTS_NAME + NEXT)).read_text(encoding="utf-8"))
        crypto.unb64(slots["db_key"])
        return slots if isinstance(slots, dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def finish_rotation(path: Path) -> None:
    """Remove what a rotation of an earlier dossier left: a database copy (``vault.db.next``)
    that was never swapped in. The slot file ``keyslots.json.next`` is settled after the
    unlock, when its key can be tried (Vault._settle_rotation)."""
    for leftover in ("", "-journal", "-wal", "-shm"):  # (SQLite's files beside a copy a kill cut short)
        name = path / (DB_NAME + NEXT + leftover)
        if name.exists():
            name.unlink()


@contextlib.contextmanager
def rotation_lock(path: Path):
    """An exclusive lock on the vault folder's lock file (portalocker: flock on POSIX,
    LockFileEx on Windows): a key rotation holds it while it swaps files, and an open while
    it reads them, so that an open in another process neither removes the files of a rotation
    under way nor reads half of one. Where the folder is read-only there is no lock (and no
    rotation either)."""
    import portalocker

    try:
        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT | paths.NOFOLLOW | paths.BINARY, 0o600)
    except OSError:
        yield
        return
    with os.fdopen(fd, "r+b") as fh:
        portalocker.lock(fh, portalocker.LOCK_EX)
        try:
            yield
        finally:
            portalocker.unlock(fh)


def read_slots(path: Path) -> dict:
    """The key slots of the vault at ``path``, after finishing any rotation a crash left."""
    if not (path / DB_NAME).exists() and not (path / SLOTS_NAME).exists():
        return load_slots(path)  # no vault here: no lock file to leave behind
    with rotation_lock(path):
        return load_slots(path)


def _bytes(value, n: int) -> bytes:
    raw = crypto.unb64(value)
    if len(raw) != n:
        raise ValueError("length")
    return raw


def _check_shape(slots) -> bytes:
    """Every field a slot file needs, of the right type and length (docs/security.md gives
    them byte for byte); returns the database salt. Anything else is ValueError."""
    if not isinstance(slots, dict) or slots.get("format") not in FORMATS or not isinstance(slots.get("slots"), list):
        raise ValueError("format")
    if not isinstance(slots.get("vault_id"), str) or type(slots.get("generation", 0)) is not int:
        raise ValueError("vault_id")
    if "db_key" in slots:
        _bytes(slots["db_key"], 72)
    if "mac" in slots and not isinstance(slots["mac"], str):
        raise ValueError("mac")
    if ("mac" in slots) != ("generation" in slots) or slots["format"] == SLOTS_FORMAT_3 and "mac" not in slots:
        # They were always written together, and a /3 file always has them: a file with one but not
        # the other, or a /3 file without, was changed outside dossier (a MAC stripped to splice a
        # slot in; stripping both makes the generation 0, below the mirrored one: a rollback).
        raise ValueError("mac")
    for s in slots["slots"]:
        if not isinstance(s, dict) or s.get("kind") not in KINDS:
            raise ValueError("kind")
        _bytes(s["salt"], crypto.SALT_BYTES)
        if s.get("kdf") == "argon2id":
            ops, mem = s.get("opslimit"), s.get("memlimit")
            if type(ops) is not int or type(mem) is not int or not crypto.KdfParams(ops, mem).in_range():
                raise ValueError("kdf")
        elif s.get("kdf") != "blake2b":
            raise ValueError("kdf")
        if "sealed" in s:
            _bytes(s["sealed"], 80), _bytes(s["public"], 32)
        else:
            _bytes(s["wrapped"], 72)
    return _bytes(slots["db_salt"], 16)


def load_slots(path: Path) -> dict:
    finish_rotation(path)
    db_file, slots_file = path / DB_NAME, path / SLOTS_NAME
    if not db_file.exists() and not slots_file.exists():
        raise VaultMissing(f"no vault at {path}", "create one with 'dossier init', or pass --vault / set DOSSIER_VAULT")
    if not slots_file.exists():
        raise VaultDamaged(f"{path}: the key-slot file {SLOTS_NAME} is missing")
    if not db_file.exists():
        raise VaultDamaged(f"{path}: the vault database {DB_NAME} is missing")
    try:
        slots = json.loads(slots_file.read_text(encoding="utf-8"))
        db_salt = _check_shape(slots)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise VaultDamaged(f"{path}: the key-slot file {SLOTS_NAME} is damaged") from None
    if first_bytes(db_file) != db_salt:
        raise VaultDamaged(f"{path}: the key-slot file does not match the vault database "
                           "(or the database's first page is damaged)")
    return slots
