"""Destruction that really erases (CSR 5.4): requests with a four-week clock, holds,
retention, and the proof that no byte of a destroyed client is left in the vault folder.

Forensic tests open the vault in the test-only unencrypted mode and grep the raw bytes of
every file in the vault folder, before (found) and after (not found)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
import re
import unicodedata
from pathlib import Path

import pytest

from conftest import PASSPHRASE, assert_error, backup_contents, ledger_file_entries, make_vault, run, state
from dossier.retention import destroy, due
from dossier.store import client_tables
from dossier.vault import ledger
from dossier.vault import Vault
from pdftools import pdf_text

NOELLE = "bf67b782-ee87-4be1-9303-8877b083f081"
TODAY = dt.date.today().isoformat()
ATTACHMENT = b"%PDF-1.4 verwijsbrief van de bedrijfsarts, uniek-7c1f9e " * 50


def folder_bytes(path: Path) -> bytes:
    """Every byte of every file in the vault folder, subfolders included."""
    return b"".join(f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file())


def unique_strings(example) -> list[bytes]:
    """Strings of Noëlle's dossier that occur nowhere else (her name stays in the tombstone)."""
    n = example["clients"][0]
    return [s.encode() for s in (n["email"], n["address"], "Waterlelieweg", n["sessions"][2]["notes"][:50],
                                 n["sessions"][3]["findings"][:40], n["statements"][0]["text"][:40],
                                 n["consents"][0]["scope"], n["disclosures"][0]["what"][:40])]


@pytest.fixture
def cli(practice, dossier):
    return dossier


def test_destruction_leaves_no_byte_of_the_client_in_the_vault_folder(vault_path, example, tmp_path):
    from dossier.records.document import export_document, import_document
    from dossier.records.attachments import attach

    v, _ = make_vault(vault_path, test_unencrypted=True)
    import_document(v, example)
    f = tmp_path / "brief.pdf"
    f.write_bytes(ATTACHMENT)
    aid = attach(v, NOELLE, f, "letter")
    # An attachment kept the old way, inside the database row (vaults of schema 3 and older)
    with v.write():
        v.db.execute("INSERT INTO attachments (id, client_id, kind, filename, media_type, size, sha256, added, "
                     "content) VALUES ('0f2a6c3e-1111-4d2b-9c1a-5e6f7a8b9c0d', ?, 'other', 'oud.txt', 'text/plain', "
                     "9, '', 'x', ?)", (NOELLE, b"oud-legacy-bijlage-3b7e"))
    blob = (vault_path / "blobs" / aid).read_bytes()
    others_before = [c for c in export_document(v)["clients"] if c["id"] != NOELLE]
    raw = folder_bytes(vault_path)
    for s in unique_strings(example) + [b"oud-legacy-bijlage-3b7e"]:
        assert s in raw, s  # found before: the test can see plaintext
    assert blob[40:200] in raw

    destroy.destroy(v, [NOELLE])
    v.close()

    raw = folder_bytes(vault_path)
    for s in unique_strings(example) + [b"oud-legacy-bijlage-3b7e", ATTACHMENT[:40]]:
        assert s not in raw, s
    assert blob[40:200] not in raw and not (vault_path / "blobs" / aid).exists()
    with Vault.open(vault_path, PASSPHRASE, test_unencrypted=True) as v:
        assert v.db.one("SELECT count(*) FROM clients WHERE id = ?", (NOELLE,))[0] == 0
        assert [c for c in export_document(v)["clients"] if c["id"] != NOELLE] == others_before
        assert ledger.ledger(v.db) == [{"client_id": NOELLE, "destroyed": TODAY}]
        assert v.verify() == []


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _words(value) -> set[str]:
    """Every word of four letters or more in a JSON value, in lower case, as written and without
    diacritics (as the full-text index stores them)."""
    if isinstance(value, str):
        return {w for form in (_fold(value), value.lower()) for w in re.findall(r"[^\W\d_]{4,}", form)}
    if isinstance(value, dict):
        value = list(value.values())
    return set().union(*map(_words, value)) if isinstance(value, list) and value else set()


def _present(raw: bytes, words) -> list[str]:
    raw = raw.lower()
    return sorted(w for w in words if re.search(rb"(?<![a-z])" + re.escape(w.encode()) + rb"(?![a-z])", raw))


def test_every_single_word_of_the_destroyed_client_is_gone(vault_path, tmp_path, example):
    """Single words, not phrases: each word of Noëlle's dossier that a vault of the other
    clients does not hold (the baseline: schema words, the other clients' words) is in no byte
    of the vault folder after her destruction, free pages and the full-text index included."""
    from dossier.records.document import import_document

    noelle = example["clients"][0]
    others = {**example, "clients": example["clients"][1:]}
    v, _ = make_vault(tmp_path / "baseline", test_unencrypted=True)
    import_document(v, others)
    v.close()
    words = _words(noelle) - set(_present(folder_bytes(tmp_path / "baseline"), _words(noelle)))
    words -= {"coach"}  # the destruction's own audit entry says "basis coach"
    v, _ = make_vault(vault_path, test_unencrypted=True)
    import_document(v, example)
    words = set(_present(folder_bytes(vault_path), words))  # (a word with diacritics is only in its own form)
    assert len(words) > 100  # the test sees them before
    destroy.destroy(v, [NOELLE])
    v.close()
    assert _present(folder_bytes(vault_path), words) == []


def test_after_destruction_the_database_key_is_new_and_the_old_one_opens_nothing(practice):
    from dossier import crypto
    from dossier.errors import VaultDamaged
    from dossier.store import connect

    with Vault.open(practice, PASSPHRASE) as v:
        old_slots = json.loads((practice / "keyslots.json").read_text())
        old_key = crypto.unwrap(v.master_key, crypto.unb64(old_slots["db_key"]))
        assert old_key != v.master_key  # the database key is never the master key
        old_inode = os.stat(practice / "keyslots.json").st_ino
        destroy.destroy(v, [NOELLE])
        new_slots = json.loads((practice / "keyslots.json").read_text())
        new_key = crypto.unwrap(v.master_key, crypto.unb64(new_slots["db_key"]))
    assert new_key != old_key
    assert os.stat(practice / "keyslots.json").st_ino != old_inode
    # nothing left of the rotation (the lock file is empty, and stays)
    assert sorted(p.name for p in practice.iterdir()) == [".rotation.lock", "keyslots.json", "vault.db"]
    assert (practice / ".rotation.lock").read_bytes() == b""
    with pytest.raises(VaultDamaged):
        connect(practice / "vault.db", old_key)
    with Vault.open(practice, PASSPHRASE) as v:  # the passphrase still opens it, and it is whole
        assert v.verify() == []


def test_the_old_slot_file_is_overwritten_where_it_lay(practice):
    """The slot file that wrapped the old database key is overwritten through a handle on its
    own inode, so freed blocks do not keep it (a hard link shows the inode's bytes after)."""
    old = practice / "old-slots-link"
    os.link(practice / "keyslots.json", old)
    before = old.read_bytes()
    with Vault.open(practice, PASSPHRASE) as v:
        destroy.destroy(v, [NOELLE])
    after = old.read_bytes()
    assert len(after) == len(before) and after != before and b"db_key" not in after
    old.unlink()


# -- crashes ----------------------------------------------------------------------------------------------

def test_an_interrupted_key_rotation_is_finished_or_undone_at_the_next_open(practice):
    """A crash after the next slot file was written: before the re-encryption it is dropped,
    after it (the database opens only with its key) it becomes the slot file."""
    from dossier import crypto
    from dossier.store import connect
    from dossier.vault import keyslots

    with Vault.open(practice, PASSPHRASE) as v:
        master = v.master_key
        slots = dict(v.slots)
    key = crypto.random_key()
    pending = keyslots.stamp({**slots, "db_key": crypto.b64(crypto.wrap(master, key))}, master)
    # crashed before the re-encryption: the next file goes, the old one opens
    (practice / "keyslots.json.next").write_text(json.dumps(pending))
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.verify() == []
    assert not (practice / "keyslots.json.next").exists()
    # crashed after the re-encryption, before the slot file was replaced: it follows
    db = connect(practice / "vault.db", keyslots.db_key(slots, master))
    db.execute(f"PRAGMA rekey = \"x'{key.hex()}'\"")
    db.close()
    (practice / "keyslots.json.next").write_text(json.dumps(pending))
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.verify() == [] and v.slots["db_key"] == pending["db_key"]
    assert not (practice / "keyslots.json.next").exists()


def test_killed_in_the_middle_leaves_the_whole_client_or_the_tombstone(practice, tmp_path, monkeypatch):
    """SIGKILL `destroy run` at many moments; each time the vault opens and holds either the
    whole client or only the tombstone, never a half."""
    from dossier.records.document import export_document

    with Vault.open(practice, PASSPHRASE) as v:
        whole = next(c for c in export_document(v)["clients"] if c["id"] == NOELLE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env["DOSSIER_PASSPHRASE"] = PASSPHRASE
    outcomes = set()
    for i, delay in enumerate([0.02, 0.08, 0.12, 0.15, 0.17, 0.19, 0.21, 0.23, 0.25, 0.3, 0.4, 1.0, 3.0]):
        work = tmp_path / f"k{i}"
        shutil.copytree(practice, work / "vault")
        shutil.copytree(tmp_path / "config", work / "config")  # the rollback mirror goes with the copy
        env["XDG_CONFIG_HOME"] = str(work / "config")
        monkeypatch.setenv("XDG_CONFIG_HOME", str(work / "config"))
        child = subprocess.Popen([sys.executable, "-m", "dossier", "--vault", str(work / "vault"), "destroy", "run",
                                  NOELLE, "--yes", "--out", str(work)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        with Vault.open(work / "vault", PASSPHRASE) as v:
            assert v.verify() == []
            present = [c for c in export_document(v)["clients"] if c["id"] == NOELLE]
            tomb = v.db.one("SELECT count(*) FROM ledger WHERE client_id = ?", (NOELLE,))[0]
            if present:
                assert present[0] == whole and tomb == 0
                outcomes.add("whole")
            else:
                assert tomb == 1
                for table in client_tables(v.db):
                    assert v.db.one(f"SELECT count(*) FROM {table} WHERE client_id = ?", (NOELLE,))[0] == 0
                outcomes.add("gone")
    assert outcomes == {"whole", "gone"}  # the kills fell both before and after the commit


def test_a_failure_after_the_deletion_keeps_the_letter_and_says_what_happened(cli, practice, tmp_path, monkeypatch):
    """The rows are gone once the transaction commits: a later step that fails (here the ledger
    outside the vault, as on a full disk) must not delete the letter or say nothing changed."""
    def full_disk(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger, "record_outside", full_disk)
    out = tmp_path / "brieven"
    r = cli("destroy", "run", "noelle", "--yes", "--out", out)
    assert_error(r, 1, "Noëlle Dijkstra: destroyed (every row is gone and the log says so), but the clean-up "
                       "after it failed (No space left on device)")
    assert "nothing was" not in r.stderr
    assert len(list(out.glob("vernietiging-noelle-dijkstra-*.pdf"))) == 1  # the letter stays: it cannot be made again
    monkeypatch.undo()
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT count(*) FROM clients WHERE id = ?", (NOELLE,))[0] == 0
        assert [e.action for e in v.audit_entries()].count("destroy.run") == 1
        assert v.db.one("SELECT 1 FROM meta WHERE key = 'destroy_pending'") is not None  # not forgotten
    r = cli("client", "list")  # the next command, any command, finishes it
    assert r.exit_code == 0 and "finished an interrupted destruction" in r.stderr
    assert NOELLE in [e["client_id"] for e in ledger_file_entries(practice)]
    assert NOELLE.encode() not in ledger.ledger_file(vault_id_of(practice)).read_bytes()  # sealed
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT 1 FROM meta WHERE key = 'destroy_pending'") is None


def unseal_by_hand(seed: bytes, slot: dict) -> bytes:
    """A slot's master key as docs/security.md describes it, with PyNaCl's primitives only: the
    slot's KDF output is an X25519 private key, "sealed" is a sealed box to its public key
    (format /3); an old slot has "wrapped" = nonce (24) || tag (16) || ciphertext (SecretBox)."""
    import base64

    import nacl.public
    import nacl.secret

    if "sealed" in slot:
        private = nacl.public.PrivateKey(seed)
        assert bytes(private.public_key) == base64.b64decode(slot["public"])
        return nacl.public.SealedBox(private).decrypt(base64.b64decode(slot["sealed"]))
    return nacl.secret.SecretBox(seed).decrypt(base64.b64decode(slot["wrapped"]))


def vault_id_of(path: Path) -> str:
    """The vault id in the key-slot file of the vault folder at ``path``."""
    return json.loads((path / "keyslots.json").read_text())["vault_id"]


def test_a_damaged_ledger_outside_the_vault_is_set_aside_not_overwritten(cli, practice):
    with Vault.open(practice, PASSPHRASE) as v:
        path = ledger.ledger_file(v.vault_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[{"client_id": "0b4e28ba-2fa1-41d2-883f-0016d3cca427", "destroyed": "2025-01-0')  # cut off
    assert cli("destroy", "run", "noelle", "--yes", "--out", practice.parent / "brieven").exit_code == 0
    (aside,) = path.parent.glob(path.name + ".damaged-*")
    assert "0b4e28ba" in aside.read_text()  # what it held is still there, for a person to read
    assert [e["client_id"] for e in ledger_file_entries(practice)] == [NOELLE]


def test_an_attachment_file_is_overwritten_with_zeros_before_it_goes(tmp_path):
    import os

    from dossier.store.blobs import CHUNK, BlobStore

    store = BlobStore(tmp_path / "blobs")
    blob = "0b4e28ba-2fa1-41d2-883f-0016d3cca427"
    store.put(blob, os.urandom(2 * CHUNK + 123))  # more than one piece of zeros
    seen = tmp_path / "second-name"
    os.link(tmp_path / "blobs" / blob, seen)  # a second name shows what erase left in the file
    size = seen.stat().st_size
    assert store.erase(blob) and not (tmp_path / "blobs" / blob).exists()
    assert seen.read_bytes() == bytes(size)


def test_verify_names_a_missing_attachment_file(practice, tmp_path):
    from dossier.records.attachments import attach

    f = tmp_path / "scan.pdf"
    f.write_bytes(b"%PDF scan")
    with Vault.open(practice, PASSPHRASE) as v:
        aid = attach(v, NOELLE, f, "questionnaire")
        assert v.verify() == []
    (practice / "blobs" / aid).unlink()
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.verify() == [f"attachment {aid}: its encrypted file is missing from blobs/"]


def test_a_client_with_an_anonymised_export_is_destroyed_with_its_placeholders(cli, practice, tmp_path):
    notes = tmp_path / "n.txt"
    notes.write_text("Gesprek over collega Pieter Bos en de afdeling.", encoding="utf-8")
    cli("session", "add", "noelle", "--date", "2026-01-05", "--notes-file", notes)
    assert cli("anonymise", "noelle", "--out", tmp_path / "casus.md", "--yes").exit_code == 0
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT count(*) FROM pseudonyms")[0] >= 1
    r = cli("destroy", "run", "noelle", "--yes", "--out", tmp_path)
    assert r.exit_code == 0, r.stderr
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT count(*) FROM pseudonyms")[0] == 0


def test_every_table_of_a_client_has_a_word_in_the_destruction_letter(vault):
    """The letter says what was destroyed; a table added later (found through its foreign key
    to clients) must get its words in both languages, or this fails."""
    from dossier.retention.letters import WHAT

    tables = set(client_tables(vault.db))
    assert {"sessions", "attachments", "consents", "pseudonyms", "provenance"} <= tables
    assert "destructions" not in tables and "ledger" not in tables  # they outlive the client
    for lang in ("nl", "en"):
        assert tables - set(WHAT[lang]) == set(), lang
        assert all(WHAT[lang][t].strip() for t in tables)


# -- a destruction is finished, whatever happens --------------------------------------------------------

STEPS = [
    "dossier.retention.destroy.purge_index",  # inside the deleting write: nothing happened
    "dossier.retention.destroy.finish",  # deleted, the backups being rewritten in the other thread
    "dossier.retention.erase.forget",  # a backup opened to be rewritten, nothing deleted in it yet
    "dossier.retention.backups._dump",  # a backup rewritten, its manifest not yet
    "dossier.vault.keyslots.replace_and_wipe",  # re-encrypted, the slot file not yet replaced
    "dossier.store.blobs.BlobStore.erase",  # new key, attachment file not yet erased
    "dossier.vault.ledger.record_outside",  # no ledger beside the mirror yet
    "dossier.retention.backups.Erasure.run",  # backups not yet rewritten
    "dossier.retention.backups.Erasure.log",  # backups rewritten and the vault rekeyed, not yet logged
]


@pytest.mark.parametrize("step", STEPS)
def test_killed_at_each_step_the_next_command_finishes_the_destruction(practice, tmp_path, step):
    """SIGKILL `destroy run` at one exact step; after the next command (any command) the
    client is gone from the vault and from every backup, and a restore brings nothing back."""
    from dossier.records.attachments import attach
    from dossier.retention import backups as backup

    f = tmp_path / "brief.pdf"
    f.write_bytes(ATTACHMENT)
    with Vault.open(practice, PASSPHRASE) as v:
        aid = attach(v, NOELLE, f, "letter")
    assert run("backup", "--to", tmp_path / "backups", vault=practice).returncode == 0
    killed = subprocess.run([sys.executable, str(Path(__file__).with_name("killat.py")), step, "--vault",
                             str(practice), "destroy", "run", NOELLE, "--yes", "--out", str(tmp_path)],
                            env={**os.environ, "DOSSIER_PASSPHRASE": PASSPHRASE}, capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    after = run("client", "list", vault=practice)
    assert after.returncode == 0, after.stderr
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.verify() == [] and v.rollback is None
        gone = v.db.one("SELECT 1 FROM clients WHERE id = ?", (NOELLE,)) is None
        assert v.db.one("SELECT value FROM meta WHERE key = 'destroy_pending'") is None
    if step == STEPS[0]:  # killed inside the deleting transaction: the whole client is there
        assert not gone and (practice / "blobs" / aid).exists()
        return
    assert gone and not (practice / "blobs" / aid).exists()
    assert "finished an interrupted destruction" in after.stderr
    (b,) = [Path(i["path"]) for i in backup.list_backups(tmp_path / "backups")]
    backup.verify_backup(b)
    inside = backup_contents(b, practice)
    assert NOELLE not in inside["clients"] and NOELLE in [e["client_id"] for e in inside["ledger"]]
    restored = backup.restore(b, tmp_path / "restored", PASSPHRASE)
    with Vault.open(tmp_path / "restored", PASSPHRASE) as r:
        assert r.db.one("SELECT 1 FROM clients WHERE id = ?", (NOELLE,)) is None
    assert restored["refused_ledgers"] == []


def _slot_files_in(image: bytes) -> list[dict]:
    """Every key-slot file (JSON written by dossier) whose bytes are anywhere in the image."""
    found, at = [], 0
    while (at := image.find(b'"format": "dossier-keyslots/', at + 1)) != -1:
        start, end = image.rfind(b"{\n", 0, at), image.find(b"\n}", at)
        try:
            found.append(json.loads(image[start:end + 2]))
        except ValueError:
            continue
    return found


def test_on_an_ext4_image_no_word_of_the_destroyed_client_can_be_read(tmp_path, example):
    """A vault and its backup folder on a real ext4 file system (a loop device); after the
    destruction the raw image is read block by block: every 4 KiB block and WAL frame is
    decrypted with every database key that any key-slot file found anywhere in the image yields
    with the passphrase or the recovery key. No word of the client may appear."""
    from sqlcipher_pages import ext4_image, image_path, read_image, scan_raw, words_in

    from dossier import crypto
    from dossier.records.document import import_document
    from dossier.retention import backups

    others = {**example, "clients": example["clients"][1:]}
    base, _ = make_vault(tmp_path / "baseline", test_unencrypted=True)
    import_document(base, others)
    base.close()
    noelle = example["clients"][0]
    baseline = folder_bytes(tmp_path / "baseline").lower()
    # The scan searches bytes, not words: a word that is a piece of another client's ("belang"
    # in "belangrijk") is left out, as are short ones.
    words = {w for w in _words(noelle) - {"coach"} if len(w) >= 6 and w.encode() not in baseline}
    with ext4_image(tmp_path, 64) as mnt:
        v, recovery = make_vault(mnt / "vault")
        import_document(v, example)
        backups.make_backup(v, mnt / "backups")
        result = destroy.destroy(v, [NOELLE])["backups"]
        assert result["rewritten"] and not result["failed"]
        v.close()
    image = read_image(image_path(tmp_path))
    keys = set()
    for slots in _slot_files_in(image):
        for slot in slots["slots"]:
            try:
                if slot["kind"] == "passphrase":
                    kek = crypto.derive_kek(PASSPHRASE, crypto.unb64(slot["salt"]),
                                            crypto.KdfParams(slot["opslimit"], slot["memlimit"]))
                elif slot["kind"] == "recovery":
                    kek = crypto.recovery_kek(crypto.parse_recovery_key(recovery), crypto.unb64(slot["salt"]))
                else:
                    continue
                master = unseal_by_hand(kek, slot)
            except Exception:
                continue
            db_key = crypto.unwrap(master, crypto.unb64(slots["db_key"])) if "db_key" in slots else master
            keys.add((db_key, crypto.unb64(slots["db_salt"])))
    assert len(keys) >= 2  # the vault's and the backup's, at least
    scan = scan_raw(image, sorted(keys))
    control = _fold(example["clients"][1]["last_name"])
    assert control in words_in(scan, [control])  # the scan reads what is still there
    leaks = {src: sorted(words_in([text], words)) for text, src in zip(scan, scan.sources) if words_in([text], words)}
    assert leaks == {}, (leaks, len(keys))
