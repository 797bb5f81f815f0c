"""The forensic tools of tests/sqlcipher_pages.py, proved against the real thing.

The reader there decrypts SQLCipher pages with the ``cryptography`` package alone; here
sqlcipher3 (SQLCipher itself) writes real databases and WAL files with a raw key, and the
reader must find in them exactly what SQLCipher put there: live rows, deleted rows in free
pages (secure_delete off), pages still only in an un-checkpointed WAL, and nothing at all
with a wrong key or a changed byte. The last test writes a database onto a real ext4 file
system on a loop device and finds its words in the raw image (skipped where that is not
possible, with one line saying why).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlcipher3

import sqlcipher_pages as sp

# Words long enough that noise (a wrong key's "plaintext") cannot hold one by chance, and with
# different first letters, so that none is stored prefix-compressed after another in an index.
LIVE = ["abrikozenjam", "kwartelkoning", "pimpelmeesje"]
DELETED = ["zwaluwstaart", "ijsvogelnest"]
IN_WAL = ["boomklever", "goudvinkje"]
FTS_ONLY = "Ménière"  # reaches the disk only as the FTS5 term "meniere"
FILLER = "lorem ipsum dolor sit amet "  # makes each row span overflow pages


def body(word: str) -> str:
    """A row of some 12 KiB with ``word`` in it several times: it fills overflow pages, which
    a DELETE puts on the freelist whole (with secure_delete off, as they were)."""
    return (f" {word} " + FILLER * 20) * 20


def connect(path: Path, key: bytes) -> sqlcipher3.Connection:
    """A connection as dossier opens one (raw key, WAL), but with secure_delete off and no
    auto_vacuum, so deleted rows stay in free pages for the reader to find."""
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA auto_vacuum = NONE")
    conn.execute("PRAGMA secure_delete = OFF")  # a keyed SQLCipher connection starts with it on
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 0
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    return conn


def build(path: Path, key: bytes) -> sqlcipher3.Connection:
    """A database with the LIVE rows, the DELETED rows deleted, and an FTS5 index (the vault's
    tokenizer) holding FTS_ONLY; returns the open connection."""
    conn = connect(path, key)
    conn.execute("CREATE TABLE notes(body TEXT)")
    conn.execute("CREATE VIRTUAL TABLE search_index USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', "
                 "content = '', contentless_delete = 1)")
    for word in LIVE + DELETED:
        conn.execute("INSERT INTO notes VALUES (?)", (body(word),))
    conn.execute("INSERT INTO search_index(body) VALUES (?)", (f"ziekte van {FTS_ONLY}",))
    conn.execute("DELETE FROM notes WHERE " + " OR ".join(["instr(body, ?)"] * len(DELETED)), DELETED)
    return conn


@dataclass
class Db:
    path: Path
    key: bytes
    salt: bytes
    page_count: int
    freelist_count: int


@pytest.fixture
def db(tmp_path) -> Db:
    """A closed database (so checkpointed, its WAL gone) built by :func:`build`."""
    path, key = tmp_path / "vault.db", os.urandom(32)
    conn = build(path, key)
    page_count = conn.execute("PRAGMA page_count").fetchone()[0]
    freelist_count = conn.execute("PRAGMA freelist_count").fetchone()[0]
    live = [row[0] for row in conn.execute("SELECT body FROM notes")]
    conn.close()
    assert not (tmp_path / "vault.db-wal").exists()
    assert all(not any(w in text for text in live) for w in DELETED)  # gone for SQL
    return Db(path, key, path.read_bytes()[:16], page_count, freelist_count)


def test_page_one_gets_the_sqlite_header_and_the_pages_are_sqlcipher_4s(db):
    data = db.path.read_bytes()
    assert not data.startswith(sp.SQLITE_HEADER)  # on disk the salt stands in its place
    pages = sp.pages_of_db(data, db.key)
    assert len(pages) == db.page_count and all(len(p) == sp.PAGE_SIZE for p in pages)
    header = pages[0]
    assert header[:16] == sp.SQLITE_HEADER
    assert int.from_bytes(header[16:18], "big") == 4096  # page size
    assert header[20] == sp.RESERVE_SIZE == 80  # bytes reserved at the end of each page
    assert int.from_bytes(header[28:32], "big") == db.page_count  # the header's own page count
    assert int.from_bytes(header[36:40], "big") == db.freelist_count > 0
    assert len(sp.freelist(pages)) == db.freelist_count


def test_pages_of_db_finds_live_words_and_deleted_ones_in_free_pages(db):
    pages = sp.pages_of_db(db.path, db.key)
    assert sp.words_in(pages, LIVE + DELETED) == set(LIVE + DELETED)
    free = [pages[n - 1] for n in sp.freelist(pages)]
    assert sp.words_in(free, DELETED) == set(DELETED)


def test_the_fts5_index_holds_terms_folded_and_words_in_folds_likewise(db):
    pages = sp.pages_of_db(db.path, db.key)
    assert any(b"meniere" in p for p in pages)
    assert not any("Ménière".encode() in p or b"M\xc3\xa9" in p for p in pages)  # contentless: no original text
    assert sp.words_in(pages, [FTS_ONLY, "MÉNIÈRE", "meniere"]) == {FTS_ONLY, "MÉNIÈRE", "meniere"}
    assert sp.words_in([b"xx ZWALUWSTAART xx"], ["zwaluwstaart"]) == {"zwaluwstaart"}
    assert sp.words_in(["Crème Brûlée".encode()], ["crème", "BRÛLÉE", "brulee", "absent"]) == {"crème", "BRÛLÉE"}
    assert sp.words_in(["cre\u0300me".encode()], ["crème"]) == {"crème"}  # NFD on disk


def test_the_unverified_decryption_of_scan_raw_matches_the_verified_pages(db):
    data = db.path.read_bytes()
    pages = sp.pages_of_db(data, db.key)
    for pgno, page in enumerate(pages, 1):
        raw = data[(pgno - 1) * sp.PAGE_SIZE:pgno * sp.PAGE_SIZE]
        assert sp.decrypt_unverified(db.key, raw, pgno) == page
    scan = sp.scan_raw(data, [(db.key, db.salt)])
    assert scan.sources == ["raw", "key 0 offset 0", "key 0 offset 8", "key 0 page starts"]
    assert scan[0] == data and len(scan[1]) == len(scan[2]) == len(data) and scan.wal_headers == []
    stream, starts = scan.source("key 0 offset 0"), scan.source("key 0 page starts")
    entry = sp.PAGE_START_SIZE + 1
    assert len(starts) == len(pages) * entry
    for pgno, page in enumerate(pages, 1):
        block = stream[(pgno - 1) * sp.PAGE_SIZE:pgno * sp.PAGE_SIZE]
        start = starts[(pgno - 1) * entry:pgno * entry]
        skip = 32 if pgno == 1 else 16  # the stream chains a page's first AES block to the block before
        assert block[skip:sp.USABLE_SIZE] == page[skip:sp.USABLE_SIZE]
        skip = 32 if pgno == 1 else 0  # the page starts chain it to the page's IV (page 1: after the salt)
        assert start[skip:sp.PAGE_START_SIZE] == page[skip:sp.PAGE_START_SIZE] and start[-1:] == b"\0"


def test_wal_frames_decrypts_an_uncheckpointed_wal(db, tmp_path):
    conn = connect(db.path, db.key)
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        for word in IN_WAL:
            conn.execute("INSERT INTO notes VALUES (?)", (body(word),))
        db_copy = db.path.read_bytes()  # copied while the connection holds the WAL open
        wal_copy = (tmp_path / "vault.db-wal").read_bytes()
    finally:
        conn.close()
    assert sp.words_in(sp.pages_of_db(db_copy, db.key), IN_WAL) == set()  # only in the WAL yet
    frames = sp.wal_frames(wal_copy, db.key, db.salt)
    assert len(frames) == (len(wal_copy) - 32) // 4120 > 0
    assert frames.skipped == 0 and frames.truncated == 0
    assert all(1 <= n <= 10_000 for n in frames.pgnos)
    assert sp.words_in(frames, IN_WAL) == set(IN_WAL)
    if 1 in frames.pgnos:  # a WAL copy of page 1 gets the SQLite header back too
        assert frames[frames.pgnos.index(1)][:16] == sp.SQLITE_HEADER

    damaged = bytearray(wal_copy)
    damaged[32 + 24 + 1000] ^= 0x01  # one bit in the first frame's page
    again = sp.wal_frames(bytes(damaged), db.key, db.salt)
    assert again.skipped == 1 and len(again) == len(frames) - 1
    assert sp.wal_frames(wal_copy + b"\0" * 100, db.key, db.salt).truncated == 100

    # A "disk" holding the database and then the WAL: the WAL is found by its header, and
    # its frames (not block-aligned) give the words the database file does not have.
    keys = [(os.urandom(32), os.urandom(16)), (db.key, db.salt)]
    scan = sp.scan_raw(db_copy + wal_copy, keys)
    assert scan.wal_headers == [len(db_copy)]
    assert len(scan.wal_frames) == len(frames) and {k for _, _, k in scan.wal_frames} == {1}
    assert sp.words_in(scan, IN_WAL + LIVE) == set(IN_WAL + LIVE)
    assert sp.words_in(scan.of_key(0), IN_WAL + LIVE) == set()
    frame_pages = [t for t, source in zip(scan, scan.sources) if "wal frame" in source]
    assert sp.words_in(frame_pages, IN_WAL) == set(IN_WAL)
    # CBC decryption resynchronises after one AES block: the image decrypted as one stream
    # from offset 0 and from offset 8 has the frames' text too, with the WAL header gone.
    headerless = sp.scan_raw(db_copy + bytes(32) + wal_copy[32:], keys)
    assert headerless.wal_headers == [] and headerless.wal_frames == []
    assert sp.words_in(headerless.of_key(1), IN_WAL) == set(IN_WAL)
    assert sp.words_in(headerless.of_key(0), IN_WAL) == set()


def test_a_wrong_key_finds_nothing(db):
    data = db.path.read_bytes()
    wrong = os.urandom(32)
    with pytest.raises(sp.HmacError, match="page 1:"):
        sp.pages_of_db(data, wrong)
    pages = [data[i:i + sp.PAGE_SIZE] for i in range(0, len(data), sp.PAGE_SIZE)]
    assert all(sp.decrypt_page(wrong, db.salt, p, n) is None for n, p in enumerate(pages, 1))
    assert all(sp.decrypt_page(db.key, os.urandom(16), p, n) is None for n, p in enumerate(pages, 1))
    everything = LIVE + DELETED + [FTS_ONLY]
    scan = sp.scan_raw(data, [(wrong, db.salt), (os.urandom(32), os.urandom(16))])
    assert sp.words_in(scan, everything) == set()
    assert sp.words_in([data], everything + ["SQLite format", "CREATE TABLE"]) == set()  # no key: ciphertext only


def test_a_changed_byte_or_a_moved_page_fails_the_hmac(db):
    data = db.path.read_bytes()
    for pgno in (1, 2, db.page_count):
        page = data[(pgno - 1) * sp.PAGE_SIZE:pgno * sp.PAGE_SIZE]
        assert sp.decrypt_page(db.key, db.salt, page, pgno) is not None
        for at in (sp.SALT_SIZE if pgno == 1 else 0, 2000, sp.USABLE_SIZE - 1,  # encrypted area
                   sp.USABLE_SIZE, sp.USABLE_SIZE + 15,  # IV
                   sp.USABLE_SIZE + 16, sp.PAGE_SIZE - 1):  # HMAC
            flipped = bytearray(page)
            flipped[at] ^= 0x80
            assert sp.decrypt_page(db.key, db.salt, bytes(flipped), pgno) is None, (pgno, at)
        assert sp.decrypt_page(db.key, db.salt, page, pgno + 1) is None  # the HMAC binds the page number
    assert sp.decrypt_page(db.key, db.salt, data[:16] + bytes(16) + data[32:4096], 1) is None

    damaged = bytearray(data)
    damaged[2 * sp.PAGE_SIZE + 100] ^= 0x01  # page 3
    with pytest.raises(sp.HmacError, match="page 3:"):
        sp.pages_of_db(bytes(damaged), db.key)
    with pytest.raises(ValueError, match="whole number"):
        sp.pages_of_db(data[:-1], db.key)


def test_ext4_image_skips_with_one_clear_line_where_it_cannot_run(tmp_path, monkeypatch):
    if not hasattr(os, "geteuid"):
        pytest.skip("no os.geteuid on this system")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(pytest.skip.Exception, match=r"^ext4 loop image not possible here \(not root\)$"):
        with sp.ext4_image(tmp_path):
            pass
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda tool: None if tool == "mkfs.ext4" else real_which(tool))
    with pytest.raises(pytest.skip.Exception, match=r"^ext4 loop image not possible here \(no mkfs\.ext4\)$"):
        with sp.ext4_image(tmp_path):
            pass
    assert not sp.image_path(tmp_path).exists()


def test_scan_raw_finds_the_words_on_an_ext4_disk_with_the_key_only(tmp_path):
    key = os.urandom(32)
    with sp.ext4_image(tmp_path) as mount:
        conn = build(mount / "vault.db", key)
        conn.close()  # checkpoints and deletes the WAL; its blocks stay on the disk
        salt = (mount / "vault.db").read_bytes()[:16]
    assert not (tmp_path / sp.MOUNT_NAME).exists()
    image = sp.image_path(tmp_path)
    attached = subprocess.run(["losetup", "-j", str(image)], capture_output=True, text=True).stdout
    assert attached.strip() == ""  # the loop device is detached

    disk = sp.read_image(image)
    assert len(disk) == 64 * 1024 * 1024
    scan = sp.scan_raw(disk, [(key, salt), (os.urandom(32), os.urandom(16))])
    everything = LIVE + DELETED + [FTS_ONLY]
    assert sp.words_in(scan.of_key(0), everything) == set(everything)  # the right key's blocks
    assert sp.words_in(scan[0:1], everything) == set()  # the raw disk: ciphertext only
    assert len(scan.of_key(1)) == 3 and sp.words_in(scan.of_key(1), everything) == set()  # a wrong key: noise
    assert all(k == 0 for _, _, k in scan.wal_frames)  # WAL frames verify with the right key only
