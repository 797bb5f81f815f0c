"""Handover bundles (TB 2.28; CSR 2.5, 9.4): made by one real vault, opened by another, by the
standard age tool, and by an independent reader (tarfile + PyNaCl) as another implementation
would; the committed test vector; and every bad input of `handover create`.

The attacks on the reader and its fuzzing are in test_handover_attacks.py.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import stat
import tarfile
from pathlib import Path

import nacl.signing
import pytest
import pyrage
from pyrage import x25519

from conftest import PASSPHRASE, Invoker, age_cli, assert_error, make_vault, run, state
from dossier.handover import identity
from dossier.handover import bundle as B
from dossier.records.attachments import content_of
from dossier.records.document import load_client
from dossier.vault import Vault
from pdftools import pdf_text

VECTOR = Path(__file__).resolve().parent / "vectors" / "handover-1"
MARIEKE, SEM = "Marieke", "Sem"


@pytest.fixture
def pair(practice, dossier, tmp_path):
    """The sender (the example practice) and a recipient vault, each knowing the other."""
    recipient = tmp_path / "b"
    make_vault(recipient)[0].close()
    b = Invoker(recipient)
    assert dossier("identity", "export", "--public", tmp_path / "a.json").exit_code == 0
    assert b("identity", "export", "--public", tmp_path / "b.json").exit_code == 0
    assert dossier("contacts", "add", "Bert", tmp_path / "b.json").exit_code == 0
    assert b("contacts", "add", "Anna", tmp_path / "a.json").exit_code == 0
    assert dossier("consent", "grant", MARIEKE, "--type", "substitute", "--how", "written").exit_code == 0
    assert dossier("practice", "set", "coach=Anna de Coach", "practice=Praktijk Anna").exit_code == 0
    report = tmp_path / "hrv-rapport.pdf"
    report.write_bytes(os.urandom(3 * 1024 * 1024 + 17))  # over two blob chunks
    assert dossier("attach", MARIEKE, report, "--kind", "hrv").exit_code == 0
    return dossier, b, recipient


def _recipient_key(path: Path) -> str:
    with Vault.open(path, PASSPHRASE) as v:
        return identity.private_keys(v)["age_secret"]


def _client_id(vault_path: Path, last: str) -> str:
    with Vault.open(vault_path, PASSPHRASE) as v:
        return v.db.one("SELECT id FROM clients WHERE last_name = ?", (last,))[0]


def _independent_read(plain: bytes, sender_ed25519: str) -> tuple[dict, dict[str, bytes]]:
    """Read a bundle's archive as another implementation would: tarfile, hashlib and PyNaCl."""
    members = {}
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tf:
        names = tf.getnames()
        for info in tf.getmembers():
            assert info.isreg() and info.mode == 0o600
            members[info.name] = tf.extractfile(info).read()
    assert names[0] == "FORMAT" and names[-2:] == ["manifest.json", "manifest.sig"]
    assert members["FORMAT"] == b"dossier-handover/1\n"
    signature = base64.b64decode(members["manifest.sig"])
    nacl.signing.VerifyKey(base64.b64decode(sender_ed25519)).verify(
        b"dossier-handover/1 manifest signature\n" + members["manifest.json"], signature)
    manifest = json.loads(members["manifest.json"])
    listed = {m["path"]: m for m in manifest["members"]}
    assert set(listed) == set(members) - {"manifest.json", "manifest.sig"}
    for name, m in listed.items():
        assert m["size"] == len(members[name]) and m["sha256"] == hashlib.sha256(members[name]).hexdigest()
    return manifest, members


def test_handover_from_one_vault_to_another(pair, practice, tmp_path):
    a, b, recipient = pair
    out = tmp_path / "out" / "overdracht.age"
    out.parent.mkdir()
    made = a("handover", "create", "--to", "Bert", "--clients", f"{MARIEKE},{SEM}", "--out", out, "--json")
    assert made.exit_code == 0, made.stderr
    result = json.loads(made.stdout)
    # Sem has no substitute-coach consent: left out and named (CSR 2.5)
    assert [c["name"] for c in result["clients"]] == ["Marieke van der Berg"]
    assert [c["name"] for c in result["left_out"]] == ["Sem de Vries"]
    assert "left out: Sem de Vries" in made.stderr and "CSR 2.5" in made.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and os.listdir(out.parent) == ["overdracht.age"]

    checked = b("handover", "verify", out)
    assert checked.exit_code == 0, checked.stderr
    assert "Marieke van der Berg" in checked.stdout and "Anna" in checked.stdout and result["bundle"] in checked.stdout
    assert "signed by your contact Anna" in checked.stderr
    assert state(recipient)[0]["clients"] == []  # verify imports nothing

    done = b("handover", "import", out, "--json")
    assert done.exit_code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["bundle"] == result["bundle"] and summary["reason"] == "closure"
    marieke = _client_id(practice, "van der Berg")
    with Vault.open(practice, PASSPHRASE) as va, Vault.open(recipient, PASSPHRASE) as vb:
        sent, got = load_client(va.db, marieke), load_client(vb.db, marieke)
        # the sender's log gained the handover itself; everything else arrived unchanged
        handover_entries = [d for d in sent["disclosures"] if d["kind"] == "handover"]
        assert len(handover_entries) == 1
        h = handover_entries[0]
        assert (h["to"], h["ground"], h["consent"]) == ("Bert", "consent", "substitute")
        assert result["bundle"][:16] in h["what"]
        sent["disclosures"].remove(h)
        assert sent == got
        (att,) = got["attachments"]
        assert content_of(vb.db, att["id"]) == content_of(va.db, att["id"]) and att["size"] == 3 * 1024 * 1024 + 17
        prov = vb.db.one("SELECT contact, reason, bundle, consent FROM provenance WHERE client_id = ?", (marieke,))
        assert prov[:3] == ("Anna", "closure", result["bundle"]) and json.loads(prov[3])["type"] == "substitute"
        assert [e.action for e in vb.audit_entries(marieke)][-1] == "handover.import"
        assert "handover.create" in [e.action for e in va.audit_entries()]
    shown = b("client", "show", "Marieke")
    assert "Handed over to you" in shown.stdout and result["bundle"][:16] in shown.stdout


def test_without_consent_reason_includes_and_records_it(pair, practice, tmp_path):
    a, b, recipient = pair
    out = tmp_path / "h.age"
    made = a("handover", "create", "--to", "Bert", "--clients", SEM, "--out", out, "--reason", "incapacity",
             "--without-consent-reason", "coach langdurig ziek", "--json")
    assert made.exit_code == 0, made.stderr
    assert json.loads(made.stdout)["clients"][0]["without_consent_reason"] == "coach langdurig ziek"
    sem = _client_id(practice, "de Vries")
    with Vault.open(practice, PASSPHRASE) as v:
        row = v.db.one("SELECT ground, justification, kind FROM disclosures WHERE client_id = ? AND kind = 'handover'",
                       (sem,))
    assert row == ("without-consent", "coach langdurig ziek", "handover")
    summary = json.loads(b("handover", "import", out, "--json").stdout)
    assert summary["reason"] == "incapacity"
    assert summary["clients"][0]["without_consent_reason"] == "coach langdurig ziek"
    shown = " ".join(b("client", "show", SEM).stdout.split())  # the table wraps
    assert "without consent: coach langdurig ziek" in shown


def test_the_age_tool_and_an_independent_reader_open_a_bundle(pair, practice, tmp_path):
    a, b, recipient = pair
    out = tmp_path / "h.age"
    assert a("handover", "create", "--to", "Bert", "--all", "--without-consent-reason", "praktijk stopt",
             "--out", out).exit_code == 0
    key = tmp_path / "key.txt"
    key.write_text(_recipient_key(recipient) + "\n")
    by_age = age_cli("age", "-d", "-i", key, out, check=True)
    plain = by_age.stdout if by_age else pyrage.decrypt(out.read_bytes(), [x25519.Identity.from_str(key.read_text().strip())])
    sender = json.loads((tmp_path / "a.json").read_text())
    manifest, members = _independent_read(plain, sender["ed25519"])
    assert len(manifest["clients"]) == 10 and manifest["reason"] == "closure"
    assert manifest["sender"]["fingerprint"] == sender["fingerprint"]
    assert manifest["recipient"]["name"] == "Bert"
    marieke = next(c for c in manifest["clients"] if c["last_name"] == "van der Berg")
    assert marieke["consent"]["type"] == "substitute" and marieke["attachments"] == 1
    folder = f"clients/{marieke['id']}/"
    doc = json.loads(members[folder + "dossier.json"])
    assert doc["format"] == "dossier/1" and doc["clients"][0]["id"] == marieke["id"]
    (att,) = doc["clients"][0]["attachments"]
    assert "content_base64" not in att
    assert hashlib.sha256(members[f"{folder}attachments/{att['id']}"]).hexdigest() == att["sha256"]
    # the README explains it in Dutch and English, and names every client's folder
    readme = members["README.txt"].decode()
    assert "LEESMIJ" in readme and "README" in readme and "age -d" in readme and sender["fingerprint"] in readme
    assert f"clients/{marieke['id']}/  Marieke van der Berg" in readme and att["filename"] in readme
    # the PDFs read as a person reads them
    dossier_pdf = pdf_text(members[folder + "dossier.pdf"], tmp_path)
    assert "Marieke van der Berg" in dossier_pdf and "Overgedragen dossier" in dossier_pdf
    assert "Afschrift van uw dossier" not in dossier_pdf  # the cover is for the colleague, not the client
    assert "Overdracht van cliëntdossiers" in pdf_text(members["README.pdf"], tmp_path)


def test_the_committed_test_vector_opens(tmp_path, monkeypatch):
    """A bundle made once from fictional data (tests/vectors/handover-1/make.py), with its test key."""
    expected = json.loads((VECTOR / "expected.json").read_text())
    key_text = (VECTOR / "recipient.key").read_text()
    secret = next(line for line in key_text.splitlines() if line.startswith("AGE-SECRET-KEY-"))
    sender = json.loads((VECTOR / "sender.json").read_text())
    data = (VECTOR / "bundle.age").read_bytes()
    plain = pyrage.decrypt(data, [x25519.Identity.from_str(secret)])
    by_age = age_cli("age", "-d", "-i", VECTOR / "recipient.key", input=data, check=True)
    assert by_age is None or by_age.stdout == plain
    manifest, _ = _independent_read(plain, sender["ed25519"])
    assert hashlib.sha256(_independent_read(plain, sender["ed25519"])[1]["manifest.json"]).hexdigest() \
        == expected["bundle"]
    assert [c["id"] for c in manifest["clients"]] == [c["id"] for c in expected["clients"]]
    # dossier itself: a vault whose identity is the test key, knowing the sender
    path = tmp_path / "v"
    v, _ = make_vault(path)
    with v.write():
        v.db.execute("INSERT INTO meta(key, value) VALUES ('identity', ?)",
                     (json.dumps({"age_secret": secret, "ed25519_seed": base64.b64encode(os.urandom(32)).decode(),
                                  "created": "2026-01-01T00:00:00Z"}),))
    v.close()
    cli = Invoker(path)
    assert cli("contacts", "add", "Anna", VECTOR / "sender.json").exit_code == 0
    done = cli("handover", "import", VECTOR / "bundle.age", "--json")
    assert done.exit_code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["bundle"] == expected["bundle"]
    assert [c["name"] for c in summary["clients"]] == [c["name"] for c in expected["clients"]]
    with Vault.open(path, PASSPHRASE) as v:
        noelle = load_client(v.db, expected["clients"][0]["id"])
        assert base64.b64decode(noelle["attachments"][0]["content_base64"]).startswith(b"Fictief intakeverslag")


def test_a_bundle_through_a_real_subprocess(pair, tmp_path):
    a, b, recipient = pair
    out = tmp_path / "h.age"
    r = run("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", out, vault=a.vault_path,
            env={"XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]})
    assert r.returncode == 0, r.stderr
    r = run("handover", "import", out, vault=recipient, env={"XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]})
    assert r.returncode == 0, r.stderr
    assert "1 client imported from Anna" in r.stderr and "Traceback" not in r.stderr


def test_progress_counts_every_byte(pair, practice, tmp_path):
    """The progress bars: create counts the attachment bytes, verify and import the bundle's."""
    from dossier.handover import create, import_bundle, verify

    a, b, recipient = pair
    out = tmp_path / "h.age"
    made = []
    with Vault.open(practice, PASSPHRASE) as v:
        create(v, "Bert", out, clients=[MARIEKE], progress=lambda n, total=None: made.append((n, total)))
    assert made[0] == (0, 3 * 1024 * 1024 + 17) and sum(n for n, _ in made) == made[0][1]
    for step in (verify, import_bundle):
        read = []
        with Vault.open(recipient, PASSPHRASE) as v:
            step(v, out, progress=read.append)
        assert len(read) > 2 and min(read) >= 0 and sum(read) == out.stat().st_size


def test_a_pending_destruction_or_hold_is_named_for_the_colleague(pair, practice, tmp_path):
    """A written request to destroy (CSR 5.4, with its deadline) and a legal hold go with the
    bundle and are named to the coach; the colleague's verify names them, and after the import
    their `client show` and `due` show them."""
    a, b, recipient = pair
    plain = a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", tmp_path / "1.age", "--json")
    assert plain.exit_code == 0 and json.loads(plain.stdout)["duties"] == [] and "warning" not in plain.stderr
    assert a("destroy", "request", MARIEKE).exit_code == 0
    assert a("destroy", "hold", MARIEKE, "--reason", "klacht bij de tuchtcommissie").exit_code == 0
    made = a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", tmp_path / "2.age", "--json")
    assert made.exit_code == 0, made.stderr
    duties = json.loads(made.stdout)["duties"]
    assert [(d["kind"], d["name"]) for d in duties] == [("destruction", "Marieke van der Berg"),
                                                       ("hold", "Marieke van der Berg")]
    deadline, placed = duties[0]["date"], duties[1]["date"]
    assert (f"Marieke van der Berg ({duties[0]['id'][:8]}) asked in writing to have the dossier destroyed, at the "
            f"latest {deadline} (CSR 5.4); the request goes with the bundle: Bert must destroy it by then") \
        in made.stderr
    assert f"is on a legal hold since {placed}; the hold goes with the bundle: Bert keeps the dossier" in made.stderr
    assert "klacht" not in made.stderr  # the hold's reason is not printed here
    seen = b("handover", "verify", tmp_path / "2.age", "--json")
    assert seen.exit_code == 0, seen.stderr
    (c,) = json.loads(seen.stdout)["clients"]
    assert c["destruction"]["deadline"] == deadline and c["hold"]["placed"] == placed
    assert b("handover", "import", tmp_path / "2.age").exit_code == 0
    shown = b("client", "show", MARIEKE)
    assert f"carry it out by {deadline}" in shown.stderr and "klacht bij de tuchtcommissie" in shown.stdout
    due = b("due", "--json")
    assert due.exit_code == 0 and MARIEKE in due.stdout, due.stdout


def test_a_failing_disk_leaves_nothing_half_done_on_either_side(pair, practice, tmp_path):
    """A write that fails (a file-size limit stands in for a full disk) is one clear line, and
    leaves no bundle, no blob file, no disclosure and no import behind."""
    a, b, recipient = pair
    env = {"XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"]}
    folder = tmp_path / "out"
    folder.mkdir()
    out, before = folder / "h.age", state(practice)
    r = run("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", out, vault=practice, env=env,
            file_size_limit=2 << 20)  # the bundle holds a 3 MiB attachment
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"dossier: error: {out}: could not be written (File too large)" in r.stderr
    assert os.listdir(folder) == [] and state(practice) == before

    assert run("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", out, vault=practice,
               env=env).returncode == 0
    def blobs():
        return sorted(os.listdir(recipient / "blobs")) if (recipient / "blobs").exists() else []

    before, had = state(recipient), blobs()
    r = run("handover", "import", out, vault=recipient, env=env, file_size_limit=2 << 20)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert ("dossier: error: the attachments could not be stored in your vault (File too large); nothing was "
            "imported") in r.stderr
    assert state(recipient) == before and blobs() == had


def test_a_failed_create_leaves_no_file_and_logs_nothing(pair, practice, tmp_path):
    a, b, recipient = pair
    with Vault.open(practice, PASSPHRASE) as v:
        (blob,) = [r[0] for r in v.db.all("SELECT id FROM attachments")]
    (practice / "blobs" / blob).unlink()

    def logged():
        with Vault.open(practice, PASSPHRASE) as v:
            return (v.db.all("SELECT * FROM disclosures"),
                    [e.action for e in v.audit_entries() if not e.action.startswith("unlock")])

    before = logged()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert_error(a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", out_dir / "h.age"), 5,
                 "is missing")
    assert os.listdir(out_dir) == []
    assert logged() == before


@pytest.mark.parametrize("args, code, fragment", [
    (["--to", "Nobody", "--all"], 1, "no contact named 'Nobody'"),
    (["--to", "Bert"], 2, "--clients ID…, or give --all"),
    (["--to", "Bert", "--all", "--clients", MARIEKE], 2, "--clients ID…, or give --all"),
    (["--to", "Bert", "--all", "--reason", "vakantie"], 1, "--reason"),
    (["--to", "Bert", "--clients", "Niemand"], 1, "no client matches 'Niemand'"),
    (["--to", "Bert", "--clients", SEM], 7, "no substitute-coach consent in force (CSR 2.5) for Sem de Vries"),
    (["--to", "Bert", "--all", "--lang", "fr"], 1, "--lang: 'fr' must be one of: nl, en"),
])
def test_create_bad_input(pair, practice, tmp_path, args, code, fragment):
    a, *_ = pair
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    before = state(practice)
    assert_error(a("handover", "create", *args, "--out", out_dir / "h.age"), code, fragment)
    assert os.listdir(out_dir) == [] and state(practice) == before


def test_create_refuses_an_unusable_out_file(pair, practice, tmp_path):
    a, *_ = pair
    existing = tmp_path / "er-al.age"
    existing.write_bytes(b"van iemand anders")
    before = state(practice)
    assert_error(a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", existing), 1, "exists already")
    assert existing.read_bytes() == b"van iemand anders"
    assert_error(a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", tmp_path), 1, "is a folder")
    assert_error(a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", tmp_path / "nee" / "h.age"),
                 1, "no such folder")
    # a folder nobody may write in (even root: /proc refuses new files)
    assert_error(a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", "/proc/h.age"), 1,
                 "/proc: cannot write a file there")
    assert state(practice) == before
    assert a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", existing, "--force").exit_code == 0
    assert existing.read_bytes().startswith(b"age-encryption.org/v1")


def test_a_contact_without_dossier_can_receive(pair, practice, tmp_path):
    """A colleague with only an age key (age-keygen) opens the bundle with the age tool."""
    a, *_ = pair
    key = x25519.Identity.generate()
    assert a("contacts", "add", "Carla", "--age", str(key.to_public())).exit_code == 0
    out = tmp_path / "c.age"
    assert a("handover", "create", "--to", "carla", "--clients", MARIEKE, "--out", out).exit_code == 0
    plain = pyrage.decrypt(out.read_bytes(), [key])
    with tarfile.open(fileobj=io.BytesIO(plain)) as tf:
        assert tf.getnames()[0] == "FORMAT" and tf.getnames()[-1] == "manifest.sig"


def test_a_key_given_in_capitals_is_kept_in_its_usual_form(pair, tmp_path):
    """bech32 allows an all-capital key (as on a QR code); the bundle must still be for B."""
    a, b, recipient = pair
    key = json.loads((tmp_path / "b.json").read_text())["age"]
    assert_error(a("contacts", "add", "Bert in hoofdletters", "--age", key.upper()), 7,
                 "belongs to your contact 'Bert' already")  # the same key, however it is written
    assert a("contacts", "remove", "Bert").exit_code == 0
    assert a("contacts", "add", "Bert in hoofdletters", "--age", key.upper()).exit_code == 0
    listed = json.loads(a("contacts", "list", "--json").stdout)
    assert next(c["age"] for c in listed if c["name"] == "Bert in hoofdletters") == key
    out = tmp_path / "h.age"
    assert a("handover", "create", "--to", "Bert in hoofdletters", "--clients", MARIEKE, "--out", out).exit_code == 0
    done = b("handover", "import", out)
    assert done.exit_code == 0, done.stderr


def test_bundle_rules_are_strict():
    assert B.member_kind("clients/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12 + "/dossier.json")[0] == "json"
    for bad in ("clients/x/dossier.json", "../FORMAT", "README.md", "clients//dossier.json"):
        with pytest.raises(ValueError):
            B.member_kind(bad)


def test_attachment_files_stream_and_catch_damage(tmp_path):
    """Attachment files (version 2) hold any size in 1 MiB sealed chunks; a cut, a changed byte or
    a dropped final chunk is caught, and version 1 files still read."""
    from dossier import crypto
    from dossier.store.blobs import CHUNK, BlobStore
    from dossier.errors import VaultDamaged

    store = BlobStore(tmp_path / "blobs")
    ids = [f"{i:08x}-0000-4000-8000-000000000000" for i in range(8)]
    for blob_id, size in zip(ids, (0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5)):
        data = os.urandom(size)
        key = store.put(blob_id, data)
        assert store.get(blob_id, key) == data
        assert all(len(c) <= CHUNK for c in store.read_stream(blob_id, key))
        raw = (store.folder / blob_id).read_bytes()
        for damaged in (raw[:-1], raw[:-17], raw[:1 + 24 + CHUNK + 17] if size > CHUNK else raw[:25],
                        raw[:40] + bytes([raw[40] ^ 1]) + raw[41:] if len(raw) > 41 else raw[:-2], raw + b"x"):
            (store.folder / blob_id).write_bytes(damaged)
            with pytest.raises(VaultDamaged):
                store.get(blob_id, key)
    key = crypto.random_key()
    (store.folder / ids[7]).write_bytes(b"\x01" + crypto.wrap(key, b"oud formaat"))
    assert store.get(ids[7], key) == b"oud formaat"


def test_a_client_handed_over_can_be_destroyed_with_its_provenance(pair, practice, tmp_path):
    """CSR 5.4 holds at the successor too: the provenance goes with the client, the letter names it."""
    a, b, recipient = pair
    out = tmp_path / "h.age"
    assert a("handover", "create", "--to", "Bert", "--clients", MARIEKE, "--out", out).exit_code == 0
    assert b("handover", "import", out).exit_code == 0
    letters = tmp_path / "brieven"
    letters.mkdir()
    r = b("destroy", "run", MARIEKE, "--yes", "--out", letters)
    assert r.exit_code == 0, r.stderr
    with Vault.open(recipient, PASSPHRASE) as v:
        assert v.db.all("SELECT * FROM provenance") == [] and v.db.all("SELECT * FROM attachments") == []
        assert not list((recipient / "blobs").iterdir())
    (letter,) = letters.iterdir()
    assert "overdracht van uw dossier (1)" in " ".join(pdf_text(letter, tmp_path).split())


def test_a_hold_and_a_pending_destruction_request_travel_with_the_client(tmp_path):
    """A client on a legal hold and one with a pending written request to destroy: export and
    import keep both as they were (CSR 5.4)."""
    from dossier.records.document import export_document, import_document
    from dossier.retention.destructions import hold, request
    from dossier.retention.due import due

    v, _ = make_vault(tmp_path / "a")
    from dossier.records.clients import add_client

    kept = add_client(v, {"first_name": "Hanna", "last_name": "Hold"})
    going = add_client(v, {"first_name": "Vera", "last_name": "Verzoek"})
    hold(v, kept, "klacht bij de tuchtcommissie")
    request(v, going, "2026-11-20")
    doc = export_document(v)
    v.close()
    by_name = {c["first_name"]: c for c in doc["clients"]}
    assert by_name["Hanna"]["holds"][0]["reason"] == "klacht bij de tuchtcommissie"
    assert by_name["Vera"]["destructions"][0]["deadline"] == "2026-12-18"
    w, _ = make_vault(tmp_path / "b")
    import_document(w, doc)
    items = {(i["kind"], i["client_id"]) for i in due(w.db, within=10_000)}
    assert ("request", going) in items or any(cid == going for _, cid in items), items
    from dossier.retention.destructions import current_hold, pending_request

    assert current_hold(w.db, kept)["reason"] == "klacht bij de tuchtcommissie"
    assert pending_request(w.db, going)["deadline"] == "2026-12-18"
    w.close()
