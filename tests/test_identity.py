"""Identities and contacts for handover (TB 2.28): a public identity with no secret in it, a
fingerprint that catches a changed file, and the bad input a colleague's file can bring."""

from __future__ import annotations

import json
import stat

import pytest
from pyrage import x25519

from conftest import PASSPHRASE, assert_error, state
from dossier.vault import Vault


@pytest.fixture
def cli(practice, dossier):
    return dossier


def test_identity_is_made_once_and_exported_without_secrets(cli, practice, tmp_path):
    first = json.loads(cli("identity", "show", "--json").stdout)
    again = json.loads(cli("identity", "show", "--json").stdout)
    assert first == again and first["age"].startswith("age1") and len(first["fingerprint"]) == 24
    out = tmp_path / "ik.json"
    assert cli("identity", "export", "--public", out).exit_code == 0
    text = out.read_text()
    assert "AGE-SECRET-KEY" not in text and "seed" not in text and json.loads(text) == first
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with Vault.open(practice, PASSPHRASE) as v:
        assert "AGE-SECRET-KEY" in v.db.one("SELECT value FROM meta WHERE key = 'identity'")[0]  # inside the vault


def test_contacts_from_a_file_and_from_an_age_key(cli, practice, tmp_path):
    colleague = tmp_path / "anna.json"
    cli("identity", "export", "--public", colleague)  # stands in for a colleague's file
    with Vault.open(practice, PASSPHRASE) as v, v.write():
        v.db.execute("DELETE FROM contacts")
    assert cli("contacts", "add", "Anna", colleague).exit_code == 0
    key = str(x25519.Identity.generate().to_public())
    assert cli("contacts", "add", "Bert (geen dossier)", "--age", key).exit_code == 0
    rows = json.loads(cli("contacts", "list", "--json").stdout)
    assert [(r["name"], bool(r["ed25519"])) for r in rows] == [("Anna", True), ("Bert (geen dossier)", False)]
    assert cli("contacts", "remove", "Anna").exit_code == 0
    assert [r["name"] for r in json.loads(cli("contacts", "list", "--json").stdout)] == ["Bert (geen dossier)"]


def _tampered(tmp_path, cli, change):
    f = tmp_path / "id.json"
    cli("identity", "export", "--public", f, "--force")
    doc = json.loads(f.read_text())
    change(doc)
    f.write_text(json.dumps(doc) if isinstance(doc, dict) else doc)
    return f


@pytest.mark.parametrize("change, code, fragment", [
    (lambda d: d.update(age=str(x25519.Identity.generate().to_public())), 1, "does not match the keys"),
    (lambda d: d.update(ed25519="AAAA"), 1, "is not an Ed25519 public key"),
    (lambda d: d.update(age="age1nietgeldig"), 1, "is not an age public key"),
    (lambda d: d.update(format="something/2"), 1, "is not a dossier identity file"),
])
def test_a_changed_or_foreign_identity_file_is_refused(cli, practice, tmp_path, change, code, fragment):
    f = _tampered(tmp_path, cli, change)
    before = state(practice)
    assert_error(cli("contacts", "add", "Eve", f), code, fragment)
    assert state(practice) == before


def test_contact_bad_input(cli, practice, tmp_path):
    key = str(x25519.Identity.generate().to_public())
    cli("contacts", "add", "Bert", "--age", key)
    mine = tmp_path / "mine.json"
    cli("identity", "export", "--public", mine)  # made before: making the identity is logged
    before = state(practice)
    assert_error(cli("contacts", "add", "bert", "--age", str(x25519.Identity.generate().to_public())), 7,
                 "named 'bert' already")
    assert_error(cli("contacts", "add", "Bertus", "--age", key), 7, "belongs to your contact 'Bert'")
    assert_error(cli("contacts", "add", "X", "--age", "ssh-ed25519 AAAA"), 1, "is not an age public key")
    low_order = "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq5cu47z"  # the point 0: every secret is 0
    assert_error(cli("contacts", "add", "X", "--age", low_order), 1, "is not an age public key")
    assert_error(cli("contacts", "add", "X"), 2, "give the colleague's identity FILE")
    notjson = tmp_path / "x.json"
    notjson.write_text("geen json")
    assert_error(cli("contacts", "add", "X", notjson), 1, "not JSON")
    for odd in (5, ["age1"], {"age": key}, None):  # a hand-edited file: a clear error, not a crash
        odd_file = tmp_path / "odd.json"
        odd_file.write_text(json.dumps({**json.loads(mine.read_text()), "age": odd}))
        assert_error(cli("contacts", "add", "X", odd_file), 1, "is not an age public key")
    assert_error(cli("contacts", "remove", "Nobody"), 1, "no contact named 'Nobody'")
    assert state(practice) == before
