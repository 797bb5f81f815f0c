"""Successor access for incapacity (TB 2.28: provisions for the transfer of clients and records
when the coach cannot work; CSR 2.5).

Instead of a password in a sealed envelope: a random 256-bit secret opens a key slot of its
own, and is split with Shamir secret sharing (SLIP-39, the ``shamir-mnemonic`` library) into
N shares of which any K put it back together; fewer reveal nothing. Each share is a list of
words to print and hand to a trusted colleague or a notary. The shares are printed once and
kept nowhere; the vault records the date, N, K and to whom, and ``revoke`` removes the slot,
which makes every old share useless for this vault.
"""

from __future__ import annotations

import json

from dossier import clock, crypto
from dossier.errors import InvalidInput, Refused, WrongPassphrase
from dossier.format import fields as F
from dossier.vault import keyslots

META_KEY = "successor"


def check_setup(shares: int, threshold: int, holders: list[str] = ()) -> list[str]:
    """The checked holders of a setup of ``threshold`` of ``shares`` (no vault needed)."""
    if not 2 <= threshold <= shares <= 16:
        raise InvalidInput("--shares/--threshold", f"{threshold} of {shares}",
                           "must be 2 <= threshold <= shares <= 16 (one share alone must not open the vault)")
    holders = [F.check_line("--to", h, required=True) for h in holders]
    if holders and len(holders) != shares:
        raise InvalidInput("--to", f"{len(holders)} names", f"must name all {shares} holders, or none")
    return holders


def setup(vault, shares: int, threshold: int, holders: list[str] = ()) -> list[str]:
    """Make a new successor secret, its key slot and its shares; returns the shares (word lists).
    An earlier setup's shares stop working."""
    import shamir_mnemonic

    holders = check_setup(shares, threshold, holders)
    secret = crypto.random_bytes(32)
    words = [" ".join(m.split()) for m in shamir_mnemonic.generate_mnemonics(1, [(threshold, shares)], secret)[0]]
    with vault.write():
        vault.set_successor_slot(secret)
        record = {"date": clock.today(), "shares": shares, "threshold": threshold, "holders": holders}
        vault.db.set_meta(META_KEY, json.dumps(record))
        vault.log("successor.setup", detail=f"{threshold} of {shares} shares" +
                  (f", to {len(holders)} named holders" if holders else ""))
    return words


def status(vault) -> dict | None:
    row = vault.db.one("SELECT value FROM meta WHERE key = ?", (META_KEY,))
    active = keyslots.has_slot(vault.slots, "successor")
    return json.loads(row[0]) | {"active": active} if row else None


def revoke(vault) -> None:
    """Remove the successor slot: every share of every earlier setup stops opening this vault,
    and the master key and the database key are replaced, so that a key that the shares once
    opened opens nothing on disk now (a crash in between: the slot is gone, the record stays)."""
    if not keyslots.has_slot(vault.slots, "successor"):
        raise Refused("there is no successor access to revoke")
    vault.revoke_successor()  # the slot goes, and the master and database keys are replaced
    with vault.write():
        vault.db.execute("DELETE FROM meta WHERE key = ?", (META_KEY,))
        vault.log("successor.revoke", detail="master key and database key replaced")


def combine(shares: list[str]) -> bytes:
    """The secret from K shares. Errors never repeat a share's words (they are secret)."""
    import shamir_mnemonic

    cleaned = [" ".join(s.lower().split()) for s in shares if s.strip()]
    if not cleaned:
        raise WrongPassphrase("no successor shares given")
    try:
        return shamir_mnemonic.combine_mnemonics(cleaned)
    except shamir_mnemonic.MnemonicError as e:
        text = str(e)
        if "Wrong number of mnemonics" in text or "Insufficient number" in text:
            reason = f"too few shares ({len(cleaned)} given)"
        elif "checksum" in text.lower() or "Invalid mnemonic" in text or "word" in text.lower():
            reason = "a share has a wrong word or was mistyped (its checksum fails)"
        else:
            reason = "the shares do not belong together (from different setups?)"
        raise WrongPassphrase(f"the successor shares do not open the vault: {reason}") from None
