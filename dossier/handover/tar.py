"""A strict subset of POSIX ustar, written as a stream and read by pushing bytes in.

Bundles hold only regular files with short, fixed names, so both sides need very little of
tar, and the reader refuses everything else: links, folders, devices, pax and GNU
extensions, the prefix field, absolute names, ``..``, a bad header checksum, and anything but
zero blocks after the end marker. Nothing here writes a file: the reader hands each member's
bytes to its caller, which never uses a member's name as a path.
"""

from __future__ import annotations

import tarfile

BLOCK = 512
END = b"\0" * (2 * BLOCK)
MAX_NAME = 100


class TarError(ValueError):
    """The archive breaks the rules of a bundle; the message names the member."""


def header(name: str, size: int, mtime: int) -> bytes:
    """The 512-byte ustar header of a regular file (mode 0600, owner 0)."""
    if len(name.encode()) >= MAX_NAME or not name.isascii():
        raise ValueError(f"member name too long or not ASCII: {name!r}")
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type = size, mtime, 0o600, tarfile.REGTYPE
    info.uname = info.gname = ""
    return info.tobuf(format=tarfile.USTAR_FORMAT, encoding="ascii", errors="strict")


def padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def _octal(field: bytes, what: str) -> int:
    text = field.rstrip(b"\0 ").lstrip(b" ")
    if not text or any(c not in b"01234567" for c in text):
        raise TarError(f"a member header has a bad {what} field")
    return int(text, 8)


def parse_header(block: bytes) -> tuple[str, int]:
    """The name and size of a regular-file member, or TarError."""
    stored = _octal(block[148:156], "checksum")
    if stored != sum(block[:148]) + 8 * 32 + sum(block[156:]):
        raise TarError("a member header is damaged (checksum)")
    if block[257:263] != b"ustar\0" or block[263:265] != b"00":
        raise TarError("a member header is not POSIX ustar")
    raw = block[:100].split(b"\0", 1)[0]
    try:
        name = raw.decode("ascii")
    except UnicodeDecodeError:
        raise TarError("a member name is not ASCII") from None
    if not name or name.startswith("/") or "\\" in name or ".." in name.split("/") or not name.isprintable():
        raise TarError(f"member {name!r} has a name that is not allowed (absolute, '..' or empty)")
    kind = block[156:157]
    if kind not in (b"0", b"\0"):
        what = {b"1": "a hard link", b"2": "a symbolic link", b"5": "a folder", b"x": "a pax header",
                b"g": "a pax header", b"L": "a GNU long name", b"K": "a GNU long link"}.get(kind, "not a regular file")
        raise TarError(f"member {name!r} is {what}: a bundle holds only regular files")
    if block[345:500].strip(b"\0"):
        raise TarError(f"member {name!r} uses the ustar prefix field")
    return name, _octal(block[124:136], "size")


class Reader:
    """Feed it the archive in pieces of any size; it calls ``start(name, size)``,
    ``data(chunk)`` and ``end()`` on ``handler`` for each member, in order."""

    def __init__(self, handler):
        self.handler = handler
        self._buf = bytearray()
        self._left = 0  # bytes of the current member still to come
        self._pad = 0
        self._zero_blocks = 0

    def feed(self, data) -> None:
        data = memoryview(data)
        while data:
            if self._left:
                take = min(self._left, len(data))
                self.handler.data(bytes(data[:take]))
                self._left -= take
                data = data[take:]
                if not self._left:
                    self._end_member()
                continue
            if self._pad:
                take = min(self._pad, len(data))
                if any(data[:take]):
                    raise TarError("an archive member's padding is not zero")
                self._pad -= take
                data = data[take:]
                continue
            take = min(BLOCK - len(self._buf), len(data))
            self._buf += data[:take]
            data = data[take:]
            if len(self._buf) == BLOCK:
                block, self._buf = bytes(self._buf), bytearray()
                self._block(block)

    def _block(self, block: bytes) -> None:
        if not any(block):
            self._zero_blocks += 1
            return
        if self._zero_blocks:
            raise TarError("data after the end of the archive")
        name, size = parse_header(block)
        self.handler.start(name, size)
        self._left, self._pad = size, -size % BLOCK
        if size == 0:
            self._end_member()

    def _end_member(self) -> None:
        self.handler.end()

    def close(self) -> None:
        """The archive is complete: the end marker (two zero blocks) was read, and nothing is cut off."""
        if self._left or self._pad or self._buf or self._zero_blocks < 2:
            raise TarError("the archive is cut off (no end marker)")
