"""Text the coach typed that could not be saved (the vault refused the write, the disk was
full, the vault's keys changed meanwhile): kept encrypted in the vault folder until
``session add CLIENT --resume`` saves it, never silently dropped (TB 2.13-2.15: nothing of the
dossier in plaintext on disk).

A draft is ``drafts/session-<first 8 of the client id>-<UTC time>.draft`` (0600): base64 of a
SecretBox (nonce ‖ tag ‖ ciphertext) of the JSON {client_id, date, duration_min, notes,
findings} under a key derived from the vault's auth key (crypto.seal_json), which a key
rotation leaves as it is. A destruction erases the client's drafts with the rest.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from dossier import clock, crypto, paths
from dossier.errors import DossierError, FileProblem, NotFound, VaultDamaged
from dossier.records import sessions

FOLDER = "drafts"


PURPOSE = b"dossier-drafts"


def keep(vault_path: Path, auth_key: bytes, client_id: str, record: dict) -> Path:
    """Write a draft (0600, synced); returns its path. OSError when the disk refuses it too."""
    folder = paths.make_private_dir(Path(vault_path) / FOLDER)
    name = f"session-{client_id[:8]}-{clock.utc_now().strftime('%Y%m%dT%H%M%S%f')}.draft"
    paths.write_private_file(folder / name, crypto.seal_json(auth_key, PURPOSE, {**record, "client_id": client_id})
                             .encode("ascii"))
    paths.fsync(folder / name)
    return folder / name


def save_session(vault, client_id: str, record: dict, keep: bool, resumed: Path | None = None) -> str:
    """Record the session ``record`` ({date, duration_min, notes, findings}); returns its id.
    When that fails and ``keep`` (the coach typed the text), the text is kept here and the error
    says how to get it back; a ``resumed`` draft goes once its session is saved."""
    auth = vault.auth_key  # (read first: the failure may be the database's)
    try:
        sid = sessions.add_session(vault, client_id, record["date"], record["duration_min"], record["notes"],
                          record["findings"])
    except Exception as e:
        if not keep:
            raise
        raise _kept(vault.path, auth, client_id, record, e) from None
    if resumed is not None:
        discard(resumed)
    return sid


def _kept(vault_path: Path, auth: bytes, client_id: str, record: dict, e: Exception) -> DossierError:
    """The error to show when a session the coach typed could not be saved: the text is kept
    (encrypted in the vault folder) and the message says how to get it back."""
    why = str(e) if isinstance(e, DossierError) else (getattr(e, "strerror", None) or type(e).__name__)
    try:
        keep(vault_path, auth, client_id, record)
    except OSError as again:
        return FileProblem(f"the session could not be saved ({why}), and keeping your text failed too "
                           f"({again.strerror or type(again).__name__})",
                           "nothing was saved; your text is still in the editor's file only if the editor kept a "
                           "backup of its own")
    hint = (f"your text is kept, encrypted in the vault folder; when the problem is solved: "
            f"dossier session add {client_id[:8]} --resume")
    if isinstance(e, DossierError):
        e.hint = hint
        return e
    return FileProblem(f"the session could not be saved ({why})", hint)


def _drafts(vault_path: Path, client_id: str) -> list[Path]:
    folder = Path(vault_path) / FOLDER
    return sorted(folder.glob(f"session-{client_id[:8]}-*.draft")) if folder.is_dir() else []


def latest(vault_path: Path, auth_key: bytes, client_id: str) -> tuple[Path, dict]:
    """The newest draft of this client, opened; NotFound when there is none."""
    for path in reversed(_drafts(vault_path, client_id)):
        record = _open(path, auth_key)
        if not isinstance(record, dict):
            raise VaultDamaged(f"{path}: a kept draft cannot be read (damaged, or from another vault)")
        if record.get("client_id") == client_id:
            return path, record
    raise NotFound("there is no kept text for this client", "a draft is kept only when saving failed")


def _open(path: Path, auth_key: bytes):
    try:
        return crypto.open_json([auth_key], PURPOSE, path.read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None


def discard(path: Path) -> None:
    """Overwrite a draft where it lies, then remove it."""
    with contextlib.suppress(OSError), open(path, "r+b") as fh:
        paths.overwrite(fh)
    Path(path).unlink(missing_ok=True)


def erase_for(vault_path: Path, auth_key: bytes, client_ids: list[str]) -> int:
    """Erase every draft of these clients (a destruction), and any draft of the same name
    prefix that cannot be read; returns how many went."""
    gone = 0
    for cid in client_ids:
        for path in _drafts(vault_path, cid):
            record = _open(path, auth_key)
            if not isinstance(record, dict) or record.get("client_id") in client_ids:
                discard(path)
                gone += 1
    return gone
