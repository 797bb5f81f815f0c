"""The vault: key slots, passphrase and recovery, damage, migrations, rollback, concurrency."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
import sqlcipher3

from conftest import PASSPHRASE, make_vault, vault_bytes
from dossier import crypto
from dossier.errors import (FileProblem, RollbackDetected, VaultDamaged, VaultExists, VaultMissing, WeakPassphrase,
                            WrongPassphrase)
from dossier.records.document import import_document
from dossier.records.clients import add_client, list_clients
from dossier.records.search import search
from dossier.vault import Vault


def test_create_and_open(vault_path):
    v, recovery = make_vault(vault_path)
    v.close()
    assert sorted(p.name for p in vault_path.iterdir()) == ["keyslots.json", "vault.db"]
    assert (vault_path / "keyslots.json").stat().st_mode & 0o777 == 0o600
    assert vault_path.stat().st_mode & 0o777 == 0o700
    with Vault.open(vault_path, PASSPHRASE) as v:
        assert v.verify() == []
        assert [e.action for e in v.audit_entries()] == ["vault.init", "unlock"]
        files = list(vault_path.iterdir())
        assert {f.name for f in files} >= {"vault.db", "vault.db-wal", "keyslots.json"}
        assert all(f.stat().st_mode & 0o777 == 0o600 for f in files), [(f.name, oct(f.stat().st_mode)) for f in files]


def test_vault_exists_and_missing(vault_path, tmp_path):
    make_vault(vault_path)[0].close()
    with pytest.raises(VaultExists):
        make_vault(vault_path)
    with pytest.raises(VaultMissing):
        Vault.open(tmp_path / "nowhere", PASSPHRASE)
    crowded = tmp_path / "crowded"
    crowded.mkdir()
    (crowded / "notes.txt").write_text("something else")
    with pytest.raises(FileProblem, match="not empty"):
        make_vault(crowded)


def test_weak_passphrase_is_refused_with_a_reason(vault_path):
    with pytest.raises(WeakPassphrase, match="too weak") as e:
        Vault.create(vault_path, "welkom123", crypto.KdfParams.TEST_ONLY_MINIMUM)
    assert e.value.hint
    assert not (vault_path / "vault.db").exists()


def test_kdf_below_interactive_is_refused(vault_path):
    with pytest.raises(ValueError):
        Vault.create(vault_path, PASSPHRASE, crypto.KdfParams(1, 1024 * 1024))


def test_wrong_passphrase(vault):
    vault.close()
    with pytest.raises(WrongPassphrase):
        Vault.open(vault.path, "correct horse battery stapler")


def test_passphrase_change_keeps_data_and_rewraps_only(vault_path):
    vault, recovery = make_vault(vault_path)
    cid = add_client(vault, {"first_name": "Noëlle", "last_name": "Dijkstra"})
    recovery_slot = [s for s in vault.slots["slots"] if s["kind"] == "recovery"]
    vault.change_passphrase("paarse olifant danst op zolder")
    vault.close()
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_path, PASSPHRASE)
    with Vault.open(vault_path, "paarse olifant danst op zolder") as v:
        assert [c["id"] for c in list_clients(v.db)] == [cid]
        assert "passphrase.change" in [e.action for e in v.audit_entries()]
        assert [s for s in v.slots["slots"] if s["kind"] == "recovery"] == recovery_slot
    # The untouched recovery slot still opens the database: the data key, and so the
    # encryption of the data, did not change.
    with Vault.open_with_recovery(vault_path, recovery) as v:
        assert [c["id"] for c in list_clients(v.db)] == [cid]


def test_recovery_key_unlocks_and_sets_a_new_passphrase(vault_path):
    v, recovery = make_vault(vault_path)
    add_client(v, {"first_name": "Sem", "last_name": "de Vries"})
    v.close()
    with Vault.open_with_recovery(vault_path, recovery) as v:
        v.change_passphrase("nieuwe zin voor de kluis van sem", crypto.KdfParams.TEST_ONLY_MINIMUM)
    with Vault.open(vault_path, "nieuwe zin voor de kluis van sem") as v:
        assert len(list_clients(v.db)) == 1
    other = crypto.new_recovery_key()
    with pytest.raises(WrongPassphrase, match="recovery key"):
        Vault.open_with_recovery(vault_path, other)


def test_raw_vault_files_hold_none_of_the_imported_names(practice, example):
    with Vault.open(practice, PASSPHRASE) as v:
        attach = v.path.parent / "brief.txt"
        attach.write_text("Unieke bijlagetekst Zwanenburgstraat")
        from dossier.records.attachments import attach as attach_file

        attach_file(v, example["clients"][0]["id"], attach, "letter")
        raw = vault_bytes(practice)  # while open: the WAL is there too
    raw += vault_bytes(practice)
    needles = ["Zwanenburgstraat"]
    for c in example["clients"]:
        # (a name of 3 or 4 letters, "Sem", turns up by chance in 1 MB of ciphertext and base64)
        needles += [f"{c['first_name']} {c['last_name']}", c["email"]]
        needles += [n for n in (c["first_name"], c["last_name"]) if len(n) >= 6]
        needles += [s["notes"][:30] for s in c["sessions"]]
    for needle in needles:
        for enc in ("utf-8", "utf-16-le"):
            assert needle.encode(enc) not in raw, needle


def test_damaged_vault_file_is_told_apart_from_a_wrong_passphrase(practice, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(practice, damaged)
    db = damaged / "vault.db"
    data = bytearray(db.read_bytes())
    for offset in (5000, 9000, 20000):  # inside pages 2-5, past the salt
        data[offset] ^= 0xFF
    db.write_bytes(bytes(data))
    with pytest.raises(WrongPassphrase):
        Vault.open(damaged, "a wrong passphrase entirely")
    with pytest.raises(VaultDamaged):
        with Vault.open(damaged, PASSPHRASE) as v:  # page 1 may be fine: then verify finds it
            problems = v.verify()
            if problems:
                raise VaultDamaged(problems[0])


def test_damaged_first_page_or_foreign_key_slot_is_damage(practice, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(practice, broken)
    data = bytearray((broken / "vault.db").read_bytes())
    data[100] ^= 0xFF  # first page, after the salt
    (broken / "vault.db").write_bytes(bytes(data))
    with pytest.raises(VaultDamaged, match="damaged"):
        Vault.open(broken, PASSPHRASE)

    other, _ = make_vault(tmp_path / "other")
    other.close()
    shutil.copy(tmp_path / "other" / "keyslots.json", broken / "keyslots.json")
    with pytest.raises(VaultDamaged, match="does not match"):
        Vault.open(broken, PASSPHRASE)

    (broken / "keyslots.json").write_text("{not json")
    with pytest.raises(VaultDamaged, match="key-slot file"):
        Vault.open(broken, PASSPHRASE)
    (broken / "keyslots.json").unlink()
    with pytest.raises(VaultDamaged, match="missing"):
        Vault.open(broken, PASSPHRASE)


def test_a_copy_from_before_an_upgrade_is_caught_and_can_be_accepted(vault_path, tmp_path):
    """A vault folder put back from before a schema upgrade is not migrated while it is
    rolled back; every command must still open it, to show the warning and to accept it."""
    from conftest import Invoker

    make_vault(vault_path, schema_upto=3)[0].close()  # before destruction requests and holds
    old = tmp_path / "old"
    shutil.copytree(vault_path, old)
    Vault.open(vault_path, PASSPHRASE).close()  # migrated, logged: the mirror moves on
    shutil.rmtree(vault_path)
    shutil.copytree(old, vault_path)
    cli = Invoker(vault_path)
    listed = cli("client", "list")
    assert listed.exit_code == 0 and "OLDER than its last known state" in listed.stderr, listed.stderr
    accepted = cli("verify", "--accept-rollback")
    assert accepted.exit_code == 0, accepted.stderr
    with Vault.open(vault_path, PASSPHRASE) as v:
        from dossier.store import SCHEMA_VERSION

        assert v.schema_version() == SCHEMA_VERSION and v.rollback is None


def test_an_open_waits_for_a_key_rotation_under_way(vault_path):
    """Another process rotating the key (after a destruction) holds the lock while it writes
    vault.db.next: an open waits, instead of taking it for a crash and removing it."""
    import threading

    import portalocker

    make_vault(vault_path)[0].close()
    under_way = vault_path / "vault.db.next"
    under_way.write_bytes(b"being written by the other process")
    fh = open(vault_path / ".rotation.lock", "a+b")
    portalocker.lock(fh, portalocker.LOCK_EX)
    opened = threading.Event()
    t = threading.Thread(target=lambda: (Vault.open(vault_path, PASSPHRASE).close(), opened.set()))
    t.start()
    t.join(0.5)
    assert not opened.is_set() and under_way.exists()  # it waits, and leaves the file alone
    fh.close()  # the other process ended without finishing: now it is a crash's leftover
    t.join(30)
    assert opened.is_set() and not under_way.exists()


def test_migration_from_the_first_schema(vault_path):
    v, _ = make_vault(vault_path, schema_upto=1)
    assert v.schema_version() == 1
    v.db.execute("BEGIN")
    v.db.execute("INSERT INTO clients (id, first_name, last_name, created, updated) "
                 "VALUES ('0b4e28ba-2fa1-41d2-883f-0016d3cca427', 'Loïs', 'Bakkenes', 'x', 'x')")
    v.db.execute("INSERT INTO sessions (id, client_id, date, notes) VALUES "
                 "('1b4e28ba-2fa1-41d2-883f-0016d3cca427', '0b4e28ba-2fa1-41d2-883f-0016d3cca427', '2026-01-05', "
                 "'Gesprek over werkdruk en herstel')")
    v.db.execute("COMMIT")
    v.close()
    with Vault.open(vault_path, PASSPHRASE) as v:
        from dossier.store import SCHEMA_VERSION

        assert v.schema_version() == SCHEMA_VERSION
        assert [h["kind"] for h in search(v.db, "werkdruk")] == ["session"]
        assert [h["kind"] for h in search(v.db, "lois")] == ["client"]
        assert "vault.migrate" in [e.action for e in v.audit_entries()]
        assert v.verify() == []


def test_audit_log_is_append_only_and_tampering_is_found(vault_path):
    v, _ = make_vault(vault_path, test_unencrypted=True)
    add_client(v, {"first_name": "Zoë", "last_name": "Rijkaart"})
    with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
        v.db.execute("UPDATE audit SET action = 'x' WHERE seq = 1")
    with pytest.raises(sqlcipher3.DatabaseError, match="append-only"):
        v.db.execute("DELETE FROM audit WHERE seq = 1")
    assert v.verify_audit() == []
    # An attacker with the key can drop the trigger; the chain still shows the edit.
    v.db.execute("DROP TRIGGER audit_no_update")
    v.db.execute("UPDATE audit SET detail = 'nothing happened' WHERE seq = 2")
    assert any("changed after it was written" in p for p in v.verify_audit())
    with pytest.raises(VaultDamaged, match="audit entry 2 was changed after it was written"):
        v.check()
    v.close()


def test_old_copy_of_the_vault_is_detected_and_refuses_writes(vault, tmp_path):
    vault.close()
    backup = tmp_path / "old-copy"
    shutil.copytree(vault.path, backup)
    with Vault.open(vault.path, PASSPHRASE) as v:
        add_client(v, {"first_name": "Daan", "last_name": "Verbeek"})
    shutil.rmtree(vault.path)
    shutil.copytree(backup, vault.path)  # restore the old copy over it
    with Vault.open(vault.path, PASSPHRASE) as v:
        assert v.rollback and "OLDER" in v.rollback
        assert list_clients(v.db) == []  # reading still works
        with pytest.raises(RollbackDetected):
            add_client(v, {"first_name": "Fatima", "last_name": "el Amrani"})
        assert v.rollback in v.verify()
        v.accept_rollback()
        add_client(v, {"first_name": "Fatima", "last_name": "el Amrani"})
    with Vault.open(vault.path, PASSPHRASE) as v:
        assert v.rollback is None
        assert [e.action for e in v.audit_entries()][-3:] == ["vault.accept-rollback", "client.add", "unlock"]


def test_stale_wal_is_detected(vault, tmp_path):
    """A stale WAL put back beside a newer database file undoes a change; the mirror sees it."""
    cid = add_client(vault, {"first_name": "Ingrid", "last_name": "Smeets"})
    vault.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    # A change that lives only in the WAL (no checkpoint yet): keep a copy of that WAL.
    vault.db.execute("PRAGMA wal_autocheckpoint = 0")
    from dossier.records.clients import edit_client

    edit_client(vault, cid, {"email": "ingrid@example.nl"})
    stale_wal = (vault.path / "vault.db-wal").read_bytes()
    edit_client(vault, cid, {"email": ""})  # e.g. a withdrawn consent
    vault.close()  # checkpoints: the database file now holds the newest state
    assert not (vault.path / "vault.db-wal").exists()
    (vault.path / "vault.db-wal").write_bytes(stale_wal)
    with Vault.open(vault.path, PASSPHRASE) as v:
        from dossier.records.document import load_client

        assert load_client(v.db, cid)["email"] == "ingrid@example.nl"  # the undone change is back
        assert v.rollback and "OLDER" in v.rollback
        with pytest.raises(RollbackDetected):
            edit_client(v, cid, {"email": "x@example.nl"})


def test_vault_moved_to_another_machine_without_mirror_opens(vault, tmp_path, monkeypatch):
    vault.close()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "other-machine-config"))
    with Vault.open(vault.path, PASSPHRASE) as v:
        assert v.rollback is None


WRITER = r"""
import sys
from pathlib import Path
from dossier.vault import Vault
from dossier.records.clients import add_client
with Vault.open(Path(sys.argv[1]), sys.argv[2]) as v:
    for i in range(int(sys.argv[4])):
        add_client(v, {"first_name": sys.argv[3], "last_name": f"Schrijver {i}"})
"""


def test_two_processes_writing_at_once_wait_for_each_other(vault, tmp_path):
    vault.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    procs = [subprocess.Popen([sys.executable, str(script), str(vault.path), PASSPHRASE, name, "25"],
                              stderr=subprocess.PIPE, text=True) for name in ("Anna", "Bram")]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with Vault.open(vault.path, PASSPHRASE) as v:
        names = [c["first_name"] for c in list_clients(v.db)]
        assert names.count("Anna") == 25 and names.count("Bram") == 25
        assert v.verify() == []


def test_a_failed_import_changes_nothing(vault, example):
    example["clients"][4]["sessions"][1]["date"] = "2026-02-30"
    seq_before = vault.head()
    from dossier.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"clients\[4\]\.sessions\[1\]\.date: '2026-02-30' is not a date that exists"):
        import_document(vault, example)
    assert list_clients(vault.db) == [] and vault.head() == seq_before


def test_round_trip_import_then_export(vault, example):
    from dossier.records.document import export_document

    import_document(vault, example)
    exported = export_document(vault)
    key = lambda c: c["id"]  # noqa: E731
    assert sorted(exported["clients"], key=key) == sorted(example["clients"], key=key)
    assert exported["format"] == "dossier/1"
    assert json.loads(json.dumps(exported)) == exported


def test_reads_go_on_while_another_connection_writes(vault):
    """WAL: a second process can read while the first holds the write lock, and sees only commits."""
    vault.close()
    with Vault.open(vault.path, PASSPHRASE) as a, Vault.open(vault.path, PASSPHRASE) as b:
        with a.write():
            add_client(a, {"first_name": "Rob", "last_name": "Bos"})
            assert list_clients(b.db) == []
        assert [c["first_name"] for c in list_clients(b.db)] == ["Rob"]


@pytest.mark.parametrize("weak", ["Zomervakantie", "Utrecht2024", "geheim!2025", "wachtwoord1"])
def test_common_dutch_passphrases_are_refused(weak):
    from dossier.vault.passphrase import check_passphrase_strength

    with pytest.raises(WeakPassphrase):
        check_passphrase_strength(weak)


def test_recovery_still_works_on_a_rolled_back_vault(vault_path, tmp_path):
    v, recovery = make_vault(vault_path)
    v.close()
    shutil.copytree(vault_path, tmp_path / "old")
    with Vault.open(vault_path, PASSPHRASE) as v:
        add_client(v, {"first_name": "Joris", "last_name": "Hoekstra"})
    shutil.rmtree(vault_path)
    shutil.copytree(tmp_path / "old", vault_path)
    with Vault.open_with_recovery(vault_path, recovery) as v:
        assert v.rollback
        v.change_passphrase("vergeten en teruggevonden zin", crypto.KdfParams.TEST_ONLY_MINIMUM)
        assert v.schema_version() > 0
    with Vault.open(vault_path, "vergeten en teruggevonden zin") as v:
        assert v.rollback  # still refused for writing until the coach confirms
        v.accept_rollback()
        add_client(v, {"first_name": "Joris", "last_name": "Hoekstra"})


def test_a_failed_init_leaves_nothing_behind(vault_path):
    """Nothing half-done: a creation that fails midway (here: an impossible schema) removes its files."""
    with pytest.raises(Exception):
        make_vault(vault_path, schema_upto=99)
    assert not vault_path.exists()
    make_vault(vault_path)[0].close()  # and the place is free for a real vault


def test_audit_entries_missing_between_first_and_head_are_caught_on_open(vault_path):
    """What a stale WAL replayed over a newer file does (old pages of the log beside new ones):
    the head still matches the mirror, entries in between are gone. Caught at the open, not
    only by 'dossier verify'."""
    from dossier.store import connect

    v, _ = make_vault(vault_path, test_unencrypted=True)
    for i in range(5):
        add_client(v, {"first_name": f"Eva{i}", "last_name": "Jansen"})
    v.close()
    db = connect(vault_path / "vault.db", None, test_unencrypted=True)
    for (name,) in db.all("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'"):
        db.execute(f"DROP TRIGGER {name}")  # (the stale WAL does not ask the triggers)
    db.execute("DELETE FROM audit WHERE seq = 3")
    db.close()
    with Vault.open(vault_path, PASSPHRASE, test_unencrypted=True) as v:
        assert v.rollback and "older state" in v.rollback
        with pytest.raises(RollbackDetected):
            add_client(v, {"first_name": "Nog", "last_name": "Een"})


def test_a_stale_wal_over_a_vault_with_free_pages_is_caught_at_the_open(vault_path):
    """The case found from outside (issue 13): the vault has free pages, the audit log grows
    onto a page taken from the free list after the stale WAL was copied, and a consent is
    withdrawn meanwhile. Putting that WAL back must not undo the withdrawal silently: the open
    says the vault is older than it was, and refuses writes."""
    from dossier.records import consents

    v, _ = make_vault(vault_path)
    cid = add_client(v, {"first_name": "Ingrid", "last_name": "Smeets"})
    spare = [add_client(v, {"first_name": f"Tijdelijk{i}", "last_name": "x" * 190, "background": "y" * 3000}) for i in range(60)]
    with v.write():
        for s in spare:
            v.db.execute("DELETE FROM clients WHERE id = ?", (s,))
    assert v.db.one("PRAGMA freelist_count")[0] > 0
    v.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    v.db.execute("PRAGMA wal_autocheckpoint = 0")
    consents.grant(v, cid, "intervision", how="written")  # in the WAL only
    stale_wal = (vault_path / "vault.db-wal").read_bytes()
    consents.withdraw(v, cid, "intervision")
    for i in range(40):  # the log grows onto pages of the free list
        with v.write():
            v.log("test.more", detail="y" * 400)
    v.close()
    assert not (vault_path / "vault.db-wal").exists()
    (vault_path / "vault.db-wal").write_bytes(stale_wal)
    with Vault.open(vault_path, PASSPHRASE) as v:
        assert consents.current(v.db, cid, "intervision") is not None  # the withdrawal is undone...
        assert v.rollback, "a stale WAL undid a withdrawal without a warning"  # ...and the open says so
        with pytest.raises(RollbackDetected):
            consents.grant(v, cid, "intervision", how="written")
