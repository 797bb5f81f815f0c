"""The coach's identity and known colleagues, for handing clients over (TB 2.28).

An identity is an age X25519 key pair (``age1…``: bundles are encrypted to it, and the
standard ``age`` tool can open them) and an Ed25519 key pair (bundles are signed with it).
The private halves live only inside the vault. The fingerprint, 20 characters in groups of
four, lets two coaches check a public identity over the phone.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from dossier import clock, crypto, paths
from dossier.errors import FileProblem, InvalidInput, NotFound, Refused, UsageError
from dossier.format import fields as F
from dossier.handover.agefile import generate_identity, parse_recipient, recipient_of
from dossier.practice import get_practice

FORMAT = "dossier-identity/1"
META_KEY = "identity"


def fingerprint(age: str, ed25519: str | None) -> str:
    digest = hashlib.blake2b(f"{age}|{ed25519 or ''}".encode(), digest_size=16).digest()
    text = base64.b32encode(digest).decode().rstrip("=")[:20]
    return "-".join(text[i:i + 4] for i in range(0, 20, 4))


def check_age_recipient(value: str, field: str = "--age") -> str:
    value = value.strip() if isinstance(value, str) else value  # a colleague's file may hold anything
    try:
        parse_recipient(value)
    except ValueError:
        raise InvalidInput(field, value, "is not an age public key (age1…, from age-keygen or dossier identity)") from None
    return value.lower()  # bech32 allows all capitals (a QR code); one form, so that keys compare


def private_keys(vault) -> dict:
    """The private identity, made on first use; it is kept only inside the encrypted vault."""
    row = vault.db.one("SELECT value FROM meta WHERE key = ?", (META_KEY,))
    if row:
        return json.loads(row[0])
    secret = {"age_secret": generate_identity(), "ed25519_seed": crypto.b64(crypto.random_bytes(32)),
              "created": clock.now()}
    with vault.write():
        vault.db.execute("INSERT INTO meta(key, value) VALUES (?, ?)", (META_KEY, json.dumps(secret)))
        vault.log("identity.create")
    return secret


def public(vault) -> dict:
    """The public identity, as shared with colleagues."""
    secret = private_keys(vault)
    age = recipient_of(secret["age_secret"])
    ed = crypto.b64(crypto.signing_public_key(crypto.unb64(secret["ed25519_seed"])))
    return {"format": FORMAT, "name": get_practice(vault.db)["coach"], "age": age, "ed25519": ed,
            "fingerprint": fingerprint(age, ed)}


def export_public(vault, out: Path, overwrite: bool = False) -> dict:
    identity = public(vault)
    paths.write_private_file(Path(out), json.dumps(identity, indent=2).encode() + b"\n", overwrite=overwrite)
    return identity


def read_public(file: Path) -> dict:
    """A colleague's public identity file; its fingerprint must match its keys."""
    try:
        doc = json.loads(paths.read_user_text(Path(file)))
    except ValueError:
        raise FileProblem(f"{file}: is not a dossier identity file (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise FileProblem(f"{file}: is not a dossier identity file (format {FORMAT})")
    age = check_age_recipient(doc.get("age"), "age")
    ed = doc.get("ed25519")
    try:
        if not isinstance(ed, str) or len(crypto.unb64(ed)) != 32:
            raise ValueError
    except (ValueError, InvalidInput):
        raise InvalidInput("ed25519", ed, "is not an Ed25519 public key (32 bytes, base64)") from None
    if doc.get("fingerprint") != fingerprint(age, ed):
        raise InvalidInput("fingerprint", doc.get("fingerprint"), "does not match the keys in the file: it was changed")
    return {"age": age, "ed25519": ed, "fingerprint": fingerprint(age, ed)}


def add_contact(vault, name: str, file: Path | None = None, age: str | None = None) -> dict:
    """Keep a colleague's public identity: from their identity file, or only an age key."""
    name = F.check_line("NAME", name, required=True)
    if (file is None) == (age is None):
        raise UsageError("give the colleague's identity FILE, or --age KEY for someone without dossier")
    keys = read_public(file) if file else {"age": check_age_recipient(age), "ed25519": None}
    keys["fingerprint"] = fingerprint(keys["age"], keys["ed25519"])
    with vault.write():
        if vault.db.one("SELECT 1 FROM contacts WHERE name = ?", (name,)):
            raise Refused(f"there is a contact named {name!r} already")
        other = vault.db.one("SELECT name FROM contacts WHERE age = ?", (keys["age"],))
        if other:
            raise Refused(f"this key belongs to your contact {other[0]!r} already")
        vault.db.execute("INSERT INTO contacts (name, age, ed25519, fingerprint, added) VALUES (?,?,?,?,?)",
                         (name, keys["age"], keys["ed25519"], keys["fingerprint"], clock.now()))
        vault.log("contact.add", detail="with signing key" if keys["ed25519"] else "age key only")
    return {"name": name, **keys}


def list_contacts(db) -> list[dict]:
    cols = ("name", "age", "ed25519", "fingerprint", "added")
    return [dict(zip(cols, r)) for r in db.all(f"SELECT {', '.join(cols)} FROM contacts ORDER BY name")]


def remove_contact(vault, name: str) -> None:
    with vault.write():
        if vault.db.execute("DELETE FROM contacts WHERE name = ?", (name,)).rowcount == 0:
            raise NotFound(f"no contact named {name!r}", "see them with: dossier contacts list")
        vault.log("contact.remove")
