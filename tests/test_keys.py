"""The master key changes at every destruction and at `successor revoke` (CSR 5.4, TB 2.28),
and every slot follows it without its secret: key-slot format /3 (sealed slots), the old
wrapped slots and their upgrade, another process that holds the old keys, and the letter of
a destruction that is not finished."""

from __future__ import annotations

import base64
import json
import shutil

import pytest

from conftest import PASSPHRASE, make_vault
from dossier import crypto
from dossier.errors import VaultDamaged, WrongPassphrase
from dossier.retention import backups, destroy
from dossier.store import connect
from dossier.vault import Vault, keyslots
from pdftools import pdf_text

NOELLE = "bf67b782-ee87-4be1-9303-8877b083f081"


def keys_by_hand(slots: dict, passphrase: str = PASSPHRASE) -> tuple[bytes, bytes]:
    """(master key, database key) from a slot file and the passphrase, as docs/security.md
    describes it: Argon2id -> X25519 private key -> sealed box (or, before /3, SecretBox)."""
    import nacl.public
    import nacl.secret

    slot = next(s for s in slots["slots"] if s["kind"] == "passphrase")
    seed = crypto.derive_kek(passphrase, base64.b64decode(slot["salt"]),
                             crypto.KdfParams(slot["opslimit"], slot["memlimit"]))
    if "sealed" in slot:
        master = nacl.public.SealedBox(nacl.public.PrivateKey(seed)).decrypt(base64.b64decode(slot["sealed"]))
    else:
        master = nacl.secret.SecretBox(seed).decrypt(base64.b64decode(slot["wrapped"]))
    return master, nacl.secret.SecretBox(master).decrypt(base64.b64decode(slots["db_key"]))


def slots_of(path) -> dict:
    return json.loads((path / "keyslots.json").read_text())


def test_a_destruction_replaces_the_master_key_and_the_old_slot_file_opens_nothing_now(practice, tmp_path):
    """An old copy of keyslots.json (a freed block, an old backup) gives today's passphrase the
    old master key; that key opens neither the slot file nor the database nor the backup of now."""
    folder = tmp_path / "backups"
    with Vault.open(practice, PASSPHRASE) as v:
        backups.make_backup(v, folder)
    old = slots_of(practice)
    old_master, old_db = keys_by_hand(old)
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.master_key == old_master
        out = destroy.destroy(v, [NOELLE])
        assert out["steps"] == [] and out["backups"]["rewritten"]
        new_master = v.master_key
    new = slots_of(practice)
    assert new["format"] == "dossier-keyslots/3" and new["generation"] > old["generation"]
    assert keys_by_hand(new)[0] == new_master != old_master
    assert keys_by_hand(new)[1] != old_db
    with pytest.raises(Exception):  # the old master key does not unwrap today's database key
        crypto.unwrap(old_master, crypto.unb64(new["db_key"]))
    with pytest.raises(VaultDamaged):
        connect(practice / "vault.db", old_db)
    backup = next(folder.iterdir())
    b_master, b_db = keys_by_hand(slots_of(backup))
    assert b_master == new_master and b_db not in (old_db, keys_by_hand(new)[1])
    with pytest.raises(WrongPassphrase):
        Vault.open_with_master(backup, old_master)
    with Vault.open_with_master(backup, new_master) as b:
        assert b.db.one("SELECT count(*) FROM clients WHERE id = ?", (NOELLE,))[0] == 0


def test_the_recovery_key_and_the_successor_shares_follow_a_new_master_key(practice):
    """The slots are resealed without their secrets: after two destructions the recovery key
    and the successor's secret still open the vault."""
    from dossier.handover.successor import combine, setup

    with Vault.open(practice, PASSPHRASE) as v:
        shares = setup(v, 3, 2)
    recovery = None
    with Vault.open(practice, PASSPHRASE) as v:
        recovery = v.new_recovery_key()
        masters = [v.master_key]
        destroy.destroy(v, [NOELLE])
        masters.append(v.master_key)
        destroy.destroy(v, [v.db.one("SELECT id FROM clients ORDER BY id LIMIT 1")[0]])
        masters.append(v.master_key)
    assert len(set(masters)) == 3
    with Vault.open_with_recovery(practice, recovery) as v:
        assert v.master_key == masters[-1] and v.verify() == []
    with Vault.open_with_successor(practice, combine(shares[:2])) as v:
        assert v.master_key == masters[-1]


def test_successor_revoke_replaces_both_keys_and_the_shares_open_nothing(cli_factory_practice):
    practice, cli = cli_factory_practice
    from dossier.handover.successor import combine, setup

    with Vault.open(practice, PASSPHRASE) as v:
        shares = setup(v, 3, 2)
        before = v.master_key, keys_by_hand(slots_of(practice))[1]
    r = cli("successor", "revoke")
    assert r.exit_code == 0, r.stderr
    after = keys_by_hand(slots_of(practice))
    assert after[0] != before[0] and after[1] != before[1]
    assert [s["kind"] for s in slots_of(practice)["slots"]] == ["passphrase", "recovery"]
    with pytest.raises(WrongPassphrase):
        Vault.open_with_successor(practice, combine(shares[:2]))
    with pytest.raises(VaultDamaged):
        connect(practice / "vault.db", before[1])
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.verify() == [] and "successor.revoke" in [e.action for e in v.audit_entries()]


@pytest.fixture
def cli_factory_practice(practice, dossier):
    return practice, dossier


def to_wrapped(path, recovery: str) -> None:
    """Rewrite a vault's slot file as a dossier before format /3 wrote it: the master key
    wrapped (SecretBox) under each slot's KDF output, no public key."""
    slots = slots_of(path)
    master, _ = keys_by_hand(slots)
    out = []
    for s in slots["slots"]:
        head = {k: v for k, v in s.items() if k not in ("public", "sealed")}
        if s["kind"] == "passphrase":
            seed = crypto.derive_kek(PASSPHRASE, crypto.unb64(s["salt"]), keyslots.kdf_of(s))
        else:
            seed = crypto.recovery_kek(crypto.parse_recovery_key(recovery), crypto.unb64(s["salt"]))
        out.append({**head, "wrapped": crypto.b64(crypto.wrap(seed, master))})
    old = keyslots.stamp({**slots, "format": "dossier-keyslots/2", "slots": out}, master)
    (path / "keyslots.json").write_text(json.dumps(old))


def test_a_wrapped_slot_is_sealed_when_its_secret_is_typed(vault_path):
    v, recovery = make_vault(vault_path)
    v.close()
    to_wrapped(vault_path, recovery)
    with Vault.open(vault_path, PASSPHRASE) as v:
        assert "keyslots.upgrade" in [e.action for e in v.audit_entries()]
    slots = slots_of(vault_path)
    assert slots["format"] == "dossier-keyslots/3"
    kinds = {s["kind"]: s for s in slots["slots"]}
    assert "sealed" in kinds["passphrase"] and "wrapped" in kinds["recovery"]  # not typed: not upgraded
    with Vault.open_with_recovery(vault_path, recovery) as v:
        assert v.verify() == []
    assert all("sealed" in s for s in slots_of(vault_path)["slots"])


def test_a_wrapped_recovery_slot_is_dropped_by_a_key_change_and_the_coach_is_told(practice, dossier, tmp_path):
    with Vault.open(practice, PASSPHRASE) as v:
        recovery = v.new_recovery_key()
    to_wrapped(practice, recovery)
    r = dossier("destroy", "run", "noelle", "--yes", "--out", tmp_path)
    assert r.exit_code == 0, r.stderr
    assert "your recovery key no longer opens the vault" in r.stderr and "dossier recovery-key" in r.stderr
    assert [s["kind"] for s in slots_of(practice)["slots"]] == ["passphrase"]
    with pytest.raises(WrongPassphrase):
        Vault.open_with_recovery(practice, recovery)
    r = dossier("recovery-key")
    assert r.exit_code == 0, r.stderr
    fresh = next(line.strip() for line in r.stdout.splitlines() if line.count("-") == 13)
    with Vault.open_with_recovery(practice, fresh) as v:
        assert "recovery.new" in [e.action for e in v.audit_entries()]


def test_another_connection_with_the_old_keys_writes_after_the_rotation(practice):
    """A second Vault (another terminal) opened before the destruction holds the old master
    key; its next write reconnects with the new keys through its own slot, and lands."""
    other = Vault.open(practice, PASSPHRASE)
    try:
        with Vault.open(practice, PASSPHRASE) as v:
            destroy.destroy(v, [NOELLE])
            new_master = v.master_key
        with other.write():
            other.log("test.after-rotation")
        assert other.master_key == new_master
    finally:
        other.close()
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.audit_entries()[-2].action == "test.after-rotation" and v.verify() == []


def test_a_crash_after_the_reencryption_before_the_slot_swap_loses_nothing(practice, monkeypatch):
    """The database has the new keys, the slot file swap fails (a full disk): the next slot
    file stays, and the next open takes it, with the passphrase (its new master key is sealed
    to the same slot)."""
    def fail(*_):
        raise OSError(28, "No space left on device")

    with Vault.open(practice, PASSPHRASE) as v:
        monkeypatch.setattr(keyslots, "replace_and_wipe", fail)
        with pytest.raises(Exception):
            destroy.destroy(v, [NOELLE])
        monkeypatch.undo()
    assert (practice / "keyslots.json.next").exists()
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT count(*) FROM clients WHERE id = ?", (NOELLE,))[0] == 0
        assert destroy.pending(v.db)["steps"] == ["rekey", "files", "ledger"]
        assert destroy.finish_pending(v)["steps"] == []  # what every command does first
        master = v.master_key
    assert not (practice / "keyslots.json.next").exists()
    by_hand_master, by_hand_db_key = keys_by_hand(slots_of(practice))
    assert by_hand_master == master  # the slot file in force holds the keys the database opens with
    connect(practice / "vault.db", by_hand_db_key).close()


def test_the_letter_of_an_unfinished_destruction_says_what_is_pending(practice, dossier, tmp_path):
    """The backup disk is not plugged in: the letter says the backups are still to be done and
    does not say they were erased (CSR 5.4: the letter says what was done and nothing more)."""
    folder = tmp_path / "usb"
    assert dossier("backup", "--to", folder).exit_code == 0
    shutil.move(folder, tmp_path / "drawer")
    out = tmp_path / "brieven"
    r = dossier("destroy", "run", "noelle", "--yes", "--out", out)
    assert r.exit_code == 0, r.stderr
    assert "not finished yet: backups" in r.stderr
    text = " ".join(pdf_text(next(out.glob("*.pdf"))).split())
    assert "Nog niet alles is afgerond" in text and "niet bereikbaar" in text
    assert "gewist uit de back-ups die ik beheer" not in text
    assert "bestaat niet meer" in text  # the new keys were made
    with Vault.open(practice, PASSPHRASE) as v:
        assert destroy.pending(v.db)["steps"] == ["backups"]
    shutil.move(tmp_path / "drawer", folder)
    r = dossier("client", "list")
    assert "finished an interrupted destruction" in r.stderr, r.stderr
    with Vault.open(practice, PASSPHRASE) as v:
        assert destroy.pending(v.db) == {}
        master = v.master_key
    with Vault.open_with_master(next(folder.iterdir()), master) as b:  # rewritten with the vault's key now
        assert b.db.one("SELECT count(*) FROM clients WHERE id = ?", (NOELLE,))[0] == 0


def test_a_complete_destruction_letter_says_the_backups_are_erased(practice, dossier, tmp_path):
    assert dossier("backup", "--to", tmp_path / "usb").exit_code == 0
    r = dossier("destroy", "run", "noelle", "--yes", "--out", tmp_path / "brieven")
    assert r.exit_code == 0 and "not finished" not in r.stderr, r.stderr
    text = " ".join(pdf_text(next((tmp_path / "brieven").glob("*.pdf"))).split())
    assert "gewist uit de back-ups die ik beheer" in text and "Nog niet alles" not in text


def test_a_letter_that_exists_is_refused_before_anything_is_destroyed(practice, dossier, tmp_path):
    out = tmp_path / "brieven"
    r = dossier("destroy", "run", "noelle", "--yes", "--out", out)
    assert r.exit_code == 0
    with Vault.open(practice, PASSPHRASE) as v:  # a second client of the same name would clash: refused first
        cid = v.db.one("SELECT id FROM clients ORDER BY id LIMIT 1")[0]
        name = " ".join(v.db.one("SELECT first_name, last_name FROM clients WHERE id = ?", (cid,)))
    from dossier import clock, paths
    (out / f"vernietiging-{paths.slug(name)}-{clock.today()}.pdf").write_bytes(b"x")
    r = dossier("destroy", "run", cid, "--yes", "--out", out)
    assert r.exit_code != 0 and "exists already" in r.stderr
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT count(*) FROM clients WHERE id = ?", (cid,))[0] == 1


def test_verify_reports_an_unfinished_destruction(practice, dossier, tmp_path):
    from conftest import assert_error

    folder = tmp_path / "usb"
    assert dossier("backup", "--to", folder).exit_code == 0
    shutil.move(folder, tmp_path / "drawer")
    assert dossier("destroy", "run", "noelle", "--yes", "--out", tmp_path).exit_code == 0
    r = dossier("verify")
    assert_error(r, 1, "a destruction is not finished: backups still to do")
    shutil.move(tmp_path / "drawer", folder)
    r = dossier("verify")
    assert r.exit_code == 0 and "vault verified" in r.stderr + r.stdout, r.stderr


def test_a_stale_slot_file_is_never_written_back(practice):
    """Two terminals change the key-slot file one after the other: the second, which read the
    file before the first wrote it, is refused with nothing changed (written back, its copy
    would hold keys that no longer open the database)."""
    from dossier.errors import Refused

    first, second = Vault.open(practice, PASSPHRASE), Vault.open(practice, PASSPHRASE)
    try:
        first.change_passphrase("een heel andere lange zin voor de kluis", check_strength=False)
        written = slots_of(practice)
        with pytest.raises(Refused, match="changed by another dossier command"):
            second.change_passphrase("nog weer een andere lange zin", check_strength=False)
        assert slots_of(practice) == written
    finally:
        first.close()
        second.close()
    with Vault.open(practice, "een heel andere lange zin voor de kluis") as v:
        assert v.verify() == []


def test_a_destruction_in_another_terminal_then_a_successor_setup_here(practice):
    """A vault opened before another process's destruction sets up successor access: its
    write reconnects with the new keys first, so the slot file it writes holds them."""
    from dossier.handover.successor import combine, setup

    other = Vault.open(practice, PASSPHRASE)
    try:
        with Vault.open(practice, PASSPHRASE) as v:
            destroy.destroy(v, [NOELLE])
        shares = setup(other, 3, 2)
    finally:
        other.close()
    with Vault.open_with_successor(practice, combine(shares[:2])) as v:
        assert v.verify() == []
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.verify() == []


def test_a_destruction_that_cannot_be_finished_now_does_not_stop_the_coachs_work(practice, dossier, monkeypatch):
    """The disk is full when the next command tries to finish a destruction: that command
    still runs (with a warning), and a later one finishes the destruction."""
    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    with Vault.open(practice, PASSPHRASE) as v:
        monkeypatch.setattr(destroy, "finish", full_disk)
        with pytest.raises(Exception):
            destroy.destroy(v, [NOELLE])
    r = dossier("client", "list")
    assert r.exit_code == 0, r.stderr
    assert "a destruction is not finished, and finishing it failed now (No space left on device)" in r.stderr
    monkeypatch.undo()
    r = dossier("client", "list")
    assert r.exit_code == 0 and "finished an interrupted destruction" in r.stderr, r.stderr
    with Vault.open(practice, PASSPHRASE) as v:
        assert destroy.pending(v.db) == {}
