"""The audit chain inside the vault and its mirror outside it (TB 2.13-2.15, CSR 6.2, 6.6).

Every unlock, change, export and disclosure appends an entry: time, action, client id, a
detail that never holds content, and the hash of the entry before it, so that an edit
breaks the chain (``dossier audit verify``). The chain's head and counter are mirrored in
the user's config folder, outside every vault: SQLCipher authenticates pages but not their
versions, so an old copy of the vault or a stale WAL would otherwise pass unnoticed
(design.md). A vault older than its mirror is refused for writing until the coach confirms.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from dossier import clock, paths

GENESIS = "0" * 64


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


# -- the chain ---------------------------------------------------------------------------------------

def head(db) -> tuple[int, str]:
    """The sequence number and hash of the newest entry (0 and GENESIS for none)."""
    row = db.one("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
    return (row[0], row[1]) if row else (0, GENESIS)


def append(db, action: str, client_id: str | None = None, detail: str = "") -> AuditEntry:
    """Append an entry (inside the caller's write). Never pass content in ``detail``."""
    seq, prev = head(db)
    seq += 1
    at = clock.now()
    digest = audit_hash(prev, seq, at, action, client_id, detail)
    db.execute("INSERT INTO audit(seq, at, action, client_id, detail, prev, hash) VALUES (?,?,?,?,?,?,?)",
               (seq, at, action, client_id, detail, prev, digest))
    return AuditEntry(seq, at, action, client_id, detail, prev, digest)


def entries(db, client_id: str | None = None) -> list[AuditEntry]:
    sql = "SELECT seq, at, action, client_id, detail, prev, hash FROM audit"
    rows = db.all(sql + (" WHERE client_id = ? ORDER BY seq" if client_id else " ORDER BY seq"),
                  (client_id,) if client_id else ())
    return [AuditEntry(*r) for r in rows]


def verify_chain(db) -> list[str]:
    """Problems in the chain (empty when every entry links to the one before it)."""
    problems, prev, expected = [], GENESIS, 1
    for e in entries(db):
        if e.seq != expected:
            problems.append(f"audit entry {expected} is missing (next is {e.seq})")
        if e.prev != prev:
            problems.append(f"audit entry {e.seq} does not link to the entry before it")
        if audit_hash(e.prev, e.seq, e.at, e.action, e.client_id, e.detail) != e.hash:
            problems.append(f"audit entry {e.seq} was changed after it was written")
        prev, expected = e.hash, e.seq + 1
    return problems


# -- the mirror outside the vault ---------------------------------------------------------------------

def mirror_path(vault_id: str) -> Path:
    return paths.mirror_dir() / f"{vault_id}.json"


def read_mirror(vault_id: str) -> dict | None:
    """The mirrored head (None when there is none yet; ``damaged`` when it cannot be read)."""
    try:
        mirror = json.loads(mirror_path(vault_id).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {"seq": -1, "head": "", "damaged": True}
    # Valid JSON of another shape ({"seq": 1}, [1, 2, 3]) is as damaged as unreadable bytes.
    if (not isinstance(mirror, dict) or type(mirror.get("seq")) is not int or mirror["seq"] < 0
            or not isinstance(mirror.get("head"), str) or type(mirror.get("slots_generation", 0)) is not int):
        return {"seq": -1, "head": "", "damaged": True}
    return mirror


def rollback_of(db, vault_id: str, slots_generation: int = 0) -> str | None:
    """Why the database is older than (or differs from) its mirror, or None when it is not.
    A vault without a mirror yet gets one."""
    # Read the mirror before the database: the mirror is written only after a commit,
    # so the database read next is at least as new as any mirror we can see.
    mirror = read_mirror(vault_id)
    seq, _ = head(db)
    if mirror is None:
        return None
    if mirror.get("damaged"):
        return f"the mirror of this vault's audit head ({mirror_path(vault_id)}) is unreadable"
    m_seq, m_head = mirror["seq"], mirror["head"]
    if slots_generation < mirror.get("slots_generation", 0):
        return (f"this vault's key-slot file is OLDER than its last known state: generation {slots_generation} "
                f"found, {mirror['slots_generation']} expected. An old copy of keyslots.json was put back")
    if m_seq > seq:
        return (f"this vault is OLDER than its last known state: audit entry {seq} found, "
                f"{m_seq} expected. It was restored from an old copy or an old WAL file, "
                f"and changes made since may have been undone")
    row = db.one("SELECT hash FROM audit WHERE seq = ?", (m_seq,)) if m_seq else None
    if m_seq and (row is None or row[0] != m_head):
        return (f"this vault's history differs from its last known state at audit entry {m_seq}: "
                f"it was replaced by another copy")
    # A stale WAL replayed over a newer file can give back old pages of the log beside new ones:
    # the head then matches while entries in between are gone.
    count, last = db.one("SELECT count(*), coalesce(max(seq), 0) FROM audit")  # one snapshot: others write
    if count != last:
        return (f"this vault's audit log has {count} entries up to entry {last}: pages of an older state "
                f"(a stale WAL file) were mixed in, and changes made since may have been undone")
    return None


def write_mirror(db, vault_id: str, vault_path: Path, only_forward: bool = True, slots_generation: int = 0) -> None:
    """Mirror the database's head and the key-slot file's generation; with ``only_forward`` a
    mirror that is as new is left alone."""
    seq, digest = head(db)
    mirror = read_mirror(vault_id)
    if only_forward and mirror and not mirror.get("damaged"):
        if mirror["seq"] >= seq and mirror.get("slots_generation", 0) >= slots_generation:
            return
        slots_generation = max(slots_generation, mirror.get("slots_generation", 0))
    paths.make_private_dir(paths.mirror_dir())
    record = {"vault_id": vault_id, "vault": str(Path(vault_path).resolve()), "seq": seq, "head": digest,
              "slots_generation": slots_generation, "at": clock.now()}
    paths.replace_private_file(mirror_path(vault_id), json.dumps(record, indent=2).encode())


def forget_mirror(vault_id: str) -> None:
    """Remove a vault's mirror (a throw-away vault, such as the demo's)."""
    with contextlib.suppress(OSError):
        mirror_path(vault_id).unlink()
