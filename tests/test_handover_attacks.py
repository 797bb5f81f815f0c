"""Handover bundles under attack (TB 2.28): what a stranger, a careless colleague or a broken disk
can put in front of ``dossier handover verify | import``.

Two real vaults exchange identities; the sender makes one real bundle (two clients, one
attachment that spans several age chunks). Every attack is built from that bundle's plaintext:
validly encrypted to the recipient (anyone can: an age key is public) and, where the attack
needs it, validly signed with the sender's real Ed25519 seed. Each must end in one clear error
line with the right exit code, nothing imported, no blob file and no other file left behind.
Then hypothesis fuzzes the tar reader alone and the whole reader.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import tarfile
from pathlib import Path

import pyrage
import pytest
from conftest import EXAMPLE, PASSPHRASE, Invoker, assert_error, make_vault, run, state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from dossier import crypto
from dossier.handover import identity
from dossier.errors import DossierError
from dossier.handover import bundle as B
from dossier.handover import tar

A, B_ID = "bf67b782-ee87-4be1-9303-8877b083f081", "7bd8b6ae-7f23-4d58-9f03-58c55745488e"  # Noëlle, Sem
ATTACHMENT_BYTES = 200_000  # spans four 64 KiB age chunks, so a cut can land in its middle
PASSWD = b"root:x:0:0:root:/root:/bin/sh\n"


# -- the two vaults and the real bundle, made once --------------------------------------------------

class World:
    """The two vaults and the real bundle (a short repr: hypothesis prints fixtures of a failing case)."""

    base: Path  # the module's folder
    recipient: Path  # the recipient vault as it was before any import (copied for each test)
    bundle: bytes  # the real bundle, as dossier handover create wrote it
    plain: bytes  # its decrypted ustar archive
    seed: bytes  # the sender's Ed25519 seed
    me: x25519.Identity  # the recipient's age identity
    attachment: str  # the attachment's id
    attachment_content: bytes
    one_client_json: Path  # a dossier/1 export of Sem (with the attachment) from the sender

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return f"World({self.base})"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> World:
    from dossier.handover import create
    from dossier.records.document import import_document, write_export
    from dossier.records.attachments import attach
    from dossier.records import consents as consent

    base = tmp_path_factory.mktemp("handover")
    with pytest.MonkeyPatch.context() as mp:  # the autouse `isolated` is per test; this runs before it
        for var, sub in (("XDG_CONFIG_HOME", "config"), ("XDG_DATA_HOME", "data"), ("HOME", "home")):
            mp.setenv(var, str(base / sub))
        sender, _ = make_vault(base / "a")  # the `practice` fixture's vault, made at module scope
        import_document(sender, json.loads(EXAMPLE.read_text(encoding="utf-8")))
        recipient, _ = make_vault(base / "b")
        identity.export_public(sender, base / "a.id.json")
        identity.export_public(recipient, base / "b.id.json")
        identity.add_contact(sender, "Bea Bakker", base / "b.id.json")
        identity.add_contact(recipient, "Anna Smit", base / "a.id.json")
        content = random.Random(7).randbytes(ATTACHMENT_BYTES)
        (base / "hrv-rapport.pdf").write_bytes(content)
        aid = attach(sender, B_ID, base / "hrv-rapport.pdf", "hrv")
        consent.grant(sender, A, "substitute", how="written")
        create(sender, "Bea Bakker", base / "bundle.age", clients=[A, B_ID], reason="referral",
               without_consent_reason="the client moved abroad and asked for it by phone")
        write_export(sender, base / "sem.json", [B_ID])
        secret = identity.private_keys(sender)
        me = x25519.Identity.from_str(identity.private_keys(recipient)["age_secret"])
        world = World(base=base, recipient=base / "b", bundle=(base / "bundle.age").read_bytes(), plain=b"",
                      seed=crypto.unb64(secret["ed25519_seed"]), me=me, attachment=aid, attachment_content=content,
                      one_client_json=base / "sem.json")
        sender.close()
        recipient.close()
    world.plain = pyrage.decrypt(world.bundle, [world.me])
    return world


class Ctx:
    def __init__(self, world: World, tmp: Path):
        self.world, self.tmp = world, tmp
        self.recipient = tmp / "b"
        shutil.copytree(world.recipient, self.recipient)
        self.cli = Invoker(self.recipient)
        self.cwd = tmp / "cwd"
        self.cwd.mkdir()


@pytest.fixture
def ctx(world, tmp_path, monkeypatch) -> Ctx:
    c = Ctx(world, tmp_path)
    monkeypatch.chdir(c.cwd)  # a relative member name would land here
    return c


# -- building bundles by hand ---------------------------------------------------------------------

def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def members_of(plain: bytes) -> list[list]:
    """[name, data] of every member, in order (read with Python's own tarfile)."""
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tf:
        return [[m.name, tf.extractfile(m).read()] for m in tf.getmembers()]


def offsets(plain: bytes) -> dict[str, tuple[int, int]]:
    """Each member's (header offset, data offset) in the plaintext."""
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tf:
        return {m.name: (m.offset, m.offset_data) for m in tf.getmembers()}


def raw_header(name: str, size: int, kind=tarfile.REGTYPE, linkname: str = "") -> bytes:
    """A ustar header tar.header would refuse to write (links, folders, absolute names)."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode, info.type, info.linkname = size, 1_700_000_000, 0o600, kind, linkname
    return info.tobuf(format=tarfile.USTAR_FORMAT, encoding="ascii", errors="strict")


def edited_header(name: str, size: int, **at: bytes) -> bytes:
    """A regular-file header with raw bytes written at offsets (``o345=b"../.."``), checksum fixed."""
    head = bytearray(tar.header(name, size, 1_700_000_000))
    for key, value in at.items():
        head[int(key[1:]):int(key[1:]) + len(value)] = value
    head[148:156] = b" " * 8
    head[148:156] = b"%06o\0 " % sum(head)
    return bytes(head)


def retar(members) -> bytes:
    """An archive of [name, data] members; a member may carry a ready header as a third item."""
    out = []
    for m in members:
        name, data = m[0], m[1]
        head = m[2] if len(m) > 2 else tar.header(name, len(data), 1_700_000_000)
        out += [head, data, tar.padding(len(data))]
    return b"".join(out) + tar.END


def signature(manifest: bytes, seed: bytes) -> bytes:
    return crypto.b64(crypto.sign(seed, B.SIGNATURE_CONTEXT + manifest)).encode() + b"\n"


def resigned(members, change=None, seed: bytes | None = None, relist: bool = True, world: World | None = None):
    """The members with manifest.json rebuilt (its member list recomputed when ``relist``,
    ``change(manifest)`` applied) and signed with ``seed`` (the sender's own by default)."""
    body = [m for m in members if m[0] not in ("manifest.json", "manifest.sig")]
    manifest = json.loads(next(m[1] for m in members if m[0] == "manifest.json"))
    if relist:
        manifest["members"] = [{"path": m[0], "size": len(m[1]), "sha256": sha(m[1])} for m in body]
    if change:
        change(manifest)
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return body + [["manifest.json", data], ["manifest.sig", signature(data, seed or world.seed)]]


def for_me(world: World, plain: bytes) -> bytes:
    return pyrage.encrypt(plain, [world.me.to_public()])


def age_header_end(bundle: bytes) -> int:
    """The offset just after the age header's MAC line (where the payload nonce starts)."""
    mac = bundle.index(b"\n--- ") + 1
    return bundle.index(b"\n", mac) + 1


def cipher_offset(bundle: bytes, p: int) -> int:
    """Where plaintext offset ``p`` lies in the age file (16-byte nonce, 64 KiB chunks + 16-byte tags)."""
    return age_header_end(bundle) + 16 + p + 16 * (p // 65536)


# -- what every refusal must look like -------------------------------------------------------------

def listing(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def refused(ctx: Ctx, bundle, codes, *fragments, commands=("verify", "import")):
    """Both commands end in one clean error; the vault, its blobs and the disk are unchanged."""
    if isinstance(bundle, (bytes, bytearray)):
        file = ctx.tmp / "attack.age"
        file.write_bytes(bundle)
    else:
        file = bundle
    codes = {codes} if isinstance(codes, int) else set(codes)
    before = state(ctx.recipient)
    blobs = listing(ctx.recipient / "blobs")
    files = listing(ctx.tmp)
    results = []
    for command in commands:
        result = ctx.cli("handover", command, file)
        results.append(result)
        # first what was left behind (the worse failure), then how the error reads
        assert state(ctx.recipient) == before, f"{command} changed the vault"
        assert listing(ctx.recipient / "blobs") == blobs, f"{command} left a blob file"
        # the vault's own blobs/ folder may appear (empty) when an import starts an attachment: not a file
        assert listing(ctx.tmp) - {"b/blobs"} == files - {"b/blobs"}, f"{command} left a file behind"
        assert_error(result, codes, *fragments)
    assert not list(ctx.cwd.iterdir())
    assert not (ctx.tmp / "etc").exists() and not any("passwd" in f for f in listing(ctx.tmp))
    return results


# -- the real bundle works (the control for everything below) ---------------------------------------

def test_the_real_bundle_verifies_and_imports(ctx, world):
    ok = ctx.cli("handover", "verify", world.base / "bundle.age", "--json")
    assert ok.exit_code == 0, ok.stderr
    summary = json.loads(ok.stdout)
    assert [c["id"] for c in summary["clients"]] == [A, B_ID] and summary["from"] == "Anna Smit"
    done = ctx.cli("handover", "import", world.base / "bundle.age")
    assert done.exit_code == 0, done.stderr
    assert listing(ctx.recipient / "blobs") == {world.attachment}
    from dossier.vault import Vault

    with Vault.open(ctx.recipient, PASSPHRASE) as v:
        row = v.db.one("SELECT blob_key FROM attachments WHERE id = ?", (world.attachment,))
        assert v.db.blobs.get(world.attachment, row[0]) == world.attachment_content


def test_the_hand_built_bundle_is_accepted_unchanged(ctx, world):
    """The helper that crafts the attacks makes a bundle the reader accepts when nothing is changed."""
    plain = retar(resigned(members_of(world.plain), world=world))
    (ctx.tmp / "same.age").write_bytes(for_me(world, plain))
    result = ctx.cli("handover", "import", ctx.tmp / "same.age")
    assert result.exit_code == 0, result.stderr


# -- 1, 2: for someone else --------------------------------------------------------------------------

def test_a_bundle_for_another_recipient(ctx, world):
    third = x25519.Identity.generate()
    refused(ctx, pyrage.encrypt(world.plain, [third.to_public()]), 7, "not addressed to you")


def test_a_bundle_passed_on_and_re_encrypted_for_us(ctx, world):
    third = str(x25519.Identity.generate().to_public())

    def other(m):
        m["recipient"] = {"name": "Carla Claes", "age": third, "fingerprint": identity.fingerprint(third, None)}

    plain = retar(resigned(members_of(world.plain), other, world=world))
    refused(ctx, for_me(world, plain), 7, "made for", "Carla Claes")


# -- 3, 4: cut off, or one byte changed ------------------------------------------------------------

def _cut(world: World, where: str) -> int:
    bundle, at = world.bundle, offsets(world.plain)
    hdr = age_header_end(bundle)
    aid_path = f"clients/{B_ID}/attachments/{world.attachment}"
    return {
        "in the age header": 40,
        "after the age header": hdr,
        "after the payload nonce": hdr + 16,
        "in a dossier.json": cipher_offset(bundle, at[f"clients/{A}/dossier.json"][1] + 200),
        "in the middle of the attachment": cipher_offset(bundle, at[aid_path][1] + ATTACHMENT_BYTES // 2),
        "before the manifest": cipher_offset(bundle, at["manifest.json"][0]),
        "16 bytes before the end": len(bundle) - 16,
        "just before the end": len(bundle) - 1,
    }[where]


@pytest.mark.parametrize("where", ["in the age header", "after the age header", "after the payload nonce",
                                   "in a dossier.json", "in the middle of the attachment", "before the manifest",
                                   "16 bytes before the end", "just before the end"])
def test_a_cut_off_bundle(ctx, world, where):
    refused(ctx, world.bundle[:_cut(world, where)], 5)


def _flip_at(world: World, where: str) -> int:
    bundle = world.bundle
    hdr = age_header_end(bundle)
    stanza = bundle.index(b"-> X25519 ")
    return {
        "format line": 3,
        "recipient stanza": stanza + 14,
        "stanza body": bundle.index(b"\n", stanza) + 5,
        "header mac": hdr - 10,
        "payload nonce": hdr + 5,
        "first chunk": hdr + 16 + 700,
        "middle": len(bundle) // 2,
        "last chunk": len(bundle) - 40,
        "last byte": len(bundle) - 1,
    }[where]


HEADER_FLIPS = ["format line", "recipient stanza", "stanza body", "header mac"]
PAYLOAD_FLIPS = ["payload nonce", "first chunk", "middle", "last chunk", "last byte"]


@pytest.mark.parametrize("where", HEADER_FLIPS + PAYLOAD_FLIPS)
def test_one_byte_flipped(ctx, world, where):
    data = bytearray(world.bundle)
    data[_flip_at(world, where)] ^= 0x01
    # a flip in the recipient stanza may make it someone else's (exit 7); anywhere else it is damage
    refused(ctx, bytes(data), {5, 7} if where in HEADER_FLIPS else {5})


# -- 5, 6, 7: signatures and hashes -------------------------------------------------------------------

def test_signed_by_a_key_you_do_not_know(ctx, world):
    seed = crypto.random_bytes(32)
    ed = crypto.b64(crypto.signing_public_key(seed))

    def stranger(m):
        m["sender"].update(ed25519=ed, fingerprint=identity.fingerprint(m["sender"]["age"], ed))

    plain = retar(resigned(members_of(world.plain), stranger, seed=seed, world=world))
    refused(ctx, for_me(world, plain), 7, "key you do not know")


@pytest.mark.parametrize("sig", ["another seed", "garbage", "empty", "signature of the old manifest"])
def test_signed_by_the_wrong_key(ctx, world, sig):
    members = members_of(world.plain)
    if sig == "another seed":
        members = resigned(members, seed=crypto.random_bytes(32), world=world)
    elif sig == "signature of the old manifest":  # a real signature, over a manifest that was changed after
        old = dict(members)["manifest.sig"]
        members = resigned(members, lambda m: m.update(reason="closure"), world=world)
        members[-1][1] = old
    else:
        members[-1][1] = b"not a signature\n" if sig == "garbage" else b""
    refused(ctx, for_me(world, retar(members)), 7, "not valid", "Anna Smit")


def test_a_signed_manifest_with_a_wrong_hash(ctx, world):
    def wrong(m):
        m["members"][3]["sha256"] = sha(b"something else")

    plain = retar(resigned(members_of(world.plain), wrong, world=world))
    refused(ctx, for_me(world, plain), 5, "does not match")


def test_a_member_changed_under_a_signed_manifest(ctx, world):
    members = members_of(world.plain)
    name = f"clients/{A}/dossier.json"
    doc = json.loads(dict(members)[name])
    doc["clients"][0]["last_name"] = "Vervalst"
    for m in members:
        if m[0] == name:
            m[1] = json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"
    refused(ctx, for_me(world, retar(members)), 5, "does not match", name)


# -- 8: names and kinds of member that could write outside the vault ---------------------------------

def _path_attack(world: World, how: str) -> bytes:
    members = members_of(world.plain)
    aid_path = f"clients/{B_ID}/attachments/{world.attachment}"
    evil = {
        "dotdot": ["../../etc/passwd", PASSWD, raw_header("../../etc/passwd", len(PASSWD))],
        "dotdot inside a client": [f"clients/{A}/../../../etc/passwd", PASSWD,
                                   raw_header(f"clients/{A}/../../../etc/passwd", len(PASSWD))],
        "absolute": ["/etc/passwd", PASSWD, raw_header("/etc/passwd", len(PASSWD))],
        "symlink": [aid_path, b"", raw_header(aid_path, 0, tarfile.SYMTYPE, "/etc/passwd")],
        "symlink out": ["etc", b"", raw_header("etc", 0, tarfile.SYMTYPE, "../../../../etc")],
        "hard link": [aid_path, b"", raw_header(aid_path, 0, tarfile.LNKTYPE, "../../etc/passwd")],
        "folder": [f"clients/{A}", b"", raw_header(f"clients/{A}", 0, tarfile.DIRTYPE)],
        "fifo": ["README.txt", b"", raw_header("README.txt", 0, tarfile.FIFOTYPE)],
        "backslash": ["..\\..\\etc\\passwd", PASSWD, raw_header("..\\..\\etc\\passwd", len(PASSWD))],
        "ustar prefix": ["passwd", PASSWD, edited_header("passwd", len(PASSWD), o345=b"../../etc")],
        "pax path": ["././@PaxHeader", b"30 path=../../etc/passwd\n",
                     raw_header("././@PaxHeader", 25, tarfile.XHDTYPE)],
        "gnu long name": ["././@LongLink", b"../../etc/passwd\0",
                          raw_header("././@LongLink", 17, tarfile.GNUTYPE_LONGNAME)],
        "name with a NUL, then ..": ["README.txt", b"x", edited_header("README.txt", 1, o10=b"\0/../../etc/passwd")],
    }[how]
    if how in ("symlink", "hard link"):  # in the attachment's place
        members = [evil if m[0] == aid_path else m for m in members]
    else:  # right after FORMAT
        members.insert(1, evil)
    return for_me(world, retar(resigned(members, world=world)))


@pytest.mark.parametrize("how", ["dotdot", "dotdot inside a client", "absolute", "symlink", "symlink out",
                                 "hard link", "folder", "fifo", "backslash", "ustar prefix", "pax path",
                                 "gnu long name", "name with a NUL, then .."])
def test_a_member_that_points_outside(ctx, world, how):
    refused(ctx, _path_attack(world, how), 5)


def test_a_member_that_points_outside_in_a_real_process(ctx, world):
    file = ctx.tmp / "passwd.age"
    file.write_bytes(_path_attack(world, "dotdot"))
    before, files = state(ctx.recipient), listing(ctx.tmp)
    for command in ("verify", "import"):
        done = run("handover", command, file, vault=ctx.recipient)
        assert done.returncode == 5, done.stderr
        assert "Traceback" not in done.stderr + done.stdout
        errors = [line for line in done.stderr.splitlines() if line.startswith("dossier: error: ")]
        assert len(errors) == 1 and "../../etc/passwd" in errors[0], done.stderr
    assert state(ctx.recipient) == before and listing(ctx.tmp) == files
    assert not list(ctx.cwd.iterdir())


# -- 9: clients the recipient holds already -----------------------------------------------------------

def test_the_same_bundle_imported_twice(ctx, world):
    file = world.base / "bundle.age"
    assert ctx.cli("handover", "import", file).exit_code == 0
    verified = json.loads(ctx.cli("handover", "verify", file, "--json").stdout)
    assert all(c["in_vault"] for c in verified["clients"])
    refused(ctx, file, 7, "already in your vault", commands=("import",))


def test_a_client_imported_before_from_json(ctx, world):
    assert ctx.cli("import", world.one_client_json).exit_code == 0
    refused(ctx, world.base / "bundle.age", 7, "already in your vault", "Sem", commands=("import",))


def test_an_attachment_already_in_the_vault_under_a_new_client(ctx, world):
    """The client's id is new but its attachment's id is not: refused, and the vault's own file stays."""
    assert ctx.cli("import", world.one_client_json).exit_code == 0
    members = [m for m in members_of(world.plain) if not m[0].startswith(f"clients/{A}/")]
    fresh = "0a0b0c0d-0000-4000-8000-000000000001"
    n = 1
    for m in members:
        if m[0] == f"clients/{B_ID}/dossier.json":
            doc = json.loads(m[1])
            doc["clients"][0]["id"] = fresh
            for k in ("sessions", "questionnaires", "measurements", "consents", "requests", "statements",
                      "disclosures", "copies"):  # new ids for everything but the attachment
                for item in doc["clients"][0].get(k) or []:
                    n += 1
                    item["id"] = f"0a0b0c0d-0000-4000-8000-{n:012d}"
            m[1] = json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"
        m[0] = m[0].replace(B_ID, fresh)

    def only_fresh(man):
        man["clients"] = [dict(c, id=fresh) for c in man["clients"] if c["id"] == B_ID]

    plain = retar(resigned(members, only_fresh, world=world))
    refused(ctx, for_me(world, plain), 7, "already in your vault", commands=("import",))


# -- 10: a newer format --------------------------------------------------------------------------------

def test_a_bundle_from_a_newer_format(ctx, world):
    members = members_of(world.plain)
    members[0][1] = b"dossier-handover/2\n"
    plain = retar(resigned(members, lambda m: m.update(format="dossier-handover/2"), world=world))
    refused(ctx, for_me(world, plain), 1, "newer")


# -- 11: the member list and the members disagree ------------------------------------------------------

def _listing_attack(world: World, how: str) -> bytes:
    members = members_of(world.plain)
    aid_path = f"clients/{B_ID}/attachments/{world.attachment}"
    if how == "listed twice in the manifest":
        members = resigned(members, lambda m: m["members"].append(m["members"][1]), world=world)
    elif how == "twice in the archive":
        members.insert(2, list(members[1]))
        members = resigned(members, world=world)
    elif how == "not in the manifest":
        members = resigned(members, lambda m: m["members"].pop(1), world=world)
    elif how == "in the manifest but not the archive":
        members = resigned(members, lambda m: m["members"].append({"path": f"clients/{A}/attachments/"
                                                                            "00000000-0000-4000-8000-000000000000",
                                                                    "size": 1, "sha256": sha(b"x")}), world=world)
    elif how == "after manifest.sig":
        members = resigned(members, world=world) + [["README.txt", b"later\n"]]
    elif how == "after manifest.sig, a second signature":
        members = resigned(members, world=world)
        members.append(["manifest.sig", members[-1][1]])
    elif how == "attachment missing":
        members = resigned([m for m in members if m[0] != aid_path], world=world)
    elif how == "attachment missing, still listed":
        members = resigned([m for m in members if m[0] != aid_path], relist=False, world=world)
    elif how == "attachment before its dossier.json":
        att = next(m for m in members if m[0] == aid_path)
        members = [m for m in members if m[0] != aid_path]
        members.insert(3, att)
        members = resigned(members, world=world)
    elif how == "README.pdf missing (signed)":  # docs/handover-format.md, reading rule 6
        members = resigned([m for m in members if m[0] != "README.pdf"], world=world)
    elif how == "README.txt missing (signed)":
        members = resigned([m for m in members if m[0] != "README.txt"], world=world)
    elif how == "a dossier.pdf missing (signed)":
        members = resigned([m for m in members if m[0] != f"clients/{A}/dossier.pdf"], world=world)
    elif how == "FORMAT not first":
        members[0], members[1] = members[1], members[0]
        members = resigned(members, world=world)
    elif how == "no manifest":
        members = members[:-2]
    elif how == "no signature":
        members = members[:-1]
    return for_me(world, retar(members))


LISTING_ATTACKS = ["listed twice in the manifest", "twice in the archive", "not in the manifest",
                   "in the manifest but not the archive", "after manifest.sig",
                   "after manifest.sig, a second signature", "attachment missing", "attachment missing, still listed",
                   "attachment before its dossier.json", "FORMAT not first", "no manifest", "no signature",
                   "README.pdf missing (signed)", "README.txt missing (signed)", "a dossier.pdf missing (signed)"]


@pytest.mark.parametrize("how", LISTING_ATTACKS)
def test_members_and_manifest_disagree(ctx, world, how):
    refused(ctx, _listing_attack(world, how), 5)


# -- 12: not a bundle at all ---------------------------------------------------------------------------

@pytest.mark.parametrize("what, codes, fragment", [
    ("text", 5, "damaged"),
    ("json", 5, "damaged"),
    ("random bytes", 5, "damaged"),
    ("an age file of nothing", 5, "nothing was imported"),
    ("an age file of a text", 5, "nothing was imported"),
    ("empty", 5, "damaged"),
    ("folder", 1, "is a folder"),
    ("missing", 1, "no such file"),
])
def test_not_a_bundle(ctx, world, what, codes, fragment):
    file = ctx.tmp / "not-a-bundle.age"
    if what == "folder":
        file.mkdir()
    elif what != "missing":
        file.write_bytes({
            "text": b"Hallo Bea, hierbij de dossiers.\n",
            "json": json.dumps({"format": "dossier/1", "clients": []}).encode(),
            "random bytes": random.Random(3).randbytes(5000),
            "an age file of nothing": for_me(world, b""),
            "an age file of a text": for_me(world, b"Hallo Bea\n" * 100),
            "empty": b"",
        }[what])
    refused(ctx, file, codes, fragment)


# -- hostile content before the signature is checked (anyone with the public age key can send it) -----

def _hostile(world: World, how: str) -> bytes:
    members = members_of(world.plain)
    name = f"clients/{A}/dossier.json"
    if how == "sender key not base64":
        members = resigned(members, lambda m: m["sender"].update(ed25519="not base64 at all!"), world=world)
    elif how == "sender key not ASCII":
        members = resigned(members, lambda m: m["sender"].update(ed25519="ïñvalid"), world=world)
    elif how == "deeply nested dossier.json":
        members = [[n, b"[" * 100_000 + b"]" * 100_000 if n == name else d] for n, d in members]
    elif how == "deeply nested manifest.json":
        members = [[n, b"[" * 100_000 + b"]" * 100_000 if n == "manifest.json" else d] for n, d in members]
    elif how in ("a consent type that is a list", "a request id that is a list", "a disclosure consent that is a list"):
        doc = json.loads(dict(members)[name])
        c = doc["clients"][0]
        {"a consent type that is a list": lambda: c["consents"][0].update(type=["substitute"]),
         "a request id that is a list": lambda: c["requests"][0].update(id=[]),
         "a disclosure consent that is a list": lambda: c["disclosures"][0].update(consent=["email"])}[how]()
        data = json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"
        members = [[n, data if n == name else d] for n, d in members]
    elif how == "dossier.json is a list":
        members = [[n, b"[1, 2]\n" if n == name else d] for n, d in members]
    elif how == "manifest.json is a list":
        members = [[n, b"[1, 2]\n" if n == "manifest.json" else d] for n, d in members]
    return for_me(world, retar(members))


@pytest.mark.parametrize("how", ["sender key not base64", "sender key not ASCII", "deeply nested dossier.json",
                                 "deeply nested manifest.json", "a consent type that is a list",
                                 "a request id that is a list", "a disclosure consent that is a list",
                                 "dossier.json is a list", "manifest.json is a list"])
def test_hostile_json_before_the_signature(ctx, world, how):
    refused(ctx, _hostile(world, how), {5, 7})


# -- a known colleague's manifest with odd values (a bug in another implementation) -------------------

VERIFY, IMPORT, BOTH = ("verify",), ("import",), ("verify", "import")
ODD = [
    ("sender.name", {"first": "Anna"}, IMPORT),  # verify shows it as text; import must not crash on it
    ("sender.practice", [1], VERIFY),
    ("sender.practice", [1], IMPORT),  # the summary is shown after the import was committed
    ("created", ["2026", "01", "01"], IMPORT),
    ("created", None, IMPORT),
    ("clients.0.without_consent_reason", {"why": "moved"}, IMPORT),
    ("reason", ["closure"], BOTH),
    ("members", {"FORMAT": 1}, BOTH),
    ("recipient", "Bea", BOTH),
]


@pytest.mark.parametrize("field, value, commands", ODD, ids=[f"{c[-1]} {f}={v!r}" for f, v, c in ODD])
def test_a_signed_manifest_with_odd_values(ctx, world, field, value, commands):
    def odd(m):
        *path, last = field.split(".")
        node = m
        for p in path:
            node = node[int(p)] if p.isdigit() else node[p]
        node[last] = value

    plain = retar(resigned(members_of(world.plain), odd, world=world))
    refused(ctx, for_me(world, plain), {5}, "manifest", commands=commands)


def _write(ctx: Ctx, data: bytes) -> Path:
    file = ctx.tmp / "bundle.age"
    file.write_bytes(data)
    return file


# -- fuzzing: the tar reader alone --------------------------------------------------------------------

class Recorder:
    """A tar.Reader handler that checks the calls come in a sane order and keeps the members."""

    def __init__(self):
        self.members: list[list] = []
        self.open = False

    def start(self, name, size):
        assert not self.open and isinstance(name, str) and isinstance(size, int) and size >= 0
        assert name and not name.startswith("/") and ".." not in name.split("/") and name.isascii()
        assert name.isprintable() and "\\" not in name
        self.members.append([name, bytearray(), size])
        self.open = True

    def data(self, chunk):
        assert self.open and isinstance(chunk, bytes) and chunk
        self.members[-1][1] += chunk
        assert len(self.members[-1][1]) <= self.members[-1][2]

    def end(self):
        assert self.open and len(self.members[-1][1]) == self.members[-1][2]
        self.open = False


def read_tar(data: bytes, pieces: list[int] | None = None) -> list[tuple[str, bytes]]:
    """Feed ``data`` in pieces of the given sizes (cycled); the members, or TarError."""
    rec = Recorder()
    reader = tar.Reader(rec)
    pos, sizes = 0, pieces or [len(data) or 1]
    i = 0
    while pos < len(data):
        n = max(1, sizes[i % len(sizes)])
        reader.feed(data[pos:pos + n])
        pos += n
        i += 1
    reader.close()
    assert not rec.open
    return [(name, bytes(body)) for name, body, _ in rec.members]


SMALL = [["FORMAT", B.format_line()], ["README.txt", b"Hallo Bea\n" * 70], ["clients/x", b""],
         ["manifest.json", b"{}\n"]]
SMALL_TAR = retar(SMALL)
TAR_FUZZ = settings(max_examples=2000, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def test_the_tar_reader_reads_what_tar_header_writes():
    expected = [(n, d) for n, d in SMALL]
    assert read_tar(SMALL_TAR) == expected
    assert read_tar(SMALL_TAR, [1]) == expected
    assert read_tar(SMALL_TAR, [511, 513, 7]) == expected


@TAR_FUZZ
@given(data=st.binary(max_size=3000), pieces=st.lists(st.integers(1, 1100), min_size=1, max_size=5))
def test_fuzz_tar_reader_arbitrary_bytes(data, pieces):
    try:
        members = read_tar(data, pieces)
    except tar.TarError:
        return
    assert members == _tarfile_members(data)


SMALL_HEADERS = sorted(h for h, _ in offsets(SMALL_TAR).values())
MEANINGFUL = [b"0", b"1", b"2", b"5", b"x", b"g", b"L", b"K", b"\0", b"../../etc/passwd\0", b"/etc/passwd\0",
              b"clients/../x\0", b"a\\b\0", b"\x1b[2J\0", b"00000001000\0", b"77777777777\0", b"-1\0",
              b" 0000000017 ", b"ustar\0", b"ustar  \0", b"00", b"../../etc"]


def _block_edits():
    """Edits aimed at a ustar header's fields (name, size, checksum, type, magic, prefix)."""
    fields = st.sampled_from([(0, 100), (124, 136), (148, 156), (156, 157), (157, 257), (257, 263), (263, 265),
                              (345, 500)])
    return st.tuples(fields, st.sampled_from(MEANINGFUL) | st.binary(min_size=1, max_size=12))


def _tarfile_members(data: bytes) -> list[tuple[str, bytes]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
        return [(m.name, tf.extractfile(m).read()) for m in tf.getmembers()]


@TAR_FUZZ
@given(flips=st.lists(st.tuples(st.integers(0, len(SMALL_TAR) - 1), st.integers(1, 255)), max_size=4),
       header_edits=st.lists(st.tuples(st.sampled_from(SMALL_HEADERS), _block_edits()), max_size=3),
       fix_checksum=st.booleans(),
       cut=st.none() | st.integers(0, len(SMALL_TAR)),
       insert=st.none() | st.tuples(st.integers(0, len(SMALL_TAR) // 512), st.sampled_from(["zero", "random", "copy"])),
       pieces=st.lists(st.integers(1, 1100), min_size=1, max_size=5),
       rnd=st.randoms(use_true_random=False))
def test_fuzz_tar_reader_mutated_archives(flips, header_edits, fix_checksum, cut, insert, pieces, rnd):
    data = bytearray(SMALL_TAR)
    for block, ((lo, hi), value) in header_edits:
        data[block + lo:block + min(hi, lo + len(value))] = value[:hi - lo]
        if fix_checksum:  # so the edit is judged on its own, not only by the checksum
            head = data[block:block + 512]
            head[148:156] = b" " * 8
            data[block + 148:block + 156] = b"%06o\0 " % sum(head)
    for pos, x in flips:
        data[pos] ^= x
    if insert:
        at, kind = insert
        block = {"zero": bytes(512), "random": rnd.randbytes(512), "copy": bytes(data[:512])}[kind]
        data[at * 512:at * 512] = block
    if cut is not None:
        del data[cut:]
    try:
        members = read_tar(bytes(data), pieces)  # the Recorder checks every name it is given
    except tar.TarError:
        return
    # what the strict reader accepts, Python's own tarfile reads the same way
    assert members == _tarfile_members(bytes(data))


# -- fuzzing: the whole reader --------------------------------------------------------------------------

class Opened:
    """The recipient vault, open once for a whole fuzz run; ``reset`` puts it back as it was."""

    def __init__(self, ctx: Ctx):
        from dossier.vault import Vault

        self.ctx, self.vault = ctx, Vault.open(ctx.recipient, PASSPHRASE)

    def reset(self) -> None:
        from dossier import paths
        from dossier.vault import Vault

        self.vault.close()
        shutil.rmtree(self.ctx.recipient)
        shutil.copytree(self.ctx.world.recipient, self.ctx.recipient)
        shutil.rmtree(paths.mirror_dir(), ignore_errors=True)  # the copy is older than the mirror
        self.vault = Vault.open(self.ctx.recipient, PASSPHRASE)

    def close(self) -> None:
        self.vault.close()


@pytest.fixture
def opened(ctx):
    holder = Opened(ctx)
    yield holder
    holder.close()


def _hot_spots(plain: bytes) -> list[tuple[int, int]]:
    """Ranges where a change does more than break a hash: headers and the small members."""
    spots = []
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tf:
        for m in tf.getmembers():
            spots.append((m.offset, m.offset + 512))
            if not m.name.endswith((".pdf", "README.txt")) and "/attachments/" not in m.name:
                spots.append((m.offset_data, m.offset_data + m.size))
    spots.append((len(plain) - 1024, len(plain)))
    return spots


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2, 2**40) | st.text(max_size=8)
                    | st.sampled_from(["", "0" * 64, A, "2026-01-01", "closure", "dossier-handover/1"]),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                    max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _replace(doc, path, value):
    if not path:
        return value
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return doc


class Mutant:
    """A changed archive; its repr (what hypothesis prints for a failing case) names the changes."""

    def __init__(self, plain: bytes, signed: bool, changes: list[str]):
        self.plain, self.signed, self.changes = plain, signed, changes

    def __repr__(self):
        return f"Mutant({'; '.join(self.changes)}{', re-signed' if self.signed else ''}, {len(self.plain)} bytes)"


@st.composite
def mutated(draw, world: World) -> Mutant:
    """The real bundle's archive with one to three changes: byte flips and cuts (mostly where they
    matter: headers and the small members), inserted blocks, members reordered, dropped or
    repeated, and a JSON value replaced (then re-signed with the sender's key, or not)."""
    if "_members" not in world.__dict__:  # parsed once: every case starts from the same members
        world._members, world._spots = members_of(world.plain), _hot_spots(world.plain)
    members = [list(m) for m in world._members]
    kinds = draw(st.lists(st.sampled_from(["flip", "cut", "insert", "reorder", "drop", "duplicate", "json",
                                           "signed json"]), min_size=1, max_size=3))
    structural = [k for k in kinds if k in ("reorder", "drop", "duplicate", "json", "signed json")]
    signed, changes = False, []
    for kind in structural:
        if kind == "reorder":
            i, j = draw(st.integers(0, len(members) - 1)), draw(st.integers(0, len(members) - 1))
            members[i], members[j] = members[j], members[i]
            changes.append(f"swap {i} and {j}")
        elif kind == "drop":
            i = draw(st.integers(0, len(members) - 1))
            changes.append(f"drop {members.pop(i)[0]}")
        elif kind == "duplicate":
            i, at = draw(st.integers(0, len(members) - 1)), draw(st.integers(0, len(members)))
            members.insert(at, list(members[i]))
            changes.append(f"repeat {members[at][0]} at {at}")
        else:
            targets = [i for i, m in enumerate(members) if m[0].endswith(".json")]
            if not targets:
                continue
            i = draw(st.sampled_from(targets))
            try:
                doc = json.loads(members[i][1])
            except ValueError:
                continue
            path = draw(st.sampled_from(list(_paths(doc))))
            value = draw(JSON)
            doc = _replace(doc, path, value)
            members[i][1] = json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n"
            changes.append(f"{members[i][0]}: {'.'.join(map(str, path))} = {value!r}")
            if kind == "signed json" and any(m[0] == "manifest.json" for m in members):
                relist = members[i][0] != "manifest.json" and isinstance(
                    json.loads(next(m[1] for m in members if m[0] == "manifest.json")), dict)
                members = resigned(members, relist=relist, world=world)  # (a manifest changed before: as it is)
                signed = True
    plain = bytearray(retar(members) if structural else world.plain)
    spots = world._spots if not structural else []
    for kind in kinds:
        if kind in ("flip", "cut"):
            lo, hi = draw(st.sampled_from(spots + [(0, len(plain))]))
            hi = min(hi, len(plain))
            if lo >= hi:
                continue
            if kind == "flip":
                pos, x = draw(st.integers(lo, hi - 1)), draw(st.integers(1, 255))
                plain[pos] ^= x
                changes.append(f"flip byte {pos} with {x:#x}")
            else:
                at = draw(st.integers(lo, hi))
                del plain[at:]
                changes.append(f"cut at {at}")
        elif kind == "insert":
            at = draw(st.integers(0, len(plain) // 512)) * 512
            what = draw(st.sampled_from(["zero", "random", "header"]))
            block = {"zero": bytes(512), "random": draw(st.binary(min_size=512, max_size=512)),
                     "header": bytes(plain[:512])}[what]
            plain[at:at] = block
            changes.append(f"insert a {what} block at {at}")
    return Mutant(bytes(plain), signed, changes)


def _same_members(plain: bytes, world: World) -> bool:
    """The archive holds exactly the real bundle's members. Aside: the order of members the reader
    need not check (docs/handover-format.md), and manifest.sig is compared as the signature it
    decodes to (the reader strips white space around the base64, so a changed line feed is the
    same signature)."""
    def canonical(members):
        return sorted((n, crypto.unb64(d.decode("ascii").strip()) if n == "manifest.sig" else d) for n, d in members)

    try:
        return canonical(read_tar(plain)) == canonical(members_of(world.plain))
    except (tar.TarError, ValueError, DossierError):
        return False


READER_FUZZ = settings(max_examples=800, deadline=None, database=None, derandomize=True,
                       suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                              HealthCheck.data_too_large])


@READER_FUZZ
@given(data=st.data())
def test_fuzz_verify_raises_only_dossier_errors(ctx, world, opened, data):
    from dossier.handover import verify

    m = data.draw(mutated(world))
    file = _write(ctx, for_me(world, m.plain))
    try:
        verify(opened.vault, file)
    except DossierError:
        return
    assert m.signed or _same_members(m.plain, world), "a changed bundle passed verify"


@READER_FUZZ
@given(data=st.data())
def test_fuzz_import_imports_nothing_from_a_changed_bundle(ctx, world, opened, data):
    from dossier.handover import import_bundle

    m = data.draw(mutated(world))
    file = _write(ctx, for_me(world, m.plain))
    try:
        import_bundle(opened.vault, file)
    except DossierError:
        db = opened.vault.db
        assert [db.one(f"SELECT count(*) FROM {t}")[0] for t in ("clients", "attachments", "provenance")] == [0, 0, 0]
        assert not listing(ctx.recipient / "blobs"), "a failed import left a blob file"
        return
    try:
        assert m.signed or _same_members(m.plain, world), "a changed bundle was imported"
    finally:
        opened.reset()  # so the next case starts from the empty recipient vault again


def test_verify_shows_what_import_imports_when_the_manifest_names_other_people(ctx, world):
    """A signed manifest whose client names (and attachment counts) differ from its members:
    `handover verify` shows the names from the members, which is what `import` imports (never
    the manifest's words)."""
    def rename(manifest):
        for c in manifest["clients"]:
            c["name"] = "Iemand Anders"
            c["attachments"] = 99

    plain = retar(resigned(members_of(world.plain), rename, world=world))
    (ctx.tmp / "renamed.age").write_bytes(for_me(world, plain))
    seen = ctx.cli("handover", "verify", ctx.tmp / "renamed.age", "--json")
    if seen.exit_code != 0:  # refused outright is fine too: then import must refuse as well
        assert ctx.cli("handover", "import", ctx.tmp / "renamed.age").exit_code == seen.exit_code
        return
    shown = {c["id"]: (c["name"], c["attachments"]) for c in json.loads(seen.stdout)["clients"]}
    assert all(name != "Iemand Anders" and n != 99 for name, n in shown.values()), shown
    assert ctx.cli("handover", "import", ctx.tmp / "renamed.age").exit_code == 0
    from dossier.vault import Vault

    with Vault.open(ctx.recipient, PASSPHRASE) as v:
        for cid, (name, n) in shown.items():
            first, last = v.db.one("SELECT first_name, last_name FROM clients WHERE id = ?", (cid,))
            assert f"{first} {last}" == name
            assert v.db.one("SELECT count(*) FROM attachments WHERE client_id = ?", (cid,))[0] == n
