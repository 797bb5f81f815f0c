"""Backups that cannot resurrect (CSR 5.4; TB 2.13-2.15), on the real vault with real crypto:
what a backup holds and how it is protected, a restore that is a vault of its own, a
destruction carried into the backups, and a stale backup that comes back without the
destroyed dossier. Each bad input from the issue: one clear error, nothing left behind."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat

import pytest

from conftest import PASSPHRASE, assert_error, backup_contents, make_vault, state
from dossier import crypto
from dossier.retention import backups as backup, destroy
from dossier.vault import ledger
from dossier.store import SCHEMA_VERSION
from dossier.errors import FileProblem, InvalidInput, WrongPassphrase
from dossier.records.document import export_document, import_document
from dossier.records.attachments import attach
from dossier.records.clients import add_client
from dossier.vault import Vault

NOELLE = "bf67b782-ee87-4be1-9303-8877b083f081"
SEM = "7bd8b6ae-7f23-4d58-9f03-58c55745488e"
LETTER = b"%PDF-1.4 fictieve verwijsbrief van Noelle, kenmerk QX-7731-ZEBRA \x00\xff"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def unique_strings(example, index=0) -> list[bytes]:
    """Strings found only in one client's dossier (the name could recur in a tombstone)."""
    c = example["clients"][index]
    return [s.encode() for s in (c["email"], c["phone"], c["sessions"][0]["notes"][:40])]  # the id stays, in the ledger


def raw(folder) -> bytes:
    return b"".join(f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file())


def with_letter(path, tmp_path, **kw) -> str:
    """Attach a letter to Noëlle; returns the attachment id."""
    letter = tmp_path / "verwijsbrief.pdf"
    letter.write_bytes(LETTER)
    with Vault.open(path, PASSPHRASE, **kw) as v:
        return attach(v, NOELLE, letter, "letter")


def make(path, to=None, **kw):
    with Vault.open(path, PASSPHRASE, **kw) as v:
        return backup.make_backup(v, to)


@pytest.fixture
def backups(tmp_path):
    return tmp_path / "backups"


# -- making a backup ------------------------------------------------------------------------------

def test_backup_holds_the_vault_encrypted_with_a_manifest(practice, tmp_path, backups, example):
    blob_id = with_letter(practice, tmp_path)
    b = make(practice, backups)

    assert b.parent == backups and backup._NAME.fullmatch(b.name)
    assert sorted(p.relative_to(b).as_posix() for p in b.rglob("*")) == [
        "blobs", f"blobs/{blob_id}", "keyslots.json", "manifest.json", "vault.db"]
    assert list(backups.iterdir()) == [b]  # no temporary folder left
    assert mode(b) == 0o700 and mode(b / "blobs") == 0o700
    assert all(mode(f) == 0o600 for f in b.rglob("*") if f.is_file())
    assert (b / "blobs" / blob_id).read_bytes() == (practice / "blobs" / blob_id).read_bytes()

    m = json.loads((b / "manifest.json").read_text())
    assert m["format"] == "dossier-backup/1" and m["schema_version"] == SCHEMA_VERSION and m["dossier_version"]
    assert "clients" not in m and m["client_count"] == len(example["clients"])  # no client id in the clear
    assert not any(c["id"].encode() in (b / "manifest.json").read_bytes() for c in example["clients"])
    inside = backup_contents(b, practice)
    assert inside["clients"] == sorted(c["id"] for c in example["clients"]) and inside["ledger"] == []
    assert set(m["files"]) == {"vault.db", "keyslots.json", f"blobs/{blob_id}"}
    assert all(hashlib.sha256((b / rel).read_bytes()).hexdigest() == h for rel, h in m["files"].items())
    manifest_text = (b / "manifest.json").read_text()
    for c in example["clients"]:
        assert c["last_name"] not in manifest_text and c["email"] not in manifest_text

    data = raw(b)
    for c in example["clients"]:
        for s in (c["last_name"], c["email"]):
            assert s.encode() not in data, s
    assert b"QX-7731-ZEBRA" not in data and b"SQLite format 3" not in data

    with Vault.open(practice, PASSPHRASE) as v:
        assert m["vault_id"] == v.vault_id
        assert backup.backup_folder(v) == backups.resolve()
        actions = [e for e in v.audit_entries() if e.action.startswith("backup.")]
        assert [(e.action, e.detail) for e in actions] == [("backup.config", f"backup folder {backups.resolve()}"),
                                                           ("backup.make", b.name)]
        # Its own key, not the vault's: the slot file wraps a different database key.
        assert json.loads((b / "keyslots.json").read_text())["db_key"] != v.slots.get("db_key")
    backup.verify_backup(b)


def test_next_backup_goes_to_the_remembered_folder(practice, backups):
    first = make(practice, backups)
    second = make(practice)
    assert second.parent == backups and second != first
    assert [b["name"] for b in backup.list_backups(backups)] == [first.name, second.name]
    with Vault.open(practice, PASSPHRASE) as v:
        assert [e.action for e in v.audit_entries()].count("backup.config") == 1  # logged when it changes


def test_backup_without_a_folder_is_a_usage_error(practice, dossier):
    before = state(practice)
    assert_error(dossier("backup"), 2, "no backup folder: give --to DIR")
    assert state(practice) == before


def test_backup_inside_the_vault_is_refused(practice, dossier):
    before = state(practice)
    assert_error(dossier("backup", "--to", practice / "backups"), 2, "is inside the vault folder")
    assert state(practice) == before and not (practice / "backups").exists()


def test_remembered_folder_that_cannot_be_reached_is_not_made(practice, backups):
    make(practice, backups)
    shutil.rmtree(backups)  # the external disk is not plugged in
    with pytest.raises(FileProblem, match="the backup folder cannot be reached"):
        make(practice)
    assert not backups.exists()


def test_failed_backup_leaves_nothing(practice, tmp_path, backups, monkeypatch):
    with_letter(practice, tmp_path)
    before = state(practice)

    def disk_full(source, dest):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_copy_private", disk_full)
    with pytest.raises(FileProblem, match="cannot write the backup \\(No space left on device\\); nothing was written"):
        make(practice, backups)
    assert list(backups.iterdir()) == []
    assert state(practice) == before  # not remembered, not logged


def test_backup_through_the_cli_prints_its_folder(practice, dossier, backups):
    result = dossier("backup", "--to", backups)
    assert result.exit_code == 0, result.stderr
    (b,) = backups.iterdir()
    assert result.stdout.strip() == str(b)
    assert "backup written" in result.stderr


# -- restoring -------------------------------------------------------------------------------------

def test_restore_is_the_vault_at_backup_time_as_a_vault_of_its_own(practice, tmp_path, backups):
    with_letter(practice, tmp_path)
    b = make(practice, backups)
    with Vault.open(practice, PASSPHRASE) as v:
        then, old_id = export_document(v), v.vault_id
        add_client(v, {"first_name": "Eva", "last_name": "Jansen"})  # after the backup

    result = backup.restore(b, tmp_path / "restored", PASSPHRASE)
    restored = tmp_path / "restored"
    assert result["path"] == str(restored) and result["clients"] == 10 and result["reapplied"] == []
    assert mode(restored) == 0o700 and all(mode(f) == 0o600 for f in restored.rglob("*") if f.is_file())
    with Vault.open(restored, PASSPHRASE) as r:
        assert r.rollback is None and r.verify() == []
        assert export_document(r) == then  # attachments included, byte for byte
        assert r.vault_id == result["vault_id"] != old_id
        assert json.loads((restored / "keyslots.json").read_text())["vault_id"] == r.vault_id
        assert "vault.restore" in [e.action for e in r.audit_entries()]
        add_client(r, {"first_name": "Daan", "last_name": "Nieuw"})  # writable
    from dossier import paths
    assert (paths.mirror_dir() / f"{result['vault_id']}.json").exists()
    with Vault.open(practice, PASSPHRASE) as v:  # the original is untouched and not rolled back
        assert v.rollback is None and len(export_document(v)["clients"]) == 11


def test_restore_onto_an_existing_empty_folder(practice, tmp_path, backups):
    b = make(practice, backups)
    (tmp_path / "empty").mkdir()
    assert backup.restore(b, tmp_path / "empty", PASSPHRASE)["clients"] == 10


def test_restore_through_the_cli(practice, dossier, backups, tmp_path):
    b = make(practice, backups)
    result = dossier("restore", b, "--to", tmp_path / "restored")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(tmp_path / "restored")
    assert "restored 10 client(s)" in result.stderr and "--vault" in result.stderr
    assert state(tmp_path / "restored")[0] == state(practice)[0]


# -- a destruction reaches the backups ------------------------------------------------------------

def test_destruction_is_erased_from_the_backups_it_can_reach(tmp_path, backups, example):
    path = tmp_path / "forensic"
    v, _ = make_vault(path, test_unencrypted=True)
    import_document(v, {"format": "dossier/1", "clients": example["clients"][1:]})
    v.close()
    without = make(path, backups, test_unencrypted=True)  # made before Noëlle became a client
    with Vault.open(path, PASSPHRASE, test_unencrypted=True) as v:
        import_document(v, {"format": "dossier/1", "clients": example["clients"][:1]})
    blob_id = with_letter(path, tmp_path, test_unencrypted=True)
    holds = make(path, test_unencrypted=True)
    for s in unique_strings(example):  # the test can see her: these files are not encrypted
        assert s in raw(holds), s
    assert (holds / "blobs" / blob_id).exists()
    without_files = backup.verify_backup(without)["files"]

    with Vault.open(path, PASSPHRASE, test_unencrypted=True) as v:
        out = destroy.destroy(v, [NOELLE])  # the backups first, then the vault's new keys
        entries = [{"client_id": d["client_id"], "destroyed": d["destroyed"]} for d in out["destroyed"]]
        result = out["backups"]
        master = v.master_key
        assert out["steps"] == []
        assert [e.detail for e in v.audit_entries() if e.action == "backup.erase"] == [
            f"{holds.name}: 1 destroyed client(s) erased"]
    assert result == {"rewritten": [holds.name], "updated": [without.name], "failed": []}

    for s in unique_strings(example):
        assert s not in raw(holds), s
    for s in unique_strings(example, 2):  # the other clients are still there
        assert s in raw(holds), s
    assert not (holds / "blobs" / blob_id).exists()
    m = backup.verify_backup(holds)
    inside = backup_contents(holds, path, test_unencrypted=True)
    assert NOELLE not in inside["clients"] and len(inside["clients"]) == 9 == m["client_count"]
    assert inside["ledger"] == entries
    assert f"blobs/{blob_id}" not in m["files"]
    with Vault.open_with_master(holds, master, test_unencrypted=True) as b:
        assert b.db.one("SELECT 1 FROM clients WHERE id = ?", (NOELLE,)) is None
        assert ledger.ledger(b.db) == entries

    # The backup that never held her carries the ledger too, and is otherwise unchanged.
    m2 = backup.verify_backup(without)
    inside = backup_contents(without, path, test_unencrypted=True)
    assert inside["ledger"] == entries and m2["files"] == without_files and len(inside["clients"]) == 9


def test_erase_from_backups_rewrites_and_reports_what_it_could_not(practice, backups, tmp_path):
    good, damaged, tampered = make(practice, backups), make(practice), make(practice)
    flip_byte(damaged / "vault.db", 5000)
    db = tampered / "vault.db"
    flip_byte(db, db.stat().st_size // 2)  # with a checksum to match: SQLCipher's MAC finds it
    manifest = json.loads((tampered / "manifest.json").read_text())
    manifest["files"]["vault.db"] = hashlib.sha256(db.read_bytes()).hexdigest()
    (tampered / "manifest.json").write_text(json.dumps(manifest))
    with Vault.open(practice, PASSPHRASE) as v:
        out = destroy.destroy(v, [NOELLE])
        result = out["backups"]
        assert out["steps"] == ["backups"]  # not finished: the journal keeps the old master key for them
        old_masters = json.loads(v.db.one("SELECT value FROM meta WHERE key = 'destroy_pending'")[0])["old_masters"]
        assert len(old_masters) == 1 and crypto.unb64(old_masters[0]) != v.master_key
    assert result["rewritten"] == [good.name]
    assert [name for name, _ in result["failed"]] == [damaged.name, tampered.name]
    assert "vault.db is missing or does not match its checksum" in result["failed"][0][1]
    assert "damaged" in result["failed"][1][1]
    assert NOELLE not in backup_contents(good, practice)["clients"]


def test_erase_from_backups_without_a_backup_folder_does_nothing(practice):
    with Vault.open(practice, PASSPHRASE) as v:
        assert backup.erase_from_backups(v, [{"client_id": NOELLE, "destroyed": "2026-01-01"}]) == {
            "rewritten": [], "updated": [], "failed": []}


@pytest.mark.parametrize("source", ["mirror ledger", "newer backup", "none"])
def test_stale_backup_is_restored_without_the_destroyed_client(practice, tmp_path, backups, monkeypatch, source):
    """A backup kept out of reach (copied to a disk in a drawer) before the destruction: the
    restore re-applies the destruction from the ledger beside the mirror, or from the manifest
    of a newer backup beside it. With neither (the last case) she would come back: that is
    what the ledgers are for."""
    blob_id = with_letter(practice, tmp_path)
    b = make(practice, backups)
    drawer = tmp_path / "drawer"
    shutil.copytree(b, drawer / b.name)
    with Vault.open(practice, PASSPHRASE) as v:
        destroy.destroy(v, [NOELLE])
        backup.erase_from_backups(v, ledger.ledger(v.db))
        vault_id = v.vault_id
    if source != "mirror ledger":  # restored on another machine: no ledger file
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-machine"))
    if source == "newer backup":
        make(practice, drawer)  # made after the destruction, on the same disk
    assert ledger.ledger_file(vault_id).exists() == (source == "mirror ledger")

    result = backup.restore(drawer / b.name, tmp_path / "restored", PASSPHRASE)
    with Vault.open(tmp_path / "restored", PASSPHRASE) as r:
        ids = [c["id"] for c in export_document(r)["clients"]]
        if source == "none":
            assert NOELLE in ids and result["reapplied"] == []
            return
        assert NOELLE not in ids and len(ids) == 9
        assert result["reapplied"] == [NOELLE]
        assert r.db.one("SELECT 1 FROM ledger WHERE client_id = ?", (NOELLE,))
        assert [e.client_id for e in r.audit_entries() if e.action == "destroy.reapply"] == [NOELLE]
        assert r.verify() == []
    assert not (tmp_path / "restored" / "blobs" / blob_id).exists()


def test_cli_restore_says_what_was_destroyed_again(practice, dossier, tmp_path, backups):
    b = make(practice, backups)
    shutil.copytree(b, tmp_path / "drawer" / b.name)
    with Vault.open(practice, PASSPHRASE) as v:
        destroy.destroy(v, [NOELLE])
    result = dossier("restore", tmp_path / "drawer" / b.name, "--to", tmp_path / "restored")
    assert result.exit_code == 0, result.stderr
    assert f"destroyed again, as recorded in the ledger: {NOELLE}" in result.stderr
    assert "restored 9 client(s)" in result.stderr


# -- bad input: one clear error, nothing left behind ---------------------------------------------

def flip_byte(path, at=4096):
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def damage_db(b):
    flip_byte(b / "vault.db")


def drop_blob(b):
    next((b / "blobs").iterdir()).unlink()


def add_file(b):
    (b / "blobs" / "notes.txt").write_text("extra")


def change_keyslots(b):
    slots = json.loads((b / "keyslots.json").read_text())
    slots["vault_id"] = "00000000-0000-0000-0000-000000000000"
    (b / "keyslots.json").write_text(json.dumps(slots))


def drop_manifest(b):
    (b / "manifest.json").unlink()


def folder_for_blob(b):
    blob = next((b / "blobs").iterdir())
    blob.unlink()
    blob.mkdir()  # something that cannot be read as a file


DAMAGE = [
    (damage_db, "vault.db does not match its checksum"),
    (drop_blob, "blobs/"),
    (add_file, "blobs/notes.txt is not in the manifest"),
    (change_keyslots, "keyslots.json does not match its checksum"),
    (drop_manifest, "manifest.json is missing"),
    (folder_for_blob, "cannot be read (Is a directory)"),
]


@pytest.mark.parametrize("damage,message", DAMAGE, ids=[d.__name__ for d, _ in DAMAGE])
def test_restore_of_a_corrupted_backup(practice, dossier, tmp_path, backups, damage, message):
    with_letter(practice, tmp_path)
    b = make(practice, backups)
    damage(b)
    result = dossier("restore", b, "--to", tmp_path / "restored")
    assert_error(result, 5, f"corrupted backup {b.name}: ", message)
    assert not (tmp_path / "restored").exists()
    (listed,) = backup.list_backups(backups)
    assert not listed["ok"] and message in listed["problem"]


def test_backup_changed_during_restore_is_caught(practice, tmp_path, backups, monkeypatch):
    b = make(practice, backups)
    real = backup.verify_backup

    def verify_then_damage(path):
        manifest = real(path)
        damage_db(path)
        return manifest

    monkeypatch.setattr(backup, "verify_backup", verify_then_damage)
    with pytest.raises(backup.BackupDamaged, match="vault.db does not match its checksum"):
        backup.restore(b, tmp_path / "restored", PASSPHRASE)
    assert not (tmp_path / "restored").exists()


def test_backup_from_a_newer_dossier_is_refused(practice, dossier, tmp_path, backups):
    b = make(practice, backups)
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["schema_version"] = 99
    (b / "manifest.json").write_text(json.dumps(manifest))
    result = dossier("restore", b, "--to", tmp_path / "restored")
    assert_error(result, 1, f"backup {b.name} was made by a newer dossier (schema version 99; "
                            f"this dossier knows up to {SCHEMA_VERSION})", "restore it with that version of dossier")
    assert not (tmp_path / "restored").exists()
    manifest.update(schema_version=4, format="dossier-backup/2")
    (b / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(backup.BackupTooNew, match="newer dossier"):
        backup.verify_backup(b)


def test_restore_onto_a_folder_that_is_not_empty(practice, dossier, tmp_path, backups):
    b = make(practice, backups)
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    assert_error(dossier("restore", b, "--to", tmp_path / "taken"), 1, "the folder is not empty")
    assert [p.name for p in (tmp_path / "taken").iterdir()] == ["notes.txt"]
    assert_error(dossier("restore", b, "--to", practice), 1, "the folder is not empty")


def test_restore_with_the_wrong_passphrase(practice, dossier, tmp_path, backups):
    b = make(practice, backups)
    result = dossier("restore", b, "--to", tmp_path / "restored", passphrase="not the passphrase at all")
    assert_error(result, 3)
    assert not (tmp_path / "restored").exists()
    (tmp_path / "empty").mkdir()
    with pytest.raises(WrongPassphrase):
        backup.restore(b, tmp_path / "empty", "not the passphrase at all")
    assert (tmp_path / "empty").is_dir() and list((tmp_path / "empty").iterdir()) == []


def test_failure_after_unlocking_leaves_nothing(practice, tmp_path, backups, monkeypatch):
    b = make(practice, backups)

    def crash(vault, entries):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(backup, "forget", crash)
    with pytest.raises(FileProblem, match="cannot restore \\(Input/output error\\); nothing was left there"):
        backup.restore(b, tmp_path / "restored", PASSPHRASE)
    assert not (tmp_path / "restored").exists()


# -- list and prune ---------------------------------------------------------------------------------

def test_list_and_prune(practice, dossier, backups):
    made = [make(practice, backups) for _ in range(4)]
    flip_byte(made[3] / "vault.db")  # the newest is damaged

    result = dossier("backup", "list", "--json")
    assert result.exit_code == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [b["name"] for b in listed] == [b.name for b in made]
    assert [b["ok"] for b in listed] == [True, True, True, False] and listed[0]["clients"] == 10

    result = dossier("backup", "prune", "--keep", "2", "--to", backups, passphrase=None)  # no unlock needed
    assert result.exit_code == 0, result.stderr
    assert result.stdout.split() == [made[0].name]
    assert "left in place" in result.stderr and made[3].name in result.stderr
    assert sorted(p.name for p in backups.iterdir()) == sorted(b.name for b in made[1:])


def test_prune_that_cannot_remove_says_so(practice, dossier, backups, monkeypatch):
    made = [make(practice, backups) for _ in range(2)]

    def busy(path, *a, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(backup.shutil, "rmtree", busy)
    assert_error(dossier("backup", "prune", "--keep", "1", "--to", backups, passphrase=None), 1,
                 f"{made[0]}: could not be removed (Permission denied)")
    monkeypatch.undo()
    assert all(b.exists() for b in made)


def test_prune_keep_zero_is_refused(practice, dossier, backups):
    make(practice, backups)
    assert_error(dossier("backup", "prune", "--keep", "0"), 1, "--keep: 0 must be 1 or more")
    assert len(list(backups.iterdir())) == 1
    with pytest.raises(InvalidInput):
        backup.prune(backups, -1)


def test_list_of_a_folder_that_is_not_there(dossier, tmp_path):
    assert_error(dossier("backup", "list", "--to", tmp_path / "nowhere", passphrase=None), 1,
                 "no such backup folder")


def test_every_backup_command_has_help():
    from dossier.cli.backup import backup_app, restore

    assert backup_app.registered_callback.callback.__doc__ and restore.__doc__
    for command in backup_app.registered_commands:
        assert command.callback.__doc__, command.name
    for text in (backup_app.registered_callback.callback.__doc__, restore.__doc__):
        assert "CSR 5.4" in text


def test_damage_behind_a_matching_checksum_is_caught_by_the_page_check(practice, tmp_path, backups):
    """The manifest's checksums find accidents; a changed page with a re-computed checksum is
    still caught, by SQLCipher's MAC on every page, before the restore counts as done."""
    b = make(practice, backups)
    db = b / "vault.db"
    flip_byte(db, db.stat().st_size // 2)
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["files"]["vault.db"] = hashlib.sha256(db.read_bytes()).hexdigest()
    (b / "manifest.json").write_text(json.dumps(manifest))
    backup.verify_backup(b)
    with pytest.raises(backup.BackupDamaged, match=f"corrupted backup {b.name}: "):
        backup.restore(b, tmp_path / "restored", PASSPHRASE)
    assert not (tmp_path / "restored").exists()


def test_a_changed_byte_in_any_page_fails_the_restore(practice, tmp_path, backups):
    """Flip one byte in each page of the backup's database in turn (with a checksum to
    match): every one fails the restore as a corrupted backup, and leaves nothing behind."""
    b = make(practice, backups)
    db = b / "vault.db"
    pristine, manifest = db.read_bytes(), json.loads((b / "manifest.json").read_text())
    assert len(pristine) // 4096 > 10
    for page in range(len(pristine) // 4096):
        flip_byte(db, page * 4096 + 2000)
        manifest["files"]["vault.db"] = hashlib.sha256(db.read_bytes()).hexdigest()
        (b / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(backup.BackupDamaged, match=f"corrupted backup {b.name}: "):
            backup.restore(b, tmp_path / "restored", PASSPHRASE)
        assert not (tmp_path / "restored").exists(), page
        db.write_bytes(pristine)


def test_restore_into_the_backup_itself_is_refused(practice, tmp_path, backups):
    b = make(practice, backups)
    with pytest.raises(backup.UsageError, match="is inside the backup"):
        backup.restore(b, b / "restored", PASSPHRASE)
    backup.verify_backup(b)


def test_rolled_back_vault_makes_no_backup(practice, dossier, tmp_path, backups):
    old = tmp_path / "old-copy"
    shutil.copytree(practice, old)
    with Vault.open(practice, PASSPHRASE) as v:
        add_client(v, {"first_name": "Eva", "last_name": "Jansen"})
    shutil.rmtree(practice)
    shutil.copytree(old, practice)  # an old copy put back: the mirror is ahead
    assert_error(dossier("backup", "--to", backups), 6, "OLDER")
    assert not backups.exists()


def test_folder_given_before_the_subcommand(practice, dossier, backups):
    b = make(practice, backups)
    result = dossier("backup", "--to", backups, "list", "--json", passphrase=None)  # no unlock needed
    assert result.exit_code == 0, result.stderr
    assert [x["name"] for x in json.loads(result.stdout)] == [b.name]


def test_destruction_in_a_restored_vault_reaches_old_backups_of_the_original(practice, tmp_path, backups):
    """Restore B (a vault of its own), destroy Sem there without a new backup; a later
    restore of an older backup of the original must still forget him: the ledger file of
    the vault it was restored from learns the destruction too."""
    old = make(practice, backups)
    drawer = tmp_path / "drawer"
    shutil.copytree(old, drawer / old.name)
    backup.restore(old, tmp_path / "first", PASSPHRASE)
    with Vault.open(tmp_path / "first", PASSPHRASE) as r:
        destroy.destroy(r, [SEM])
    backup.restore(drawer / old.name, tmp_path / "second", PASSPHRASE)
    with Vault.open(tmp_path / "second", PASSPHRASE) as r:
        assert SEM not in [c["id"] for c in export_document(r)["clients"]]


# -- the backup folder is not trusted ---------------------------------------------------------------

def test_a_forged_manifest_beside_a_backup_deletes_nothing(practice, backups, tmp_path, dossier):
    """Anyone who can write the backup folder adds a folder holding only a manifest whose ledger
    names a live client: restoring a sound backup beside it keeps that client, and says so."""
    good = make(practice, backups)
    forged = backups / "dossier-backup-20990101T000000Z-abcdef"
    forged.mkdir()
    manifest = json.loads((good / "manifest.json").read_text())
    manifest.pop("sealed")  # a ledger in the clear, as before the sealed part, with a made-up MAC
    manifest.update(clients=[], ledger=[{"client_id": NOELLE, "destroyed": "2026-01-01"}], ledger_mac="AAAA")
    (forged / "manifest.json").write_text(json.dumps(manifest))
    r = dossier("restore", good, "--to", tmp_path / "restored")
    assert r.exit_code == 0, r.stderr
    assert forged.name in r.stderr and "deleted nothing" in r.stderr
    with Vault.open(tmp_path / "restored", PASSPHRASE) as v:
        assert v.db.one("SELECT 1 FROM clients WHERE id = ?", (NOELLE,)) is not None


def test_a_forged_ledger_file_beside_the_mirror_deletes_nothing(practice, backups, tmp_path):
    from dossier.vault import ledger as L

    good = make(practice, backups)
    with Vault.open(practice, PASSPHRASE) as v:
        vault_id = v.vault_id
    L.ledger_file(vault_id).write_text(json.dumps({"format": L.OLD_FILE_FORMAT, "entries": [
        {"client_id": NOELLE, "destroyed": "2026-01-01"}], "mac": "AAAA"}))
    result = backup.restore(good, tmp_path / "restored", PASSPHRASE)
    assert result["reapplied"] == [] and str(L.ledger_file(vault_id)) in result["refused_ledgers"]


def test_a_backup_of_another_vault_in_the_folder_keeps_its_own_ledger(practice, backups, tmp_path):
    """erase_from_backups signs and rewrites only this vault's backups; another vault's manifest
    (its ledger unverifiable here) is left exactly as it was."""
    good = make(practice, backups)
    foreign = backups / "dossier-backup-20200101T000000Z-0a0b0c"
    shutil.copytree(good, foreign)
    manifest = json.loads((foreign / "manifest.json").read_text())
    manifest.update(vault_id="00000000-0000-4000-8000-000000000000",
                    ledger=[{"client_id": "0b4e28ba-2fa1-41d2-883f-0016d3cca427", "destroyed": "2025-01-01"}])
    (foreign / "manifest.json").write_text(json.dumps(manifest))
    before = (foreign / "manifest.json").read_bytes()
    with Vault.open(practice, PASSPHRASE) as v:
        result = destroy.destroy(v, [NOELLE])["backups"]
    assert result["rewritten"] == [good.name] and (foreign / "manifest.json").read_bytes() == before
