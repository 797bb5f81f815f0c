"""An independent forensic reader for SQLCipher 4 files, and a real ext4 image to write them on.

The forensic tests ask what an attacker who holds the disk (or a copy of the files) can read.
Grepping the raw bytes only shows that nothing is stored in the clear; to show that deleted
data is really gone, a test must look *inside* the encryption, with the key, at every page,
free pages and stale WAL frames included. SQLite's own reader cannot do that (it only shows
live rows), so this module decrypts the pages itself, with the ``cryptography`` package,
written from SQLCipher's format and never calling sqlcipher3.

The format, as SQLCipher 4 writes it with its default settings (read in
github:sqlcipher/sqlcipher, src/sqlcipher.c and src/crypto_openssl.c, version 4.9.0, and
proved against the SQLCipher of the project's sqlcipher3 by tests/test_forensics_tools.py):

* pages of 4096 bytes (``default_page_size = 4096``), each ending in an 80-byte reserve
  (``sqlcipher_codec_ctx_reserve_setup``: IV 16 + HMAC-SHA512 64, rounded up to the AES block,
  which 80 already is): ``IV ‖ HMAC``;
* page 1 starts with the database's 16-byte random salt (``FILE_HEADER_SZ``) in the clear, in
  place of the first 16 bytes of SQLite's header ("SQLite format 3\\0"); its encrypted area is
  bytes 16..4016, that of every other page bytes 0..4016 (``sqlite3Codec``: ``offset =
  FILE_HEADER_SZ`` for page 1, ``sqlcipher_page_cipher`` with ``page_sz - offset``). On reading
  SQLCipher copies ``SQLITE_FILE_HEADER`` back in front of the decrypted page 1;
* AES-256-CBC without padding over the encrypted area, with the IV from the page's reserve
  (``crypto_openssl.c``: ``EVP_aes_256_cbc``, ``EVP_CIPHER_CTX_set_padding(ectx, 0)``);
* HMAC-SHA512 over ``encrypted area ‖ IV ‖ page number as 4 bytes little-endian``
  (``sqlcipher_page_hmac``; ``DEFAULT_CIPHER_FLAGS = CIPHER_FLAG_HMAC | CIPHER_FLAG_LE_PGNO``),
  page numbers counted from 1 as SQLite counts them;
* with a raw key (``PRAGMA key = "x'<64 hex>'"``, as dossier opens its databases) the 32 bytes
  are the AES key as they are (``sqlcipher_cipher_ctx_key_derive``, "option 1 - raw key
  consisting of only the encryption key"), and the HMAC key is PBKDF2-HMAC-SHA512 of the AES
  key with the salt XOR 0x3a, 2 iterations, 32 bytes (``HMAC_SALT_MASK 0x3a``,
  ``FAST_PBKDF2_ITER 2``).

A WAL file holds the same encrypted pages: a 32-byte header (magic 0x377f0682 or 0x377f0683,
page size at offset 8, big-endian), then frames of a 24-byte header (page number at offset 0,
big-endian) and one encrypted page, encrypted for that page number (a WAL copy of page 1 also
starts with the salt).

The second part of the module, :func:`ext4_image`, makes a real ext4 file system in an image
file on a loop device, so a test can write a vault onto it and read back every block of the
"disk" with :func:`read_image`; :func:`scan_raw` then decrypts whatever it can find there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import time
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.hmac import HMAC
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

PAGE_SIZE = 4096  # SQLCipher 4's default cipher_page_size (and so SQLite's page size)
SALT_SIZE = 16  # FILE_HEADER_SZ: the clear salt at the start of page 1
IV_SIZE = 16  # AES block
HMAC_SIZE = 64  # HMAC-SHA512
RESERVE_SIZE = IV_SIZE + HMAC_SIZE  # 80, already a multiple of the AES block
USABLE_SIZE = PAGE_SIZE - RESERVE_SIZE  # 4016: the end of every page's encrypted area
HMAC_SALT_MASK = 0x3A
FAST_KDF_ITER = 2
SQLITE_HEADER = b"SQLite format 3\x00"  # SQLITE_FILE_HEADER, 16 bytes with its NUL

WAL_MAGICS = (0x377F0682, 0x377F0683)  # the low bit names the checksum byte order
WAL_HEADER_SIZE = 32
WAL_FRAME_HEADER_SIZE = 24
WAL_FRAME_SIZE = WAL_FRAME_HEADER_SIZE + PAGE_SIZE
WAL_VERSION = 3007000

# SQLite never writes the page that holds the lock byte at 1 GiB (PENDING_BYTE); SQLCipher's
# cipher_integrity_check skips it. Only databases of more than 1 GiB have it.
PENDING_BYTE_PAGE = 0x40000000 // PAGE_SIZE + 1


class HmacError(ValueError):
    """A page whose HMAC does not verify: the wrong key, or a damaged or tampered page."""


# --- keys and one page ---------------------------------------------------------------------

@lru_cache(maxsize=64)
def hmac_key(key: bytes, salt: bytes) -> bytes:
    """The HMAC key SQLCipher derives from a raw 32-byte ``key`` and a file's 16-byte ``salt``.

    PBKDF2-HMAC-SHA512(password = the AES key, salt = salt XOR 0x3a bytewise, 2 iterations,
    32 bytes), as ``sqlcipher_cipher_ctx_key_derive`` does when the key came as ``x'...'``.
    """
    _check_key_and_salt(key, salt)
    hmac_salt = bytes(b ^ HMAC_SALT_MASK for b in salt)
    kdf = PBKDF2HMAC(algorithm=hashes.SHA512(), length=len(key), salt=hmac_salt, iterations=FAST_KDF_ITER)
    return kdf.derive(key)


def _check_key_and_salt(key: bytes, salt: bytes) -> None:
    if len(key) != 32:
        raise ValueError(f"a raw SQLCipher key is 32 bytes, not {len(key)}")
    if len(salt) != SALT_SIZE:
        raise ValueError(f"a SQLCipher salt is {SALT_SIZE} bytes, not {len(salt)}")


def _area(pgno: int) -> int:
    """Where the encrypted area of page ``pgno`` starts: after the clear salt on page 1."""
    return SALT_SIZE if pgno == 1 else 0


def _aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    """AES-256-CBC decryption without padding (the area is a whole number of AES blocks)."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def page_hmac_ok(key: bytes, salt: bytes, page_bytes: bytes, pgno: int) -> bool:
    """Whether the HMAC in ``page_bytes``' reserve verifies for page number ``pgno``.

    The HMAC covers the encrypted area, the IV and the page number (4 bytes, little-endian),
    so a page moved to another position fails as surely as a changed byte.
    """
    if len(page_bytes) != PAGE_SIZE:
        raise ValueError(f"a page is {PAGE_SIZE} bytes, not {len(page_bytes)}")
    if not 1 <= pgno <= 0xFFFFFFFF:
        raise ValueError(f"page numbers run from 1 to 2**32 - 1, not {pgno}")
    mac = HMAC(hmac_key(bytes(key), bytes(salt)), hashes.SHA512())
    mac.update(page_bytes[_area(pgno):USABLE_SIZE + IV_SIZE])  # encrypted area ‖ IV
    mac.update(pgno.to_bytes(4, "little"))
    try:
        mac.verify(page_bytes[USABLE_SIZE + IV_SIZE:USABLE_SIZE + IV_SIZE + HMAC_SIZE])
    except InvalidSignature:
        return False
    return True


def decrypt_unverified(key: bytes, page_bytes: bytes, pgno: int = 2) -> bytes:
    """Decrypt one page without checking its HMAC: the plaintext SQLite would see.

    AES-CBC needs no page number (the IV is stored in the page), only the start of the
    encrypted area, which differs for page 1. With the wrong key the result is noise.
    The result is a whole page: for page 1 "SQLite format 3\\0" in place of the salt (as
    ``sqlite3Codec`` puts it back), then the decrypted area, then the reserve as stored.
    """
    if len(page_bytes) != PAGE_SIZE:
        raise ValueError(f"a page is {PAGE_SIZE} bytes, not {len(page_bytes)}")
    start = _area(pgno)
    iv = page_bytes[USABLE_SIZE:USABLE_SIZE + IV_SIZE]
    plain = _aes_cbc_decrypt(bytes(key), bytes(iv), bytes(page_bytes[start:USABLE_SIZE]))
    head = SQLITE_HEADER if pgno == 1 else b""
    return head + plain + bytes(page_bytes[USABLE_SIZE:])


def decrypt_page(key: bytes, salt: bytes, page_bytes: bytes, pgno: int) -> bytes | None:
    """Decrypt page number ``pgno`` (counted from 1) of a database with raw ``key`` and ``salt``.

    Returns the 4096-byte plaintext page (see :func:`decrypt_unverified` for its layout), or
    None when the HMAC does not verify: the wrong key, the wrong salt, the wrong page number,
    or a changed byte anywhere in the encrypted area, the IV or the HMAC.
    """
    if not page_hmac_ok(key, salt, page_bytes, pgno):
        return None
    return decrypt_unverified(key, page_bytes, pgno)


# --- whole files ---------------------------------------------------------------------------

def _data(path_or_bytes: str | os.PathLike | bytes | bytearray | memoryview) -> bytes:
    """The bytes of a file given by path, or the bytes given."""
    if isinstance(path_or_bytes, (bytes, bytearray, memoryview)):
        return bytes(path_or_bytes)
    return Path(path_or_bytes).read_bytes()


def pages_of_db(path_or_bytes: str | os.PathLike | bytes, key: bytes) -> list[bytes]:
    """Every page of a SQLCipher database file, decrypted: live, free and overflow pages alike.

    The salt is the file's first 16 bytes. ``result[i]`` is page number ``i + 1``. Raises
    :class:`HmacError` at the first page whose HMAC fails (the wrong key, or a damaged file),
    and ValueError when the file is not a whole number of pages. The page at the 1 GiB lock
    byte, which SQLite never writes, is returned as stored when it is all zeros.
    """
    data = _data(path_or_bytes)
    if not data or len(data) % PAGE_SIZE:
        raise ValueError(f"a SQLCipher database is a whole number of {PAGE_SIZE}-byte pages, not {len(data)} bytes")
    salt = data[:SALT_SIZE]
    pages = []
    for index in range(len(data) // PAGE_SIZE):
        pgno = index + 1
        page = data[index * PAGE_SIZE:(index + 1) * PAGE_SIZE]
        if pgno == PENDING_BYTE_PAGE and not any(page):
            pages.append(page)
            continue
        plain = decrypt_page(key, salt, page, pgno)
        if plain is None:
            raise HmacError(f"page {pgno}: the HMAC does not verify (wrong key, or a damaged page)")
        pages.append(plain)
    return pages


def freelist(pages: list[bytes]) -> set[int]:
    """The page numbers on the freelist of a decrypted database (trunk and leaf pages).

    Read from the plaintext SQLite header on page 1 (offset 32: first trunk page, big-endian)
    and the trunk pages (next trunk, leaf count, leaf page numbers), so a test can tell the
    free pages (where deleted rows linger when secure_delete is off) from the live ones.
    """
    free: set[int] = set()
    trunk = int.from_bytes(pages[0][32:36], "big")
    while trunk and trunk not in free and trunk <= len(pages):
        free.add(trunk)
        page = pages[trunk - 1]
        count = int.from_bytes(page[4:8], "big")
        for i in range(min(count, (USABLE_SIZE - 8) // 4)):
            leaf = int.from_bytes(page[8 + 4 * i:12 + 4 * i], "big")
            if leaf:
                free.add(leaf)
        trunk = int.from_bytes(page[0:4], "big")
    return free


class Frames(list):
    """The decrypted frames of a WAL, as a list of pages, with what could not be read.

    ``pgnos[i]`` is the database page number of ``self[i]``; ``skipped`` counts the frames
    whose HMAC did not verify; ``truncated`` is the number of bytes of an incomplete last frame.
    """

    def __init__(self) -> None:
        super().__init__()
        self.pgnos: list[int] = []
        self.skipped = 0
        self.truncated = 0


def wal_frames(path_or_bytes: str | os.PathLike | bytes, key: bytes, salt: bytes) -> Frames:
    """Every frame of a SQLCipher WAL file, decrypted with raw ``key`` and the database's ``salt``.

    ``salt`` is the first 16 bytes of the main database file (a WAL holds no salt of its own,
    except inside a frame of page 1). All frames are read, also those of an earlier WAL
    generation that the header's salts no longer count as valid: stale frames are exactly what
    a forensic look wants. Frames whose HMAC fails are skipped and counted in ``skipped`` (an
    unwritten or overwritten tail, the wrong key). Returns a :class:`Frames` list of pages.
    """
    _check_key_and_salt(key, salt)
    data = _data(path_or_bytes)
    frames = Frames()
    if len(data) < WAL_HEADER_SIZE:
        if data:
            frames.truncated = len(data)
        return frames
    magic = int.from_bytes(data[0:4], "big")
    if magic not in WAL_MAGICS:
        raise ValueError(f"not a WAL file (magic {magic:#010x})")
    page_size = int.from_bytes(data[8:12], "big")
    if page_size != PAGE_SIZE:
        raise ValueError(f"WAL page size {page_size}, this reader handles {PAGE_SIZE}")
    offset = WAL_HEADER_SIZE
    while offset + WAL_FRAME_SIZE <= len(data):
        pgno = int.from_bytes(data[offset:offset + 4], "big")
        page = data[offset + WAL_FRAME_HEADER_SIZE:offset + WAL_FRAME_SIZE]
        plain = decrypt_page(key, salt, page, pgno) if pgno else None
        if plain is None:
            frames.skipped += 1
        else:
            frames.append(plain)
            frames.pgnos.append(pgno)
        offset += WAL_FRAME_SIZE
    frames.truncated = len(data) - offset
    return frames


# --- a raw disk image ----------------------------------------------------------------------

class Scan(list):
    """What :func:`scan_raw` found, as a list of byte strings to search, with where each came from.

    ``self[0]`` is the raw image. Then, for each key in order: the image decrypted as one CBC
    stream from offset 0 and one from offset 8, each as long as the image and aligned with it
    (the byte at image offset ``o`` decrypted at offset ``o``), and the page starts (see
    :func:`scan_raw`). Then one page per HMAC-verified WAL frame.

    ``sources[i]`` says what ``self[i]`` is: ``"raw"``, ``"key 0 offset 0"``, ``"key 0 offset
    8"``, ``"key 0 page starts"``, ``"key 0 wal frame at 12345, page 7"``. ``wal_headers``
    lists the offsets of the WAL headers found, ``wal_frames`` the (offset, page number, key
    index) of each verified frame, and ``seconds`` how long the scan took.
    """

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.wal_headers: list[int] = []
        self.wal_frames: list[tuple[int, int, int]] = []
        self.seconds = 0.0

    def add(self, source: str, text: bytes) -> None:
        """Append ``text`` with a note of where it came from."""
        self.append(text)
        self.sources.append(source)

    def of_key(self, index: int) -> list[bytes]:
        """Everything decrypted with key number ``index``: its streams, page starts and frames."""
        return [t for t, s in zip(self, self.sources) if s.startswith(f"key {index} ")]

    def source(self, name: str) -> bytes:
        """The byte string whose source is ``name`` exactly, e.g. ``scan.source("key 0 offset 0")``."""
        return self[self.sources.index(name)]


PAGE_START_SIZE = 64  # the bytes of each block's page start in Scan: its first AES block and 48 more


def _cbc_stream(key: bytes, data: bytes, start: int) -> bytes:
    """``data`` from ``start`` on, decrypted as one AES-256-CBC stream, placed at the offsets
    it came from (the bytes before ``start`` and a last partial AES block are zeros).

    CBC decryption is self-synchronising: the plaintext of a ciphertext block is the AES
    decryption of that block XOR the ciphertext block before it, whatever came earlier. So one
    pass over the whole image decrypts correctly every AES block that lies at ``start`` modulo
    16 inside a SQLCipher page, whatever page, file or offset it belongs to, except the first
    block of each encrypted area, which is chained to its page's IV instead (and the noise of
    a wrong key, a reserve, or a block that is no SQLCipher page).
    """
    end = start + (len(data) - start) // 16 * 16
    plain = Cipher(algorithms.AES(key), modes.CBC(bytes(16))).decryptor().update(memoryview(data)[start:end])
    return b"".join((bytes(start), plain, bytes(len(data) - end)))


def _page_starts(data: bytes, stream: bytes) -> bytes:
    """The first 64 bytes of every aligned 4096-byte block decrypted as a SQLCipher page, each
    followed by a NUL, from ``stream`` (the image decrypted as one CBC stream from offset 0).

    The stream has every AES block of an aligned page but the first, which it chains to the end
    of the block before rather than to the page's IV (at 4016 in its reserve); here that block
    is chained to the IV: plaintext = stream ^ previous ciphertext block ^ IV, done for all
    blocks at once on big integers. The 48 bytes after it keep a word that starts there whole.
    Each entry is what :func:`decrypt_unverified` gives for the block taken as a page other
    than page 1 (on a real page 1 bytes 16..32 come out wrong: header fields, no text).
    """
    offsets = range(0, len(data) - PAGE_SIZE + 1, PAGE_SIZE)
    if not offsets:
        return b""
    chained = b"".join(stream[o:o + 16] for o in offsets)
    previous = b"".join(data[o - 16:o] if o else bytes(16) for o in offsets)  # the stream's IV was zeros
    ivs = b"".join(data[o + USABLE_SIZE:o + USABLE_SIZE + IV_SIZE] for o in offsets)
    fixed = (int.from_bytes(chained, "big") ^ int.from_bytes(previous, "big")
             ^ int.from_bytes(ivs, "big")).to_bytes(len(chained), "big")
    return b"".join(fixed[16 * i:16 * i + 16] + stream[o + 16:o + PAGE_START_SIZE] + b"\0"
                    for i, o in enumerate(offsets))


def _wal_header_at(data: bytes, offset: int) -> bool:
    """Whether a plausible WAL header starts at ``offset``: magic, version 3007000, our page size."""
    return (int.from_bytes(data[offset:offset + 4], "big") in WAL_MAGICS
            and int.from_bytes(data[offset + 4:offset + 8], "big") == WAL_VERSION
            and int.from_bytes(data[offset + 8:offset + 12], "big") == PAGE_SIZE)


def scan_raw(data: bytes, keys_and_salts: list[tuple[bytes, bytes]]) -> Scan:
    """Everything readable in a raw disk image, for a word search with :func:`words_in`.

    A file system keeps a file's blocks aligned to its 4096-byte blocks, so a SQLCipher
    database's pages (live, free, or left behind by a deleted file) sit at 4096-aligned
    offsets. Which page number a block had is unknown, and the HMAC binds the page number, so
    blocks are not verified: AES-CBC decryption needs only the key and the IV stored in the
    block itself. Every aligned block is decrypted with every key; a wrong key, or a block that
    is no SQLCipher page, gives noise, which a search for words ignores.

    That is done with CBC's self-synchronisation (:func:`_cbc_stream`): the whole image is
    decrypted as one CBC stream per key, which gets every AES block of an aligned page right
    but its first; the first 64 bytes of each block are then decrypted again with the block's
    own IV (:func:`_page_starts`). One pass per key instead of 16,384 ciphers for 64 MiB.

    WAL frames are 4120 bytes, so a WAL's pages are not block-aligned: they start 56 bytes into
    the WAL and then 8 bytes further off each frame, at offset 0 or 8 modulo 16 in turn. Two
    things find them:

    * the streams: the stream from offset 0 and a second one from offset 8 hold every frame's
      page in the clear but for its first 16 bytes, wherever the frame is, also in a
      fragmented or deleted WAL whose header is gone;
    * the headers: a WAL header (magic 0x377f0682/3, version 3007000, page size 4096) at an
      aligned offset, and the frames that follow it contiguously, each verified with each (key,
      salt) since the frame header names the page number. A run ends at the first frame no key
      verifies: the end of the WAL, or of its contiguous extent on the file system.

    (A rollback journal's pages sit at offsets 4 and 12 modulo 16 and are not looked for:
    dossier's databases run in WAL mode.)

    Returns a :class:`Scan`: the raw image itself (for files stored in the clear), for each key
    the streams from offsets 0 and 8 and the page starts, then the verified WAL frames' pages.
    """
    started = time.perf_counter()
    data = bytes(data)
    scan = Scan()
    scan.add("raw", data)
    for index, (key, salt) in enumerate(keys_and_salts):
        _check_key_and_salt(key, salt)
        stream = _cbc_stream(bytes(key), data, 0)
        scan.add(f"key {index} offset 0", stream)
        scan.add(f"key {index} offset 8", _cbc_stream(bytes(key), data, 8))
        scan.add(f"key {index} page starts", _page_starts(data, stream))
    for header in range(0, len(data) - WAL_HEADER_SIZE + 1, PAGE_SIZE):
        if not _wal_header_at(data, header):
            continue
        scan.wal_headers.append(header)
        offset = header + WAL_HEADER_SIZE
        while offset + WAL_FRAME_SIZE <= len(data):
            pgno = int.from_bytes(data[offset:offset + 4], "big")
            page = data[offset + WAL_FRAME_HEADER_SIZE:offset + WAL_FRAME_SIZE]
            verified = None
            if pgno:
                for index, (key, salt) in enumerate(keys_and_salts):
                    plain = decrypt_page(key, salt, page, pgno)
                    if plain is not None:
                        verified = (index, plain)
                        break
            if verified is None:
                break
            scan.add(f"key {verified[0]} wal frame at {offset}, page {pgno}", verified[1])
            scan.wal_frames.append((offset, pgno, verified[0]))
            offset += WAL_FRAME_SIZE
    scan.seconds = time.perf_counter() - started
    return scan


# --- words ---------------------------------------------------------------------------------

def fold(word: str) -> str:
    """``word`` lowercased with its diacritics removed, as FTS5's unicode61 tokenizer stores it.

    (unicode61 with remove_diacritics 2 maps "Ménière" to "meniere"; NFKD decomposition and
    dropping the combining marks gives the same for the Latin letters a dossier holds.)
    """
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _needles(word: str) -> set[bytes]:
    """The UTF-8 byte strings to look for, ASCII-lowercased like the haystacks.

    bytes.lower() folds ASCII letters only, so the spellings of the non-ASCII letters are
    listed: as written, lower, upper, capitalised, each also in NFC and NFD (a file may hold
    either), and the folded form without diacritics.
    """
    forms = {word, word.lower(), word.upper(), word.capitalize(), fold(word)}
    forms |= {unicodedata.normalize(nf, f) for f in list(forms) for nf in ("NFC", "NFD")}
    return {f.encode("utf-8").lower() for f in forms if f}


def words_in(plaintexts: Iterable[bytes], words: Iterable[str]) -> set[str]:
    """Which of ``words`` occur in any of ``plaintexts``: case-insensitively, and also in the
    lowercase form without diacritics in which FTS5's unicode61 tokenizer stores a term.

    Returns the words as given. A byte search over UTF-8 text: an FTS5 index page stores a
    term after the first on its leaf as the length of the prefix it shares with the term
    before and the rest, so a term can sit in an index without its whole spelling in the
    bytes; tests should choose words that share no prefix with their neighbours in the index.
    """
    wanted = {w: _needles(w) for w in words}
    found: set[str] = set()
    for text in plaintexts:
        if len(found) == len(wanted):
            break
        hay = bytes(text).lower()
        for word, needles in wanted.items():
            if word not in found and any(n in hay for n in needles):
                found.add(word)
    return found


# --- an ext4 image on a loop device --------------------------------------------------------

IMAGE_NAME = "ext4.img"  # the image file, in the tmp_path given to ext4_image
MOUNT_NAME = "ext4-mnt"  # the mount folder, likewise


def image_path(tmp_path: str | os.PathLike) -> Path:
    """The image file :func:`ext4_image` makes in ``tmp_path`` (it stays after the ``with``)."""
    return Path(tmp_path) / IMAGE_NAME


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "no message"


def _skip(reason: str) -> None:
    import pytest  # only the tests use the image helper; the reader above needs no pytest

    pytest.skip(f"ext4 loop image not possible here ({reason})")


def _run(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def _retry(argv: tuple[str, ...], attempts: int = 50, pause: float = 0.1) -> subprocess.CompletedProcess:
    """Run ``argv`` until it succeeds or ``attempts`` are used up (umount and losetup -d can
    answer "busy" for a moment after the last file on the mount is closed)."""
    for attempt in range(attempts):
        done = _run(*argv)
        if done.returncode == 0 or attempt == attempts - 1:
            return done
        time.sleep(pause)
    raise AssertionError("unreachable")


@contextlib.contextmanager
def ext4_image(tmp_path: str | os.PathLike, size_mib: int = 64) -> Iterator[Path]:
    """A fresh ext4 file system (4096-byte blocks) in ``tmp_path/ext4.img``, mounted; yields
    the mount folder ``tmp_path/ext4-mnt``.

    The image is made with ``mkfs.ext4 -q -F -b 4096``, attached with ``losetup --find
    --show`` and mounted. On leaving the ``with`` block, however it is left, the file system is
    unmounted (retried while busy), the loop device detached and the mount folder removed; the
    image file stays, so the test can read the "disk" with :func:`read_image`. Raises
    RuntimeError when the file system cannot be unmounted (its image would be incomplete).

    Skips the test, with one line saying why, where it cannot be done: not root, a tool
    missing, no loop devices, or a mount the container refuses.
    """
    if os.name != "posix" or not hasattr(os, "geteuid"):
        _skip("not a POSIX system")
    if os.geteuid() != 0:
        _skip("not root")
    for tool in ("mkfs.ext4", "losetup", "mount", "umount"):
        if shutil.which(tool) is None:
            _skip(f"no {tool}")
    if not os.path.exists("/dev/loop-control"):
        _skip("no /dev/loop-control")

    image = image_path(tmp_path)
    mount = Path(tmp_path) / MOUNT_NAME
    with open(image, "wb") as f:
        f.truncate(size_mib * 1024 * 1024)
    made = _run("mkfs.ext4", "-q", "-F", "-b", "4096", str(image))
    if made.returncode:
        _skip(f"mkfs.ext4 failed: {_first_line(made.stderr + made.stdout)}")
    attached = _run("losetup", "--find", "--show", str(image))
    device = attached.stdout.strip()
    if attached.returncode or not device:
        _skip(f"losetup refused: {_first_line(attached.stderr + attached.stdout)}")
    try:
        mount.mkdir(exist_ok=True)
        mounted = _run("mount", "-t", "ext4", device, str(mount))
        if mounted.returncode:
            _skip(f"mount refused: {_first_line(mounted.stderr + mounted.stdout)}")
        try:
            yield mount
        finally:
            unmounted = _retry(("umount", str(mount)))
            if unmounted.returncode:
                _run("umount", "-l", str(mount))  # do not leave it behind, but the image is not whole
                raise RuntimeError(f"cannot unmount {mount}: {_first_line(unmounted.stderr)}")
    finally:
        detached = _retry(("losetup", "-d", device))
        with contextlib.suppress(OSError):
            mount.rmdir()
        if detached.returncode:
            raise RuntimeError(f"cannot detach {device}: {_first_line(detached.stderr)}")


def read_image(path: str | os.PathLike) -> bytes:
    """Every byte of a disk image file (read after the file system is unmounted and detached)."""
    with open(path, "rb") as f:
        return f.read()
