"""Opening the SQLCipher database with a raw 256-bit data key, and its transactions.

Order matters (design.md): silence SQLCipher's own logging, give the key, read once (a
wrong key fails there), check the cipher, then set the pragmas. The key is never the
passphrase: it is the random data key unwrapped from a key slot.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import sqlcipher3

from dossier.errors import FileProblem, VaultDamaged

DatabaseError = sqlcipher3.DatabaseError
BUSY_TIMEOUT_S = 60  # a second dossier process waits this long for the first


class Database:
    """A connection in autocommit mode; writes go through :meth:`write` (BEGIN IMMEDIATE)."""

    def __init__(self, conn):
        self.conn = conn
        self._depth = 0
        self.read_only: str | None = None  # why this connection cannot write (a full disk), if so
        # Set by the vault: a new connection after another process re-encrypted the database
        # under a new key (Vault.rekey); this connection's key then no longer reads a page.
        self.reopen = None

    def execute(self, sql: str, params=()):
        try:
            return self.conn.execute(sql, params)
        except DatabaseError:
            if self._depth or not self._reopened():
                raise
            return self.conn.execute(sql, params)

    def _reopened(self) -> bool:
        """After a page failed to decrypt outside a transaction: reconnect when the slot file
        names another database key (another process rotated it); False when it does not."""
        if self.reopen is None or self.conn.in_transaction:
            return False
        try:
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return False  # this connection still reads: the error was not a new key
        except DatabaseError:
            pass
        conn = self.reopen()
        old, self.conn = self.conn, conn
        with contextlib.suppress(Exception):
            old.close()
        return True

    def in_transaction(self) -> bool:
        return bool(self._depth) or self.conn.in_transaction

    def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it (best effort: a reader in another
        process can make SQLite leave it for later)."""
        with contextlib.suppress(DatabaseError):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()

    def executemany(self, sql: str, rows):
        return self.conn.executemany(sql, rows)

    def one(self, sql: str, params=()):
        return self.execute(sql, params).fetchone()

    def all(self, sql: str, params=()):
        return self.execute(sql, params).fetchall()

    def set_meta(self, key: str, value: str) -> None:
        """Set one setting in the ``meta`` table (inside the caller's transaction)."""
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                          "SET value = excluded.value", (key, value))

    @contextlib.contextmanager
    def write(self):
        """One all-or-nothing transaction; nested calls join the outer one.

        BEGIN IMMEDIATE takes the write lock at the start, so two processes queue on the
        busy timeout instead of failing on a lock upgrade.
        """
        if self.read_only:
            raise FileProblem(f"{self.read_only}: nothing was changed",
                              "free some space, or make the folder writable, then run the command again")
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self.begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self.conn.execute("ROLLBACK")
            raise
        self._depth = 0
        self.conn.execute("COMMIT")

    def begin(self) -> None:
        """BEGIN IMMEDIATE, on a connection that can read the database as it is now: when
        another process re-encrypted it while this one waited, reconnect and begin again."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except DatabaseError:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if not self._reopened():
                raise
            self.conn.execute("BEGIN IMMEDIATE")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


FULL_BELOW = 1 << 20  # free bytes under which the disk counts as full (SQLite needs room for its -shm file)


def connect(path: Path, key: bytes | None, *, memory_security: bool = False, test_unencrypted: bool = False) -> Database:
    """Open (or create) the database at ``path`` with the raw data ``key``.

    ``test_unencrypted`` opens without any key, so forensic tests can grep the raw bytes of
    the files; it is a parameter of the library only, never reachable from the CLI.
    Raises VaultDamaged when the key is right (the slot unwrapped) but the file does not open.
    On a full disk or in a read-only folder, where SQLite cannot make its shared-memory file, the
    database is opened read-only as it is in its file (``read_only`` says why), when no change
    waits in its WAL.
    """
    try:
        return _connect(path, key, memory_security, test_unencrypted, immutable=False)
    except VaultDamaged:
        why = _why_read_only(path)
        if why is None:
            raise
        wal = Path(f"{path}-wal")
        if wal.exists() and wal.stat().st_size:
            raise FileProblem(f"{path.parent}: {why}, and the vault has changes that are not yet in its file: it "
                              "cannot be opened until it can be written", "free some space, or make it writable") \
                from None
        db = _connect(path, key, memory_security, test_unencrypted, immutable=True)
        db.read_only = why
        return db


def _why_read_only(path: Path) -> str | None:
    """Why SQLite cannot open the database for writing here, when that is the reason: the disk is
    full, or the folder is read-only (a read-only mount, a write-protected USB stick)."""
    if _disk_full(path):
        return "the disk is full"
    if not os.access(Path(path).parent, os.W_OK) or not os.access(path, os.W_OK):
        return "the vault folder is read-only"
    return None


def _disk_full(path: Path) -> bool:
    try:
        return shutil.disk_usage(Path(path).parent).free < FULL_BELOW
    except OSError:
        return False


def _connect(path: Path, key: bytes | None, memory_security: bool, test_unencrypted: bool,
             immutable: bool) -> Database:
    if key is None and not test_unencrypted:
        raise ValueError("a data key is required")
    if immutable:  # nothing is written, not even a lock or the -shm file
        conn = sqlcipher3.connect(f"{Path(path).resolve().as_uri()}?immutable=1", uri=True,
                                  isolation_level=None, check_same_thread=False)
    else:
        conn = sqlcipher3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            if len(key) != 32:
                raise ValueError("the data key must be 32 bytes")
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if key is not None:
            version = conn.execute("PRAGMA cipher_version").fetchone()[0]
            if not str(version).startswith("4."):
                raise VaultDamaged(f"unsupported SQLCipher version {version}: dossier needs SQLCipher 4")
            if memory_security:
                conn.execute("PRAGMA cipher_memory_security = ON")
        if immutable:
            return Database(conn)
        conn.execute("PRAGMA secure_delete = ON")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise VaultDamaged(f"{path}: cannot switch to WAL journal mode (got {mode})")
        # 64 MiB page cache: large imports build the full-text index about 20% faster (measured).
        for pragma in ("synchronous = FULL", "temp_store = MEMORY", "trusted_schema = OFF", "foreign_keys = ON",
                       "cache_size = -65536"):
            conn.execute(f"PRAGMA {pragma}")
    except DatabaseError as e:
        conn.close()
        raise VaultDamaged(f"{path.name}: the vault database is damaged ({_short(e)})",
                           "run 'dossier verify' and restore from a backup if it fails") from None
    except BaseException:
        conn.close()
        raise
    return Database(conn)


def _short(e: Exception) -> str:
    return str(e).splitlines()[0][:120] if str(e) else type(e).__name__
