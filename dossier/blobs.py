"""Attachment files, each encrypted under its own random key, beside the database.

A blob is the file ``blobs/<attachment id>`` (0600, folder 0700): a version byte followed by
an XSalsa20-Poly1305 SecretBox (nonce and MAC included) of the content. Its key lives only
in the encrypted database (``attachments.blob_key``). Destroying a client deletes the row,
and with it the only copy of the key, then overwrites and removes the file: a large
attachment is gone without rewriting the database (CSR 5.4; the 15-second target of the
destruction issue). A file whose row was never committed (a failed import) is an orphan,
readable by nobody, and is removed by :meth:`BlobStore.sweep`.
"""

from __future__ import annotations

import contextlib
import os
import re
from pathlib import Path

from dossier import crypto, paths
from dossier.errors import VaultDamaged, WrongPassphrase

VERSION = b"\x01"
_NAME = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class BlobStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, blob_id: str) -> Path:
        if not _NAME.fullmatch(blob_id):
            raise ValueError("a blob id is an attachment id (a UUID)")
        return self.folder / blob_id

    def put(self, blob_id: str, content: bytes) -> bytes:
        """Encrypt ``content`` into the blob ``blob_id`` under a new key; returns the key."""
        key = crypto.random_key()
        paths.make_private_dir(self.folder)
        path = self._path(blob_id)
        paths.write_private_file(path, VERSION + crypto.wrap(key, content), overwrite=True)
        paths.fsync(path)
        return key

    def get(self, blob_id: str, key: bytes) -> bytes:
        path = self._path(blob_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise VaultDamaged(f"the file of attachment {blob_id} is missing from {self.folder}",
                               "restore the vault from a backup") from None
        if data[:1] != VERSION:
            raise VaultDamaged(f"the file of attachment {blob_id} is damaged")
        try:
            return crypto.unwrap(key, data[1:], "attachment key")
        except WrongPassphrase:
            raise VaultDamaged(f"the file of attachment {blob_id} is damaged or was replaced") from None

    def erase(self, blob_id: str) -> bool:
        """Overwrite the blob with zeros, then remove it; False when there was none."""
        path = self._path(blob_id)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        with contextlib.suppress(OSError), open(path, "r+b") as fh:
            fh.write(b"\0" * size)
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
        return True

    def ids(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {p.name for p in self.folder.iterdir() if _NAME.fullmatch(p.name)}

    def sweep(self, referenced: set[str]) -> list[str]:
        """Erase every blob that no row refers to (left by a write that was rolled back)."""
        orphans = sorted(self.ids() - referenced)
        for blob_id in orphans:
            self.erase(blob_id)
        return orphans
