"""Successor access (TB 2.28): K of N SLIP-39 shares open the vault and set a new passphrase;
fewer, mixed, mistyped or revoked shares do not; the shares are kept nowhere."""

from __future__ import annotations

import json

import pytest

from conftest import PASSPHRASE, assert_error, make_vault, vault_bytes
from dossier.errors import WrongPassphrase
from dossier.vault import Vault

NEW = "successor coach picks another long passphrase"


@pytest.fixture
def cli(practice, dossier):
    return dossier


def shares_of(result) -> list[str]:
    lines = result.stdout.splitlines()
    return [lines[i + 1].strip() for i, line in enumerate(lines) if line.startswith("Share ")]


def test_k_shares_open_the_vault_and_set_a_new_passphrase(cli, practice):
    r = cli("successor", "setup", "--shares", "5", "--threshold", "3",
            *[x for n in ("Anna", "Bert", "Carla", "Dirk", "notaris Eelens") for x in ("--to", n)])
    assert r.exit_code == 0, r.stderr
    shares = shares_of(r)
    assert len(shares) == 5 and all(len(s.split()) >= 20 for s in shares)
    assert "(for notaris Eelens)" in r.stdout
    pick = "\n".join([shares[4], shares[0], shares[2]])
    r = cli("successor", "unlock", passphrase=None,
            env={"DOSSIER_SUCCESSOR_SHARES": pick, "DOSSIER_NEW_PASSPHRASE": NEW})
    assert r.exit_code == 0, r.stderr
    with Vault.open(practice, NEW) as v:
        assert len(v.audit_entries()) > 0 and v.verify() == []
        assert [e.action for e in v.audit_entries() if e.action.startswith("successor")] == ["successor.setup"]
        assert "unlock.successor" in [e.action for e in v.audit_entries()]
    info = json.loads(cli("successor", "show", "--json", passphrase=NEW).stdout)
    assert (info["shares"], info["threshold"], info["holders"][4], info["active"]) == (5, 3, "notaris Eelens", True)


@pytest.mark.parametrize("take, fragment", [
    (lambda s, other: s[:2], "too few shares (2 given)"),
    (lambda s, other: [s[0], s[1], other[2]], "do not belong together"),
    (lambda s, other: [s[0], s[1], s[2].replace(s[2].split()[5], "zebra" if s[2].split()[5] != "zebra" else "acid")],
     "wrong word"),
    (lambda s, other: [], "no successor shares given"),
])
def test_bad_shares_open_nothing_and_say_no_words(cli, practice, take, fragment):
    shares = shares_of(cli("successor", "setup", "--shares", "3", "--threshold", "3"))
    other_vault, _ = make_vault(practice.parent / "other")
    from dossier.handover.successor import setup

    other = setup(other_vault, 3, 3)
    other_vault.close()
    given = take(shares, other)
    before = vault_bytes(practice)
    r = cli("successor", "unlock", passphrase=None,
            env={"DOSSIER_SUCCESSOR_SHARES": "\n".join(given) or " ", "DOSSIER_NEW_PASSPHRASE": NEW})
    assert_error(r, 3, fragment)
    for share in shares:
        assert share.split()[0] not in r.stderr.split()  # no word of a share in the message
    assert vault_bytes(practice) == before  # nothing changed: no slot, no passphrase, no log entry
    with pytest.raises(WrongPassphrase):
        Vault.open(practice, NEW).close()


def test_revoke_makes_old_shares_useless_and_a_new_setup_replaces_them(cli, practice):
    first = shares_of(cli("successor", "setup", "--shares", "3", "--threshold", "2"))
    second = shares_of(cli("successor", "setup", "--shares", "3", "--threshold", "2"))
    env = {"DOSSIER_NEW_PASSPHRASE": NEW}
    assert_error(cli("successor", "unlock", passphrase=None,
                     env={**env, "DOSSIER_SUCCESSOR_SHARES": "\n".join(first[:2])}), 3, "successor shares")
    assert cli("successor", "revoke").exit_code == 0
    assert_error(cli("successor", "unlock", passphrase=None,
                     env={**env, "DOSSIER_SUCCESSOR_SHARES": "\n".join(second[:2])}), 3, "revoked")
    assert_error(cli("successor", "revoke"), 7, "no successor access to revoke")


@pytest.mark.parametrize("args, fragment", [
    (["--shares", "3", "--threshold", "1"], "one share alone must not open the vault"),
    (["--shares", "2", "--threshold", "3"], "must be 2 <= threshold <= shares <= 16"),
    (["--shares", "20", "--threshold", "3"], "must be 2 <= threshold"),
    (["--shares", "3", "--threshold", "2", "--to", "Anna"], "must name all 3 holders"),
])
def test_setup_bad_input(cli, practice, args, fragment):
    before = (practice / "keyslots.json").read_bytes()
    assert_error(cli("successor", "setup", *args), 1, fragment)
    assert (practice / "keyslots.json").read_bytes() == before


def test_the_shares_are_kept_nowhere(vault_path, dossier):
    v, _ = make_vault(vault_path, test_unencrypted=True)
    from dossier.handover.successor import setup

    shares = setup(v, 3, 2)
    v.close()
    raw = vault_bytes(vault_path)
    for share in shares:
        words = share.split()
        assert " ".join(words[:4]).encode() not in raw and " ".join(words[-4:]).encode() not in raw


def test_holder_names_are_printed_as_typed(cli):
    r = cli("successor", "setup", "--shares", "2", "--threshold", "2", "--to", "[red]Anna[/red]", "--to", "Bert")
    assert r.exit_code == 0, r.stderr
    assert "(for [red]Anna[/red])" in r.stdout  # rich markup shown, not applied
    assert_error(cli("successor", "setup", "--shares", "2", "--threshold", "2", "--to", "A", "--to", "B\x1b[2J"), 1,
                 "contains a control character")
