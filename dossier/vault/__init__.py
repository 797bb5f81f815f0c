"""The vault, the front door of the library: Vault, its key slots, the audit chain and mirror, the ledger."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from dossier import clock, crypto, paths
from dossier.errors import Refused, RollbackDetected, VaultDamaged, VaultExists, WrongPassphrase
from dossier.format.ids import new_id
from dossier.store import DatabaseError, connect
from dossier.store.blobs import BlobStore, blob_ids
from dossier.store.migrations import SCHEMA_VERSION, migrate, schema_version
from dossier.vault import audit, keyslots
from dossier.vault.audit import AuditEntry
from dossier.vault.keyslots import BLOBS_NAME, DB_NAME, LOCK_NAME, NEXT, SLOTS_NAME
from dossier.vault.passphrase import check_passphrase_strength

# cipher_memory_security makes SQLCipher wipe every allocation it frees. Measured with
# benchmarks/bench_vault.py (docs/security.md, "Measured costs"): it makes import about 15x
# and a common-word search about 6x slower, while the same plaintext also lives in Python
# objects that nothing can wipe. Off, until the decrypted data has no other copies in memory.
MEMORY_SECURITY = False

__all__ = ["Vault", "AuditEntry", "check_new_location", "check_passphrase_strength", "MEMORY_SECURITY",
           "DB_NAME", "SLOTS_NAME", "BLOBS_NAME", "LOCK_NAME"]


AUTH_KEY = "auth_key"


def _derived_auth_key(master: bytes) -> bytes:
    """The auth key of a vault that has none yet: one-way from the master key it has now (a
    vault and its backups from before the auth key all hold the same master key)."""
    return crypto.mac(master, b"", b"dossier-auth")


def check_new_location(path: Path) -> None:
    """Refuse to create a vault where one exists, on a file, or in a folder holding other things."""
    if (path / DB_NAME).exists() or (path / SLOTS_NAME).exists():
        raise VaultExists(f"{path}: a vault exists here already", "use --vault to choose another folder")
    paths.check_new_folder(path, "a vault needs a folder of its own", "use --vault to choose a new or empty folder")


class Vault:
    """An unlocked vault: one folder holding the SQLCipher database, its key-slot file and the
    encrypted attachment files. Use as a context manager, or call :meth:`close`.

    ``Vault.create`` makes a vault and returns its one-time recovery key; ``Vault.open`` unlocks
    it with the passphrase, ``Vault.open_with_recovery`` with the recovery key. Every unlock,
    change, export and disclosure is appended to the audit chain (vault/audit.py), whose head is
    mirrored outside the vault folder so that an old copy of the vault or a stale WAL cannot pass
    unnoticed (TB 2.13-2.15, CSR 6.2, 6.6: confidentiality, security and integrity of the
    records). The key slots are in vault/keyslots.py, the passphrase rules in
    vault/passphrase.py, the ledger of destroyed clients in vault/ledger.py.
    """

    def __init__(self, path: Path, db, slots: dict, data_key: bytes | None):
        self.path = path
        self.encrypted = True  # False only for forensic tests (test_unencrypted)
        self._use(db)
        self.slots = slots
        self._data_key = data_key  # the master key the slots hold; see db_key()
        self._unlocker = keyslots.Unlocker.masters([data_key] if data_key else [])
        self.vault_id = slots["vault_id"]
        self.rollback: str | None = None
        self.mirrored = True  # False for a backup opened to be rewritten: it has no mirror of its own
        self.unlogged: str | None = None  # why this unlock could not be logged (a full disk), if so
        self.mirror_problem: str | None = None  # why the rollback mirror could not be written, if so

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
        data_key = crypto.random_key()  # the master key, which every slot unwraps
        db_key = crypto.random_key()  # never the master key: a destruction replaces it (CSR 5.4)
        recovery = crypto.new_recovery_key()
        vault_id = new_id()
        seeds: dict = {}
        # SQLite would create the file 0644; create it 0600 first (its WAL and SHM inherit the mode).
        paths.write_private_file(path / DB_NAME, b"")
        db = connect(path / DB_NAME, None if test_unencrypted else db_key, memory_security=MEMORY_SECURITY,
                     test_unencrypted=test_unencrypted)
        try:
            migrate(db, upto=schema_upto)
            with db.write():
                db.execute("INSERT INTO meta(key, value) VALUES ('vault_id', ?)", (vault_id,))
                db.execute("INSERT INTO meta(key, value) VALUES ('created', ?)", (clock.now(),))
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            slots = {
                "format": keyslots.SLOTS_FORMAT_3,
                "vault_id": vault_id,
                "db_salt": crypto.b64(keyslots.first_bytes(path / DB_NAME)),
                "db_key": crypto.b64(crypto.wrap(data_key, db_key)),
                "slots": [
                    keyslots.passphrase_slot(passphrase, data_key, kdf, seeds),
                    keyslots.recovery_slot(crypto.parse_recovery_key(recovery), data_key),
                ],
            }
            slots = keyslots.stamp(slots, data_key)
            keyslots.write(path, slots, new=True)
        except BaseException:
            db.close()
            keyslots.remove_half_made(path, created_folder)  # nothing half-done stays behind
            raise
        vault = cls(path, db, slots, data_key)
        vault.encrypted = not test_unencrypted
        vault._unlocker = keyslots.Unlocker("passphrase", seeds)
        vault._check_mirror()
        with vault.write():
            vault._ensure_auth_key()
            vault.log("vault.init", detail=f"schema {schema_upto}")
        return vault, recovery

    @classmethod
    def open(cls, path: Path, passphrase: str, *, test_unencrypted: bool = False, mirrored: bool = True) -> "Vault":
        """Unlock with the passphrase. Wrong passphrase: WrongPassphrase; damage: VaultDamaged.
        ``mirrored=False`` skips the rollback mirror (a restore, before the copy is a vault of its own)."""
        return cls._open_with(Path(path), "passphrase", passphrase, "unlock", test_unencrypted, mirrored)

    @classmethod
    def open_with_recovery(cls, path: Path, recovery_key: str, *, test_unencrypted: bool = False) -> "Vault":
        """Unlock with the recovery key printed at ``init``."""
        return cls._open_with(Path(path), "recovery", crypto.parse_recovery_key(recovery_key), "unlock.recovery",
                              test_unencrypted)

    @classmethod
    def open_with_successor(cls, path: Path, secret: bytes) -> "Vault":
        """Unlock with the secret that K successor shares put back together (TB 2.28)."""
        return cls._open_with(Path(path), "successor", secret, "unlock.successor", False)

    @classmethod
    def open_with_master(cls, path: Path, master_key: bytes | list[bytes], *, mirrored: bool = False,
                         test_unencrypted: bool = False) -> "Vault":
        """Open a vault folder whose slots hold ``master_key`` (or one of a list: a backup of
        this vault, made before its master key changed), without a passphrase; no mirror is
        checked or kept unless ``mirrored``."""
        path = Path(path)
        masters = master_key if isinstance(master_key, list) else [master_key]
        return cls._unlocked(path, keyslots.read_slots(path), keyslots.Unlocker.masters(masters), "unlock.master",
                             test_unencrypted, mirrored)

    @classmethod
    def _open_with(cls, path: Path, kind: str, secret, action: str, test_unencrypted: bool,
                   mirrored: bool = True) -> "Vault":
        slots = keyslots.read_slots(path)
        return cls._unlocked(path, slots, keyslots.Unlocker.secret(slots, kind, secret), action, test_unencrypted,
                             mirrored)

    @classmethod
    def _unlocked(cls, path: Path, slots: dict, unlocker: keyslots.Unlocker, action: str, test_unencrypted: bool,
                  mirror: bool = True) -> "Vault":
        data_key = unlocker.master(slots)
        keyslots.check_mac(path, slots, data_key)
        if (path / (SLOTS_NAME + NEXT)).exists():
            slots, data_key = cls._settle_rotation(path, slots, data_key, unlocker, test_unencrypted)
            keyslots.check_mac(path, slots, data_key)
        db = connect(path / DB_NAME, None if test_unencrypted else keyslots.db_key(slots, data_key),
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
        vault._unlocker = unlocker
        vault.encrypted = not test_unencrypted
        vault.mirrored = mirror
        try:
            vault._check_mirror()
            vault.unlogged = db.read_only
            # A rolled-back vault is not written to at all, not even by a migration.
            ran = migrate(db) if vault.rollback is None and not db.read_only else []
            if vault.rollback is None and not db.read_only:
                try:
                    with vault.write():
                        vault._upgrade_slot()
                        vault._ensure_auth_key()
                        if ran:
                            vault.log("vault.migrate", detail=f"schema {ran[0] - 1} -> {ran[-1]}")
                        vault.log(action)
                except DatabaseError as e:
                    if "full" not in str(e) and "readonly" not in str(e):
                        raise
                    # A full disk: reading (and verify) still work; this unlock is not in the log.
                    vault.unlogged = "the disk is full" if "full" in str(e) else "the vault folder is read-only"
        except BaseException:
            vault.close()
            raise
        return vault

    def _upgrade_slot(self) -> None:
        """The slot just opened, when an older dossier wrapped it: sealed now (format /3), so
        that a key rotation can give it the new master key (inside the unlock's write)."""
        upgraded = self._unlocker.upgraded(self.slots, self._data_key)
        if upgraded is None or not self.mirrored:
            return
        slots = keyslots.stamp(upgraded, self._data_key)
        # A read-only folder, or another process changed the file meanwhile: upgraded at a later unlock.
        with contextlib.suppress(OSError, Refused):
            keyslots.write(self.path, slots)
            self.slots = slots
            self.log("keyslots.upgrade", detail=f"{self._unlocker.kind} slot sealed (format /3)")

    @staticmethod
    def _settle_rotation(path: Path, slots: dict, master: bytes, unlocker: keyslots.Unlocker,
                         test_unencrypted: bool) -> tuple[dict, bytes]:
        """A slot file change that a crash interrupted (``keyslots.json.next`` is left): if the
        database still opens with the current slot file's key, the change never happened and
        the next file goes; if it opens only with the next file's key, the database was
        re-encrypted and the next file becomes the slot file. Returns the slots in force and
        their master key."""
        next_file = path / (SLOTS_NAME + NEXT)
        with keyslots.rotation_lock(path):  # a rotation in another process has finished or not begun
            pending = keyslots.next_slots(path)
            if not next_file.exists():
                slots = keyslots.load_slots(path)
                return slots, unlocker.master(slots)
            if pending is not None and not test_unencrypted and pending.get("vault_id") == slots["vault_id"]:
                try:
                    connect(path / DB_NAME, keyslots.db_key(slots, master)).close()
                except VaultDamaged:
                    try:
                        new_master = unlocker.master(pending)
                        connect(path / DB_NAME, keyslots.db_key(pending, new_master)).close()
                    except (VaultDamaged, WrongPassphrase):
                        return slots, master  # neither key opens it: the open reports the damage
                    keyslots.replace_and_wipe(next_file, path / SLOTS_NAME)
                    slots = keyslots.load_slots(path)
                    return slots, unlocker.master(slots)
            next_file.unlink()
            return slots, master

    def set_successor_slot(self, secret: bytes) -> None:
        """Add (or replace) the successor slot for ``secret``; the key-slot file is rewritten
        atomically inside the current write. Removing it is :meth:`revoke_successor`."""
        kept = [sl for sl in self.slots["slots"] if sl.get("kind") != "successor"]
        kept.append(keyslots.secret_slot("successor", secret, self._data_key))
        slots = keyslots.stamp({**self.slots, "format": keyslots.SLOTS_FORMAT_3, "slots": kept}, self._data_key)
        keyslots.write(self.path, slots)
        self.slots = slots

    def revoke_successor(self) -> list[str]:
        """Remove the successor slot and replace the master key and the database key (outside a
        transaction), so that what the shares opened before (the old master key, the old
        database key) opens nothing that is on disk now (TB 2.28)."""
        return self.rekey(drop=frozenset({"successor"}))

    @property
    def master_key(self) -> bytes:
        """The key the slots hold; it wraps the database key (and a backup's). It changes at
        every destruction (:meth:`rekey`); ``auth_key`` does not."""
        return self._data_key

    @property
    def auth_key(self) -> bytes:
        """The key that signs what the vault leaves outside itself (the ledger beside the mirror
        and in backup manifests): kept in the database, so that it stays the same when the
        master key changes, and every backup holds it too."""
        row = self.db.one("SELECT value FROM meta WHERE key = ?", (AUTH_KEY,))
        return crypto.unb64(row[0]) if row else _derived_auth_key(self._data_key)

    @property
    def auth_keys(self) -> list[bytes]:
        """The keys a signature is checked against: the auth key, and the master key (a ledger
        signed by a dossier from before the auth key existed)."""
        return [self.auth_key, self._data_key]

    def _ensure_auth_key(self) -> None:
        if self.db.one("SELECT 1 FROM meta WHERE key = ?", (AUTH_KEY,)) is None:
            self.db.set_meta(AUTH_KEY, crypto.b64(_derived_auth_key(self._data_key)))

    def slots_for(self, db_file: Path, db_key: bytes) -> dict:
        """Key slots for another database file of this vault (a backup, or the next key):
        the same passphrase and recovery slots, with ``db_key`` wrapped under the master key."""
        return keyslots.stamp({**self.slots, "db_salt": crypto.b64(keyslots.first_bytes(db_file)),
                               "db_key": crypto.b64(crypto.wrap(self._data_key, db_key))}, self._data_key)

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

    def rekey(self, master: bytes | None = None, *, drop: frozenset = frozenset(),
              slots_from: dict | None = None) -> list[str]:
        """Replace the database key and the master key (after a destruction, CSR 5.4; NIST SP
        800-88's cryptographic erase): every page of the database, free pages included, is
        re-encrypted under a new random key, in place (``PRAGMA rekey``) and inside one write
        transaction, so that another process's write lands before it or waits and lands after
        it, in the same file (the other process reconnects with the new keys: Database.reopen,
        :class:`keyslots.Unlocker`). The new master key (``master``, else a random one) is
        sealed anew into every slot without their secrets; the slots of the kinds in ``drop``
        go, and so do old wrapped slots that cannot be resealed (a recovery key or successor
        access from before format /3), except a wrapped passphrase slot: then the master key
        stays. ``slots_from`` gives the slots to use (a backup copy takes the live vault's).
        The old slot file is overwritten where it lay. Crash-safe: the next slot file is
        written before the database changes, and :meth:`_settle_rotation` keeps whichever of the
        two opens the database. Returns the kinds of the slots that were dropped."""
        if self.db.in_transaction():
            raise RuntimeError("rekey inside a transaction")
        self.db.checkpoint()  # the WAL's frames under the old key go before the rekey
        self.db.begin()  # other writers wait here (the busy timeout); after another's rotation: its keys
        key = crypto.random_key()
        new_master = master or crypto.random_key()
        base = slots_from or self.slots
        kept, dropped = keyslots.resealed(base, new_master, drop)
        if "passphrase" in dropped and "passphrase" not in drop:  # (a vault that was never opened by passphrase)
            new_master, kept = self._data_key, [s for s in base["slots"] if s.get("kind") not in drop]
            dropped = [d for d in dropped if d in drop]
        slots = keyslots.stamp({**self.slots, "format": keyslots.SLOTS_FORMAT_3, "slots": kept,
                                "db_key": crypto.b64(crypto.wrap(new_master, key))}, new_master)
        next_file, committed = None, False
        try:
            with keyslots.rotation_lock(self.path):  # and opens in other processes wait
                keyslots.check_unchanged(self.path, slots)
                next_file = keyslots.write_next(self.path, slots)
                try:
                    if self.encrypted:
                        self.db.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
                    self.db.execute("COMMIT")  # (in a transaction, the pages are re-encrypted here)
                except (DatabaseError, MemoryError):  # SQLCipher says NOMEM for a page that fails its MAC
                    raise VaultDamaged(f"{self.path.name}: the database is damaged (a page fails its check); "
                                       "it was not re-encrypted", "run 'dossier verify'") from None
                committed = True
                keyslots.replace_and_wipe(next_file, self.path / SLOTS_NAME)
        except BaseException:
            if committed:  # the database has the new key; the next slot file stays for the next open
                self._rotated(slots, new_master)
                raise
            with contextlib.suppress(DatabaseError, MemoryError):
                self.db.execute("ROLLBACK")
            if next_file is not None:
                next_file.unlink(missing_ok=True)
            self.db.close()  # the connection may hold the new key half-set: start again with the old one
            self._use(connect(self.path / DB_NAME, keyslots.db_key(self.slots, self._data_key) if self.encrypted
                              else None, memory_security=MEMORY_SECURITY, test_unencrypted=not self.encrypted))
            raise
        self._rotated(slots, new_master)
        self.db.checkpoint()
        return dropped

    def _rotated(self, slots: dict, master: bytes) -> None:
        self.slots, self._data_key = slots, master
        if self._unlocker.kind is None:  # opened with a master key (a backup copy): now this one
            self._unlocker = keyslots.Unlocker.masters([master])

    def _reopen(self):
        """A new connection to the database, with the keys in the slot file as it is now (another
        process re-encrypted it and gave the slots a new master key: Vault.rekey)."""
        slots = keyslots.read_slots(self.path)
        if slots.get("vault_id") != self.vault_id:
            raise VaultDamaged(f"{self.path}: the key-slot file now belongs to another vault")
        master = self._unlocker.master(slots)
        keyslots.check_mac(self.path, slots, master)
        conn = connect(self.path / DB_NAME, keyslots.db_key(slots, master) if self.encrypted else None,
                       memory_security=MEMORY_SECURITY, test_unencrypted=not self.encrypted)
        self.slots, self._data_key = slots, master
        return conn.conn

    def _use(self, db) -> None:
        """Work on this database connection, with the vault's attachment files beside it."""
        self.db = db
        self.db.blobs = BlobStore(self.path / BLOBS_NAME)
        self.db.reopen = self._reopen

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
        vault_id = new_id()
        slots = keyslots.stamp({**self.slots, "vault_id": vault_id}, self._data_key)
        with self.db.write():
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'vault_id'", (vault_id,))
            keyslots.write(self.path, slots)
        self.slots, self.vault_id = slots, vault_id
        return vault_id

    def close(self) -> None:
        self._data_key = None
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- passphrase and recovery key -------------------------------------------------------

    def change_passphrase(self, new_passphrase: str, kdf: crypto.KdfParams | None = None, *,
                          check_strength: bool = True, names: tuple[str, ...] = ()) -> None:
        """Reseal the master key under a new passphrase; the data is not re-encrypted. ``names``
        (the coach's, the practice's) count as guessable words (vault/passphrase.py)."""
        if check_strength:
            check_passphrase_strength(new_passphrase, tuple(names))
        kdf = kdf or keyslots.kdf_of(keyslots.slot(self.slots, "passphrase"))
        slots = dict(self.slots)
        seeds: dict = {}
        slots["slots"] = [keyslots.passphrase_slot(new_passphrase, self._data_key, kdf, seeds)
                          if s["kind"] == "passphrase" else s for s in self.slots["slots"]]
        slots = keyslots.stamp({**slots, "format": keyslots.SLOTS_FORMAT_3}, self._data_key)
        self._unlocker = keyslots.Unlocker("passphrase", seeds)
        if self.rollback is not None:
            # A rolled-back vault refuses writes, but a coach who forgot the passphrase must
            # still get in to confirm or reject the rollback: the key slot is outside the database.
            keyslots.write(self.path, slots)
            self.slots = slots
            return
        with self.write():
            keyslots.write(self.path, slots)
            self.slots = slots
            self.log("passphrase.change")

    def new_recovery_key(self) -> str:
        """Replace the recovery slot by one for a new recovery key, which is returned (shown
        once); the old recovery key stops opening the vault (logged)."""
        recovery = crypto.new_recovery_key()
        kept = [s for s in self.slots["slots"] if s.get("kind") != "recovery"]
        kept.insert(1, keyslots.recovery_slot(crypto.parse_recovery_key(recovery), self._data_key))
        slots = keyslots.stamp({**self.slots, "format": keyslots.SLOTS_FORMAT_3, "slots": kept}, self._data_key)
        with self.write():
            keyslots.write(self.path, slots)
            self.slots = slots
            self.log("recovery.new")
        return recovery

    # -- audit chain and rollback guard ------------------------------------------------------

    def refuse_if_rolled_back(self) -> None:
        """RollbackDetected while the vault is older than its mirror (every write is refused then)."""
        if self.rollback is not None:
            raise RollbackDetected(self.rollback, "check your backups, then run 'dossier verify --accept-rollback'")

    @contextlib.contextmanager
    def write(self):
        """A write transaction; refused while the vault is older than its mirror. The mirror
        follows only the commit of the outermost one: an inner write's entries are not
        committed until the outer one is, and may still be rolled back with it."""
        self.refuse_if_rolled_back()
        outermost = not self.db.in_transaction()
        with self.db.write():
            yield self.db
        if outermost:
            self._update_mirror()

    def log(self, action: str, client_id: str | None = None, detail: str = "") -> AuditEntry:
        """Append an audit entry (inside the current write). Never pass content in ``detail``."""
        return audit.append(self.db, action, client_id, detail)

    def head(self) -> tuple[int, str]:
        return audit.head(self.db)

    def audit_entries(self, client_id: str | None = None) -> list[AuditEntry]:
        return audit.entries(self.db, client_id)

    def verify_audit(self) -> list[str]:
        """Problems in the chain (empty when every entry links to the one before it)."""
        return audit.verify_chain(self.db)

    def _check_mirror(self) -> None:
        if not self.mirrored:
            return
        if audit.read_mirror(self.vault_id) is None:
            self._update_mirror()
            return
        self.rollback = audit.rollback_of(self.db, self.vault_id, keyslots.generation(self.slots))

    def _update_mirror(self) -> None:
        """Mirror the head after a commit. The change is saved whatever happens here: a mirror
        folder that cannot be written (read-only, not a folder) only weakens the rollback guard
        until it can, and ``mirror_problem`` says so (the CLI warns) instead of an error that
        would suggest nothing was saved."""
        if not self.mirrored:
            return
        try:
            audit.write_mirror(self.db, self.vault_id, self.path, slots_generation=keyslots.generation(self.slots))
            self.mirror_problem = None
        except OSError as e:
            self.mirror_problem = (f"the rollback mirror in {audit.mirror_path(self.vault_id).parent} cannot be "
                                   f"written ({e.strerror or type(e).__name__}); your change was saved, but a "
                                   "later rollback of the vault may go unnoticed until it can")

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
        audit.write_mirror(self.db, self.vault_id, self.path, only_forward=False,
                           slots_generation=keyslots.generation(self.slots))
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

    def leftovers(self) -> list[str]:
        """Attachment files that no row refers to (left by an import or a handover import that
        was refused or killed): encrypted under keys that are gone, harmless, but not wanted."""
        return self.db.blobs.orphans(blob_ids(self.db))

    def sweep_leftovers(self) -> list[str]:
        """Erase the leftovers older than an hour (a younger one may be a write under way in
        another process); returns their ids."""
        return self.db.blobs.sweep(blob_ids(self.db))

    def schema_version(self) -> int:
        return schema_version(self.db)
