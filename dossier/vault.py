"""The vault: one folder holding the SQLCipher database and its key-slot file.

The front door of the library. ``Vault.create`` makes a vault and returns its one-time
recovery key; ``Vault.open`` unlocks it with the passphrase, ``Vault.open_with_recovery``
with the recovery key. Every unlock, change, export and disclosure is appended to the audit
chain (time, action, client id, never content), whose head is mirrored outside the vault
folder so that an old copy of the vault or a stale WAL cannot pass unnoticed (TB 2.13-2.15,
CSR 6.2, 6.6: confidentiality, security and integrity of the records).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from dossier import crypto, paths
from dossier.errors import (
    FileProblem,
    WrongPassphrase,
    RollbackDetected,
    VaultDamaged,
    VaultExists,
    VaultMissing,
    WeakPassphrase,
)
from dossier.store import connect
from dossier.store.migrations import SCHEMA_VERSION, migrate

DB_NAME = "vault.db"
SLOTS_NAME = "keyslots.json"
BLOBS_NAME = "blobs"
NEXT = ".next"  # vault.db.next and keyslots.json.next: a key rotation under way (see Vault.rekey)
LOCK_NAME = ".rotation.lock"  # held while a rotation swaps files and while an open reads them
SLOTS_FORMAT = "dossier-keyslots/1"
# /2 adds "db_key": the database key wrapped under the key the slots unwrap (the master key),
# so the database key can be replaced (after a destruction) without the passphrase or the
# recovery key. In /1 the slots unwrap the database key itself.
SLOTS_FORMAT_2 = "dossier-keyslots/2"
GENESIS = "0" * 64
# cipher_memory_security makes SQLCipher wipe every allocation it frees. Measured with
# benchmarks/bench_vault.py (docs/security.md, "Measured costs"): it makes import about 15x
# and a common-word search about 6x slower, while the same plaintext also lives in Python
# objects that nothing can wipe. Off, until the decrypted data has no other copies in memory.
MEMORY_SECURITY = False
MIN_PASSPHRASE_SCORE = 3  # zxcvbn: "safely unguessable" against an offline attack is 3-4
# zxcvbn's dictionaries are English; these Dutch words (and the tool's own) are guessed early too.
DUTCH_WORDS = """dossier coach coaching vault kluis cliënt client praktijk geheim wachtwoord welkom hallo
zomer winter lente herfst zomervakantie vakantie voorjaar najaar januari februari maart april mei juni
juli augustus september oktober november december maandag dinsdag woensdag donderdag vrijdag zaterdag
zondag amsterdam rotterdam utrecht denhaag eindhoven groningen tilburg almere breda nijmegen arnhem
haarlem zwolle leiden maastricht delft nederland holland oranje ajax feyenoord psv liefde schat
schatje lieverd mama papa oma opa kinderen familie hond kat poes konijn fiets voetbal koffie thee
kaas drop stroopwafel gezondheid stress burnout ontspanning rust energie balans welzijn
""".split()


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def check_passphrase_strength(passphrase: str, user_inputs: tuple[str, ...] = ()) -> None:
    """Refuse a guessable passphrase with zxcvbn's reason (a real estimator, not a length rule)."""
    if not passphrase or not passphrase.strip():
        raise WeakPassphrase("the passphrase is empty")
    import zxcvbn

    result = zxcvbn.zxcvbn(passphrase[:100], user_inputs=list(user_inputs) + DUTCH_WORDS)
    if result["score"] < MIN_PASSPHRASE_SCORE:
        feedback = result.get("feedback") or {}
        reason = feedback.get("warning") or "it would be guessed too quickly"
        hint = " ".join(feedback.get("suggestions") or []) or "use four or more uncommon words"
        guesses = result.get("crack_times_display", {}).get("offline_slow_hashing_1e4_per_second", "")
        extra = f" (estimated time to guess: {guesses})" if guesses else ""
        raise WeakPassphrase(f"passphrase too weak: {reason.rstrip('.')}{extra}", hint)


def check_new_location(path: Path) -> None:
    """Refuse to create a vault where one exists, on a file, or in a folder holding other things."""
    if (path / DB_NAME).exists() or (path / SLOTS_NAME).exists():
        raise VaultExists(f"{path}: a vault exists here already", "use --vault to choose another folder")
    if path.exists() and not path.is_dir():
        raise FileProblem(f"{path}: is a file, not a folder")
    if path.exists() and any(path.iterdir()):
        raise FileProblem(f"{path}: the folder is not empty; a vault needs a folder of its own",
                          "use --vault to choose a new or empty folder")


@dataclass
class AuditEntry:
    seq: int
    at: str
    action: str
    client_id: str | None
    detail: str
    prev: str
    hash: str

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def audit_hash(prev: str, seq: int, at: str, action: str, client_id: str | None, detail: str) -> str:
    payload = json.dumps([prev, seq, at, action, client_id, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class Vault:
    """An unlocked vault. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: Path, db, slots: dict, data_key: bytes | None):
        self.path = path
        self._use(db)
        self.slots = slots
        self._data_key = data_key  # the master key the slots unwrap; see db_key()
        self.vault_id = slots["vault_id"]
        self.rollback: str | None = None
        self.mirrored = True  # False for a backup opened to be rewritten: it has no mirror of its own
        self.encrypted = True  # False only for forensic tests (test_unencrypted)

    # -- creating and opening ------------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, passphrase: str, kdf: crypto.KdfParams | None = None, *,
               check_strength: bool = True, schema_upto: int = SCHEMA_VERSION,
               test_unencrypted: bool = False) -> tuple["Vault", str]:
        """Create a vault folder; returns the open vault and its one-time recovery key.

        ``kdf`` defaults to a calibration of about 0.5 s on this machine; anything below
        libsodium's INTERACTIVE limits is refused unless it is ``KdfParams.TEST_ONLY_MINIMUM``.
        ``schema_upto`` and ``test_unencrypted`` exist for tests (migrations, forensics).
        """
        path = Path(path)
        check_new_location(path)
        if check_strength:
            check_passphrase_strength(passphrase)
        kdf = kdf or crypto.calibrate()
        if not kdf.at_least_interactive() and kdf != crypto.KdfParams.TEST_ONLY_MINIMUM:
            raise ValueError("Argon2id parameters below libsodium's INTERACTIVE limits")
        created_folder = not path.exists()
        paths.make_private_dir(path)
        data_key = crypto.random_key()
        recovery = crypto.new_recovery_key()
        vault_id = str(uuid.uuid4())
        # SQLite would create the file 0644; create it 0600 first (its WAL and SHM inherit the mode).
        paths.write_private_file(path / DB_NAME, b"")
        db = connect(path / DB_NAME, None if test_unencrypted else data_key, memory_security=MEMORY_SECURITY,
                     test_unencrypted=test_unencrypted)
        try:
            migrate(db, upto=schema_upto)
            with db.write():
                db.execute("INSERT INTO meta(key, value) VALUES ('vault_id', ?)", (vault_id,))
                db.execute("INSERT INTO meta(key, value) VALUES ('created', ?)", (now(),))
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            slots = {
                "format": SLOTS_FORMAT,
                "vault_id": vault_id,
                "db_salt": crypto.b64(_first_bytes(path / DB_NAME)),
                "slots": [
                    _passphrase_slot(passphrase, data_key, kdf),
                    _recovery_slot(crypto.parse_recovery_key(recovery), data_key),
                ],
            }
            paths.write_private_file(path / SLOTS_NAME, json.dumps(slots, indent=2).encode())
        except BaseException:
            db.close()
            _remove_half_made(path, created_folder)  # nothing half-done stays behind
            raise
        vault = cls(path, db, slots, data_key)
        vault.encrypted = not test_unencrypted
        vault._check_mirror()
        with vault.write():
            vault.log("vault.init", detail=f"schema {schema_upto}")
        return vault, recovery

    @classmethod
    def open(cls, path: Path, passphrase: str, *, test_unencrypted: bool = False, mirrored: bool = True) -> "Vault":
        """Unlock with the passphrase. Wrong passphrase: WrongPassphrase; damage: VaultDamaged.
        ``mirrored=False`` skips the rollback mirror (a restore, before the copy is a vault of its own)."""
        path = Path(path)
        slots = _read_slots(path)
        slot = _slot(slots, "passphrase")
        kek = crypto.derive_kek(passphrase, crypto.unb64(slot["salt"]), _kdf_of(slot))
        data_key = crypto.unwrap(kek, crypto.unb64(slot["wrapped"]), "passphrase")
        return cls._unlocked(path, slots, data_key, "unlock", test_unencrypted, mirrored)

    @classmethod
    def open_with_recovery(cls, path: Path, recovery_key: str, *, test_unencrypted: bool = False) -> "Vault":
        """Unlock with the recovery key printed at ``init``."""
        path = Path(path)
        slots = _read_slots(path)
        slot = _slot(slots, "recovery")
        kek = crypto.recovery_kek(crypto.parse_recovery_key(recovery_key), crypto.unb64(slot["salt"]))
        data_key = crypto.unwrap(kek, crypto.unb64(slot["wrapped"]), "recovery key")
        return cls._unlocked(path, slots, data_key, "unlock.recovery", test_unencrypted)

    @classmethod
    def _unlocked(cls, path: Path, slots: dict, data_key: bytes, action: str, test_unencrypted: bool,
                  mirror: bool = True) -> "Vault":
        db = connect(path / DB_NAME, None if test_unencrypted else _db_key(slots, data_key),
                     memory_security=MEMORY_SECURITY, test_unencrypted=test_unencrypted)
        try:
            row = db.one("SELECT value FROM meta WHERE key = 'vault_id'")
        except Exception:
            db.close()
            raise VaultDamaged(f"{path}: the vault database has no dossier schema") from None
        if row is None or row[0] != slots["vault_id"]:
            db.close()
            raise VaultDamaged(f"{path}: the key-slot file belongs to another vault")
        vault = cls(path, db, slots, data_key)
        vault.encrypted = not test_unencrypted
        vault.mirrored = mirror
        try:
            vault._check_mirror()
            # A rolled-back vault is not written to at all, not even by a migration.
            ran = migrate(db) if vault.rollback is None else []
            if vault.rollback is None:
                with vault.write():
                    if ran:
                        vault.log("vault.migrate", detail=f"schema {ran[0] - 1} -> {ran[-1]}")
                    vault.log(action)
        except BaseException:
            vault.close()
            raise
        return vault

    @classmethod
    def open_with_master(cls, path: Path, master_key: bytes, *, mirrored: bool = False,
                         test_unencrypted: bool = False) -> "Vault":
        """Open a vault folder whose slots wrap ``master_key`` (a backup of this vault), without
        a passphrase; no mirror is checked or kept unless ``mirrored``."""
        path = Path(path)
        return cls._unlocked(path, _read_slots(path), master_key, "unlock.master", test_unencrypted, mirrored)

    @classmethod
    def open_with_successor(cls, path: Path, secret: bytes) -> "Vault":
        """Unlock with the secret that K successor shares put back together (TB 2.28)."""
        path = Path(path)
        slots = _read_slots(path)
        if not any(sl.get("kind") == "successor" for sl in slots["slots"]):
            raise WrongPassphrase("this vault has no successor access (never set up, or revoked)")
        slot = _slot(slots, "successor")
        kek = crypto.recovery_kek(secret, crypto.unb64(slot["salt"]))
        master = crypto.unwrap(kek, crypto.unb64(slot["wrapped"]), "set of successor shares")
        return cls._unlocked(path, slots, master, "unlock.successor", False)

    def set_successor_slot(self, secret: bytes | None) -> None:
        """Add (or replace) the successor slot for ``secret``, or remove it with None; the
        key-slot file is rewritten atomically inside the current write."""
        kept = [sl for sl in self.slots["slots"] if sl.get("kind") != "successor"]
        if secret is not None:
            slot = _recovery_slot(secret, self._data_key)
            kept.append({**slot, "kind": "successor"})
        slots = {**self.slots, "slots": kept}
        paths.replace_private_file(self.path / SLOTS_NAME, json.dumps(slots, indent=2).encode())
        self.slots = slots

    @property
    def master_key(self) -> bytes:
        """The key the slots unwrap; it wraps the database key (and a backup's)."""
        return self._data_key

    def slots_for(self, db_file: Path, db_key: bytes) -> dict:
        """Key slots for another database file of this vault (a backup, or the next key):
        the same passphrase and recovery slots, with ``db_key`` wrapped under the master key."""
        return {**self.slots, "format": SLOTS_FORMAT_2, "db_salt": crypto.b64(_first_bytes(db_file)),
                "db_key": crypto.b64(crypto.wrap(self._data_key, db_key))}

    def export_db(self, dest: Path) -> bytes:
        """A consistent, compacted copy of the database at ``dest`` (0600) under a new random
        key, which is returned; the live database is not changed (sqlcipher_export)."""
        key = crypto.random_key()
        paths.write_private_file(Path(dest), b"")
        try:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            keyspec = "''" if not self.encrypted else f"\"x'{key.hex()}'\""
            self.db.execute(f"ATTACH DATABASE ? AS nextdb KEY {keyspec}", (str(dest),))
            try:
                self.db.execute("SELECT sqlcipher_export('nextdb')")
            finally:
                self.db.execute("DETACH DATABASE nextdb")
            with open(dest, "rb+") as fh:
                os.fsync(fh.fileno())
        except BaseException:
            Path(dest).unlink(missing_ok=True)
            raise
        return key

    def rekey(self) -> None:
        """Replace the database with a compacted copy under a new random key (after a
        destruction, CSR 5.4): pages of the old file that a disk may still hold are under a
        key that is then nowhere. Crash-safe: the next key's slot file is written before the
        database is swapped, and :func:`_finish_rotation` completes or undoes a half swap."""
        db_file, slots_file = self.path / DB_NAME, self.path / SLOTS_NAME
        new_db, new_slots = db_file.with_name(DB_NAME + NEXT), slots_file.with_name(SLOTS_NAME + NEXT)
        with _rotation_lock(self.path):  # another process's open waits instead of undoing this
            for stale in (new_db, new_slots):
                stale.unlink(missing_ok=True)
            key = self.export_db(new_db)
            slots = self.slots_for(new_db, key)
            paths.write_private_file(new_slots, json.dumps(slots, indent=2).encode())
            paths.fsync(new_slots)
            self.db.close()
            os.replace(new_db, db_file)
            paths.fsync_dir(self.path)
            os.replace(new_slots, slots_file)
            paths.fsync_dir(self.path)
            for leftover in ("-wal", "-shm"):
                (self.path / (DB_NAME + leftover)).unlink(missing_ok=True)
        self.slots = slots
        self._use(connect(db_file, None if not self.encrypted else key, memory_security=MEMORY_SECURITY,
                          test_unencrypted=not self.encrypted))

    def _use(self, db) -> None:
        """Work on this database connection, with the vault's attachment files beside it."""
        from dossier.blobs import BlobStore

        self.db = db
        self.db.blobs = BlobStore(self.path / BLOBS_NAME)

    def lineage(self) -> list[str]:
        """The ids of the vaults this one was restored from (a restore gives a vault a new id)."""
        row = self.db.one("SELECT value FROM meta WHERE key = 'restored_from'")
        try:
            return [str(v) for v in json.loads(row[0])] if row else []
        except (ValueError, TypeError):
            return []

    def renew_identity(self) -> str:
        """Give this vault a new vault id (a restored copy becomes a vault of its own, with its
        own mirror, instead of a rolled-back twin of the original). Returns the new id."""
        new_id = str(uuid.uuid4())
        slots = {**self.slots, "vault_id": new_id}
        with self.db.write():
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'vault_id'", (new_id,))
            paths.replace_private_file(self.path / SLOTS_NAME, json.dumps(slots, indent=2).encode())
        self.slots, self.vault_id = slots, new_id
        return new_id

    def close(self) -> None:
        self._data_key = None
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- passphrase and recovery key -------------------------------------------------------

    def change_passphrase(self, new_passphrase: str, kdf: crypto.KdfParams | None = None, *,
                          check_strength: bool = True) -> None:
        """Rewrap the data key under a new passphrase; the data is not re-encrypted."""
        if check_strength:
            check_passphrase_strength(new_passphrase)
        kdf = kdf or _kdf_of(_slot(self.slots, "passphrase"))
        slots = dict(self.slots)
        slots["slots"] = [_passphrase_slot(new_passphrase, self._data_key, kdf) if s["kind"] == "passphrase" else s
                          for s in self.slots["slots"]]
        if self.rollback is not None:
            # A rolled-back vault refuses writes, but a coach who forgot the passphrase must
            # still get in to confirm or reject the rollback: the key slot is outside the database.
            paths.replace_private_file(self.path / SLOTS_NAME, json.dumps(slots, indent=2).encode())
            self.slots = slots
            return
        with self.write():
            paths.replace_private_file(self.path / SLOTS_NAME, json.dumps(slots, indent=2).encode())
            self.slots = slots
            self.log("passphrase.change")

    # -- audit chain and rollback guard ------------------------------------------------------

    @contextlib.contextmanager
    def write(self):
        """A write transaction; refused while the vault is older than its mirror."""
        if self.rollback is not None:
            raise RollbackDetected(self.rollback, "check your backups, then run 'dossier verify --accept-rollback'")
        with self.db.write():
            yield self.db
        self._update_mirror()

    def log(self, action: str, client_id: str | None = None, detail: str = "") -> AuditEntry:
        """Append an audit entry (inside the current write). Never pass content in ``detail``."""
        seq, prev = self.head()
        seq += 1
        at = now()
        digest = audit_hash(prev, seq, at, action, client_id, detail)
        self.db.execute("INSERT INTO audit(seq, at, action, client_id, detail, prev, hash) VALUES (?,?,?,?,?,?,?)",
                        (seq, at, action, client_id, detail, prev, digest))
        return AuditEntry(seq, at, action, client_id, detail, prev, digest)

    def head(self) -> tuple[int, str]:
        row = self.db.one("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        return (row[0], row[1]) if row else (0, GENESIS)

    def audit_entries(self, client_id: str | None = None) -> list[AuditEntry]:
        sql = "SELECT seq, at, action, client_id, detail, prev, hash FROM audit"
        rows = self.db.all(sql + (" WHERE client_id = ? ORDER BY seq" if client_id else " ORDER BY seq"),
                           (client_id,) if client_id else ())
        return [AuditEntry(*r) for r in rows]

    def verify_audit(self) -> list[str]:
        """Problems in the chain (empty when every entry links to the one before it)."""
        problems, prev, expected = [], GENESIS, 1
        for e in self.audit_entries():
            if e.seq != expected:
                problems.append(f"audit entry {expected} is missing (next is {e.seq})")
            if e.prev != prev:
                problems.append(f"audit entry {e.seq} does not link to the entry before it")
            if audit_hash(e.prev, e.seq, e.at, e.action, e.client_id, e.detail) != e.hash:
                problems.append(f"audit entry {e.seq} was changed after it was written")
            prev, expected = e.hash, e.seq + 1
        return problems

    def _mirror_path(self) -> Path:
        return paths.mirror_dir() / f"{self.vault_id}.json"

    def _read_mirror(self) -> dict | None:
        try:
            return json.loads(self._mirror_path().read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return {"seq": -1, "head": "", "damaged": True}

    def _check_mirror(self) -> None:
        if not self.mirrored:
            return
        # Read the mirror before the database: the mirror is written only after a commit,
        # so the database read next is at least as new as any mirror we can see.
        mirror = self._read_mirror()
        seq, head = self.head()
        if mirror is None:
            self._update_mirror()
            return
        if mirror.get("damaged"):
            self.rollback = f"the mirror of this vault's audit head ({self._mirror_path()}) is unreadable"
            return
        m_seq, m_head = int(mirror["seq"]), str(mirror["head"])
        if m_seq > seq:
            self.rollback = (f"this vault is OLDER than its last known state: audit entry {seq} found, "
                             f"{m_seq} expected. It was restored from an old copy or an old WAL file, "
                             f"and changes made since may have been undone")
            return
        row = self.db.one("SELECT hash FROM audit WHERE seq = ?", (m_seq,)) if m_seq else None
        if m_seq and (row is None or row[0] != m_head):
            self.rollback = (f"this vault's history differs from its last known state at audit entry {m_seq}: "
                             f"it was replaced by another copy")

    def _update_mirror(self) -> None:
        if not self.mirrored:
            return
        seq, head = self.head()
        mirror = self._read_mirror()
        if mirror and not mirror.get("damaged") and int(mirror["seq"]) >= seq and self.rollback is None:
            return
        paths.make_private_dir(paths.mirror_dir())
        record = {"vault_id": self.vault_id, "vault": str(self.path.resolve()), "seq": seq, "head": head, "at": now()}
        paths.replace_private_file(self._mirror_path(), json.dumps(record, indent=2).encode())

    def accept_rollback(self) -> str:
        """The coach confirms the vault as it is now; the mirror follows it (logged)."""
        message = self.rollback or ""
        self.rollback = None
        with self.write():
            self.log("vault.accept-rollback", detail=message[:200])
        ran = migrate(self.db)  # an old copy was left at its schema while it was not accepted
        if ran:
            with self.write():
                self.log("vault.migrate", detail=f"schema {ran[0] - 1} -> {ran[-1]}")
        record_seq, record_head = self.head()
        paths.replace_private_file(self._mirror_path(), json.dumps(
            {"vault_id": self.vault_id, "vault": str(self.path.resolve()), "seq": record_seq,
             "head": record_head, "at": now()}, indent=2).encode())
        return message

    # -- whole-vault checks ----------------------------------------------------------------------

    def verify(self) -> list[str]:
        """Every problem found by SQLCipher's page check, SQLite's integrity check and the audit chain."""
        problems = []
        if self.encrypted:
            problems += [f"cipher: {r[0]}" for r in self.db.all("PRAGMA cipher_integrity_check")]
        rows = [r[0] for r in self.db.all("PRAGMA integrity_check")]
        if rows != ["ok"]:
            problems += [f"integrity: {r}" for r in rows]
        problems += self.verify_audit()
        from dossier.records.attachments import blob_ids

        problems += [f"attachment {a}: its encrypted file is missing from {BLOBS_NAME}/"
                     for a in sorted(blob_ids(self.db) - self.db.blobs.ids())]
        if self.rollback:
            problems.append(self.rollback)
        return problems

    def check(self, audit_only: bool = False) -> int:
        """Raise on any problem (RollbackDetected when that is all, else VaultDamaged), naming
        every problem in one line; returns the number of audit entries checked."""
        problems = self.verify_audit() if audit_only else self.verify()
        if problems == [self.rollback]:
            raise RollbackDetected(self.rollback, "if this restore was on purpose: dossier verify --accept-rollback")
        if problems:
            more = f" (and {len(problems) - 1} more: {'; '.join(problems[1:4])})" if len(problems) > 1 else ""
            raise VaultDamaged(problems[0] + more, "restore the vault from a backup")
        return self.head()[0]

    def schema_version(self) -> int:
        from dossier.store.migrations import schema_version

        return schema_version(self.db)


# -- key slots ------------------------------------------------------------------------------------

def _passphrase_slot(passphrase: str, data_key: bytes, kdf: crypto.KdfParams) -> dict:
    salt = crypto.random_salt()
    kek = crypto.derive_kek(passphrase, salt, kdf)
    return {"kind": "passphrase", "kdf": "argon2id", "opslimit": kdf.opslimit, "memlimit": kdf.memlimit,
            "salt": crypto.b64(salt), "wrapped": crypto.b64(crypto.wrap(kek, data_key))}


def _recovery_slot(entropy: bytes, data_key: bytes) -> dict:
    salt = crypto.random_salt()
    kek = crypto.recovery_kek(entropy, salt)
    return {"kind": "recovery", "kdf": "blake2b", "salt": crypto.b64(salt),
            "wrapped": crypto.b64(crypto.wrap(kek, data_key))}


def _kdf_of(slot: dict) -> crypto.KdfParams:
    return crypto.KdfParams(int(slot["opslimit"]), int(slot["memlimit"]))


def _slot(slots: dict, kind: str) -> dict:
    for slot in slots["slots"]:
        if slot.get("kind") == kind:
            return slot
    raise VaultDamaged(f"the key-slot file has no {kind} slot")


def _first_bytes(db_file: Path, n: int = 16) -> bytes:
    with open(db_file, "rb") as fh:
        return fh.read(n)


def _remove_half_made(path: Path, created_folder: bool) -> None:
    for name in (SLOTS_NAME, DB_NAME, DB_NAME + "-wal", DB_NAME + "-shm"):
        with contextlib.suppress(OSError):
            (path / name).unlink()
    if created_folder:
        with contextlib.suppress(OSError):
            path.rmdir()


def _db_key(slots: dict, master: bytes) -> bytes:
    if "db_key" not in slots:
        return master
    try:
        return crypto.unwrap(master, crypto.unb64(slots["db_key"]), "database key")
    except (WrongPassphrase, ValueError):
        raise VaultDamaged("the key-slot file's database key does not open with this vault's key") from None


def _finish_rotation(path: Path) -> None:
    """Complete or undo a key rotation that a crash interrupted (Vault.rekey): if the database
    was swapped, its slot file follows; if not, the unfinished next files are removed."""
    db_file, new_db = path / DB_NAME, path / (DB_NAME + NEXT)
    new_slots = path / (SLOTS_NAME + NEXT)
    if new_slots.exists():
        try:
            salt = crypto.unb64(json.loads(new_slots.read_text(encoding="utf-8"))["db_salt"])
        except (OSError, ValueError, KeyError, TypeError):
            salt = None
        if salt is not None and db_file.exists() and not new_db.exists() and _first_bytes(db_file) == salt:
            os.replace(new_slots, path / SLOTS_NAME)
            paths.fsync_dir(path)
        else:
            new_slots.unlink()
    new_db.unlink(missing_ok=True)


@contextlib.contextmanager
def _rotation_lock(path: Path):
    """An exclusive lock on the vault folder's lock file (POSIX flock): a key rotation holds it
    while it swaps files, and an open while it reads them, so that an open in another process
    neither removes the files of a rotation under way nor reads half of one. Where there is no
    flock (Windows) or the folder is read-only, there is no lock."""
    try:
        import fcntl

        fd = os.open(path / LOCK_NAME, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    except (ImportError, OSError):
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _read_slots(path: Path) -> dict:
    if not (path / DB_NAME).exists() and not (path / SLOTS_NAME).exists():
        return _load_slots(path)  # no vault here: no lock file to leave behind
    with _rotation_lock(path):
        return _load_slots(path)


def _load_slots(path: Path) -> dict:
    _finish_rotation(path)
    db_file, slots_file = path / DB_NAME, path / SLOTS_NAME
    if not db_file.exists() and not slots_file.exists():
        raise VaultMissing(f"no vault at {path}", "create one with 'dossier init', or pass --vault / set DOSSIER_VAULT")
    if not slots_file.exists():
        raise VaultDamaged(f"{path}: the key-slot file {SLOTS_NAME} is missing")
    if not db_file.exists():
        raise VaultDamaged(f"{path}: the vault database {DB_NAME} is missing")
    try:
        slots = json.loads(slots_file.read_text(encoding="utf-8"))
        if slots.get("format") not in (SLOTS_FORMAT, SLOTS_FORMAT_2):
            raise ValueError("format")
        for slot in slots["slots"]:
            crypto.unb64(slot["salt"]), crypto.unb64(slot["wrapped"])
        db_salt = crypto.unb64(slots["db_salt"])
        str(slots["vault_id"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise VaultDamaged(f"{path}: the key-slot file {SLOTS_NAME} is damaged") from None
    if _first_bytes(db_file) != db_salt:
        raise VaultDamaged(f"{path}: the key-slot file does not match the vault database "
                           "(or the database's first page is damaged)")
    return slots

