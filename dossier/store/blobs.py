"""Attachment files, each encrypted under its own random key, beside the database.

A blob is the file ``blobs/<attachment id>`` (0600, folder 0700), encrypted under its own
random key, which lives only in the encrypted database (``attachments.blob_key``). Version 2
(written since handover bundles, so that a file of any size streams in constant memory) is
the byte 0x02, a 24-byte header, then the content in chunks of 1 MiB, each sealed with
libsodium's ``crypto_secretstream_xchacha20poly1305`` (17 bytes added per chunk); the last
chunk carries the FINAL tag, so a cut-off file is caught. Version 1 (0x01 and one
XSalsa20-Poly1305 SecretBox of the whole content) is still read. Destroying a client deletes
the row, and with it the only copy of the key, then overwrites and removes the file: a large
attachment is gone without rewriting the database (CSR 5.4; the 15-second target of the
destruction issue). A file whose row was never committed (a failed import) is an orphan,
readable by nobody, and is removed by :meth:`BlobStore.sweep`.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from dossier import crypto, paths
from dossier.errors import VaultDamaged, WrongPassphrase
from dossier.format.ids import UUID

VERSION = b"\x02"
_V1 = b"\x01"
CHUNK = 1 << 20


ORPHAN_GRACE_S = 3600  # an attachment file without a row this old is a leftover, not a write under way


class BlobStore:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, blob_id: str) -> Path:
        if not UUID.fullmatch(blob_id):
            raise ValueError("a blob id is an attachment id (a UUID)")
        return self.folder / blob_id

    def put(self, blob_id: str, content: bytes) -> bytes:
        """Encrypt ``content`` into the blob ``blob_id`` under a new key; returns the key."""
        writer = self.writer(blob_id)
        try:
            writer.write(content)
            return writer.finish()
        except BaseException:
            writer.abort()
            raise

    def writer(self, blob_id: str) -> "BlobWriter":
        """A new blob to push bytes into, holding at most one chunk of 1 MiB at a time."""
        paths.make_private_dir(self.folder)
        return BlobWriter(self._path(blob_id))

    def get(self, blob_id: str, key: bytes) -> bytes:
        return b"".join(self.read_stream(blob_id, key))

    def read_stream(self, blob_id: str, key: bytes):
        """The content of blob ``blob_id``, in chunks of at most 1 MiB (whole, for version 1)."""
        from nacl import bindings as b
        from nacl.exceptions import CryptoError

        path = self._path(blob_id)
        try:
            fh = open(path, "rb")
        except FileNotFoundError:
            raise VaultDamaged(f"the file of attachment {blob_id} is missing from {self.folder}",
                               "restore the vault from a backup") from None
        damaged = VaultDamaged(f"the file of attachment {blob_id} is damaged or was replaced")
        with fh:
            version = fh.read(1)
            if version == _V1:
                try:
                    yield crypto.unwrap(key, fh.read(), "attachment key")
                except WrongPassphrase:
                    raise damaged from None
                return
            if version != VERSION:
                raise VaultDamaged(f"the file of attachment {blob_id} is damaged")
            state = b.crypto_secretstream_xchacha20poly1305_state()
            try:
                b.crypto_secretstream_xchacha20poly1305_init_pull(
                    state, fh.read(b.crypto_secretstream_xchacha20poly1305_HEADERBYTES), key)
                while True:
                    sealed = fh.read(CHUNK + b.crypto_secretstream_xchacha20poly1305_ABYTES)
                    if not sealed:
                        raise damaged  # cut off before the final chunk
                    plain, tag = b.crypto_secretstream_xchacha20poly1305_pull(state, sealed)
                    if plain:
                        yield plain
                    if tag == b.crypto_secretstream_xchacha20poly1305_TAG_FINAL:
                        if fh.read(1):
                            raise damaged
                        return
            except (CryptoError, ValueError, RuntimeError):
                raise damaged from None

    def erase(self, blob_id: str) -> bool:
        """Overwrite the blob with zeros, then remove it; False when there was none."""
        path = self._path(blob_id)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            return False
        with contextlib.suppress(OSError), open(path, "r+b") as fh:
            zeros = bytes(min(size, CHUNK))  # in pieces: an attachment may be 200 MiB
            for at in range(0, size, CHUNK):
                fh.write(zeros[:min(CHUNK, size - at)])
            fh.flush()
            os.fsync(fh.fileno())
        path.unlink()
        return True

    def ids(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {p.name for p in self.folder.iterdir() if UUID.fullmatch(p.name)}

    def orphans(self, referenced: set[str], older_than: float = 0) -> list[str]:
        """The blobs no row refers to (left by a write that was rolled back or killed), of
        those at least ``older_than`` seconds old: a younger one may belong to a write under
        way in another process, whose row is not committed yet."""
        now = time.time()
        out = []
        for blob_id in sorted(self.ids() - referenced):
            with contextlib.suppress(OSError):
                if now - self._path(blob_id).stat().st_mtime >= older_than:
                    out.append(blob_id)
        return out

    def sweep(self, referenced: set[str], older_than: float = ORPHAN_GRACE_S) -> list[str]:
        """Erase every blob that no row refers to and that is older than ``older_than``."""
        orphans = self.orphans(referenced, older_than)
        for blob_id in orphans:
            self.erase(blob_id)
        return orphans


class BlobWriter:
    """Writes one version-2 blob: ``write`` the content in pieces, then ``finish`` (synced;
    returns the key), or ``seal`` and later ``close``, or ``abort`` (the partial file is
    overwritten and removed)."""

    def __init__(self, path: Path):
        from nacl import bindings as b

        self.path, self.key, self._b = path, crypto.random_key(), b
        self._state = b.crypto_secretstream_xchacha20poly1305_state()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | paths.NOFOLLOW | paths.BINARY, 0o600)
        self._fh = os.fdopen(fd, "wb")
        self._fh.write(VERSION + b.crypto_secretstream_xchacha20poly1305_init_push(self._state, self.key))
        self._pending = bytearray()

    def write(self, data) -> None:
        self._pending += data
        if len(self._pending) <= CHUNK:
            return
        done = 0
        with memoryview(self._pending) as view:  # one copy per chunk, not two
            while len(self._pending) - done > CHUNK:
                piece = bytes(view[done:done + CHUNK])
                self._fh.write(self._b.crypto_secretstream_xchacha20poly1305_push(self._state, piece))
                done += CHUNK
        del self._pending[:done]

    def seal(self) -> bytes:
        """Write the last chunk and return the key; the file is not yet synced (``close``)."""
        b = self._b
        self._fh.write(b.crypto_secretstream_xchacha20poly1305_push(
            self._state, bytes(self._pending), tag=b.crypto_secretstream_xchacha20poly1305_TAG_FINAL))
        self._pending = bytearray()
        self._fh.flush()
        return self.key

    def close(self) -> None:
        """Sync and close the sealed file."""
        os.fsync(self._fh.fileno())
        self._fh.close()

    def finish(self) -> bytes:
        key = self.seal()
        self.close()
        return key

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self._fh.close()
        BlobStore(self.path.parent).erase(self.path.name)


def blob_ids(db) -> set[str]:
    """The attachments whose content is an encrypted file in blobs/ (the rest are in the row)."""
    return {r[0] for r in db.all("SELECT id FROM attachments WHERE blob_key IS NOT NULL")}
