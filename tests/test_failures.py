"""A command that fails leaves nothing behind and changes nothing, not even the rollback
mirror; Ctrl-C at a prompt is "interrupted" (exit 130); odd input is one clear line, never an
internal error (issue 14)."""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from conftest import PASSPHRASE, assert_error, make_vault, run
from dossier.vault import Vault


@pytest.fixture
def cli(practice, dossier):
    return dossier


def _write_works(cli) -> None:
    """A write after the failure succeeds, and nothing says the vault was rolled back."""
    r = cli("client", "add", "--first-name", "Nieuwe", "--last-name", "Client")
    assert r.exit_code == 0 and "OLDER" not in r.stderr, r.stderr
    r = cli("verify")
    assert r.exit_code == 0, r.stderr


def test_a_report_whose_letter_cannot_be_written_changes_nothing_and_no_rollback_follows(cli, practice, tmp_path):
    """The objection letter's folder does not exist: the report fails after the attachment was
    added in an inner write; the mirror must not have moved on with it."""
    f = tmp_path / "rapport.txt"
    f.write_text("Rapport", encoding="utf-8")
    with Vault.open(practice, PASSPHRASE) as v:
        before = v.head()
    r = cli("report", "marieke", "--to", "commissioner", "--file", f, "--out", tmp_path / "bestaat-niet",
            "--legal-basis", "Art. 71a Wet werk en bijstand")
    assert r.exit_code != 0 and "Traceback" not in r.stderr
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.rollback is None
        assert [e.action for e in v.audit_entries() if e.seq > before[0]] == ["unlock", "unlock"]
    _write_works(cli)


@pytest.mark.parametrize("args", [
    ("copy", "marieke", "--out", "{file}"),  # the output is a file, not a folder
    ("destroy", "run", "marieke", "--yes", "--out", "{file}"),
    ("export", "--out", "{ro}/export.json"),
    ("anonymise", "marieke", "--out", "{ro}/casus.md", "--yes"),
])
def test_a_writing_command_that_fails_after_its_checks_does_not_move_the_mirror(cli, practice, tmp_path, args):
    ro = tmp_path / "alleen-lezen"
    ro.mkdir()
    ro.chmod(0o500)
    file = tmp_path / "een-bestand"
    file.write_text("x")
    if os.geteuid() == 0:  # root writes into a read-only folder anyway: use a path below a file
        ro = file
    r = cli(*[a.format(file=file, ro=ro) for a in args])
    assert r.exit_code not in (0, 70) and "Traceback" not in r.stderr, (r.exit_code, r.stderr)
    _write_works(cli)


def _in_a_terminal(argv: list[str], env: dict, keys: bytes, wait_for: bytes) -> tuple[int, bytes]:
    """Run argv in a pseudo-terminal, type ``keys`` once ``wait_for`` appeared; (exit code, output)."""
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal's foreground process, as in a shell
        os.execvpe(argv[0], argv, env)
    seen, typed, deadline = b"", False, time.time() + 60
    while time.time() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 1024)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        if not typed and wait_for in seen:
            time.sleep(0.2)
            os.write(fd, keys)
            typed = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    return os.waitstatus_to_exitcode(status), seen


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a pseudo-terminal needs POSIX (pty)")
@pytest.mark.parametrize("argv, prompt", [
    (["client", "list"], b"Passphrase"),
    (["passwd"], b"New passphrase"),
])
def test_ctrl_c_at_a_prompt_is_interrupted_exit_130_with_nothing_changed(practice, argv, prompt):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    if argv == ["passwd"]:
        env["DOSSIER_PASSPHRASE"] = PASSPHRASE
    before = (practice / "keyslots.json").read_bytes()
    code, seen = _in_a_terminal([sys.executable, "-m", "dossier", "--vault", str(practice), *argv], env, b"\x03",
                                prompt)
    assert code == 130, seen
    assert b"interrupted" in seen and b"DOSSIER_PASSPHRASE" not in seen, seen
    assert (practice / "keyslots.json").read_bytes() == before


@pytest.mark.parametrize("new", ["marloes2026", "dossiercoachvault", "kluiswachtwoordgeheim", "PraktijkZonnig!"])
def test_passwd_refuses_a_passphrase_of_the_coachs_and_the_vaults_own_words(cli, new):
    assert cli("practice", "set", "coach=Marloes de Vries", "practice=Praktijk Zonnig").exit_code == 0
    r = cli("passwd", env={"DOSSIER_NEW_PASSPHRASE": new})
    assert_error(r, 1, "passphrase too weak")


def test_a_long_passphrase_is_welcome(tmp_path):
    """zxcvbn reads at most 72 characters; a longer passphrase is accepted (not exit 70)."""
    long = "de vaag groene tomaat rolt langzaam over het kompas van de oude zeilboot naar huis"
    assert len(long) > 72
    r = run("init", vault=tmp_path / "v", passphrase=long)
    assert r.returncode == 0, r.stderr
    r = run("passwd", vault=tmp_path / "v", passphrase=long, env={"DOSSIER_NEW_PASSPHRASE": long + " en verder"})
    assert r.returncode == 0, r.stderr


def _mutations(slots: dict, rng) -> list[tuple[str, object]]:
    """Mutated slot files: fields dropped, retyped, out of range, cut short, nested deep."""
    import copy

    out = []
    paths = [("format",), ("vault_id",), ("db_salt",), ("db_key",), ("slots",), ("generation",), ("mac",)]
    for i in range(len(slots["slots"])):
        paths += [("slots", i, k) for k in slots["slots"][i]]
    values = [None, 0, -1, 2**70, "", "x", "AAAA", [], {}, True, 1.5, "A" * 10_000, [[[[[]]]]],
              "////", "AAAAAAAAAAAAAAAAAAAAAA==", 4_294_967_295, 4_398_046_510_080]
    for path in paths:
        for value in rng.sample(values, 5) + ["<drop>"]:
            doc = copy.deepcopy(slots)
            target = doc
            for key in path[:-1]:
                target = target[key]
            if value == "<drop>":
                target.pop(path[-1], None)
            else:
                target[path[-1]] = value
            out.append((f"{'.'.join(map(str, path))}={str(value)[:20]}", json.dumps(doc)))
    out.append(("deep", "[" * 100_000 + "]" * 100_000))
    out.append(("deep-object", json.dumps(slots)[:-1] + ', "x": ' + "[" * 5000 + "]" * 5000 + "}"))
    out.append(("surrogate", json.dumps(slots).replace('"passphrase"', '"\\ud800"', 1)))
    out.append(("not json", "{"))
    out.append(("binary", "\x00\xff"))
    return out


def test_a_mutated_key_slot_file_is_one_clear_line_never_exit_70(practice, dossier):
    """Every mutation of keyslots.json (about 120, seeded) ends in a wrong passphrase (3),
    damage (5) or a rollback (6), with one error line; none in exit 70."""
    import random

    original = (practice / "keyslots.json").read_text()
    codes: dict[int, int] = {}
    for name, text in _mutations(json.loads(original), random.Random(14)):
        (practice / "keyslots.json").write_text(text, encoding="utf-8", errors="surrogatepass")
        r = dossier("client", "list")
        codes[r.exit_code] = codes.get(r.exit_code, 0) + 1
        assert r.exit_code != 70 and "Traceback" not in r.stderr, (name, r.stderr)
        if r.exit_code:
            assert_error(r, {3, 5, 6}, "")
    (practice / "keyslots.json").write_text(original)
    assert dossier("client", "list").exit_code == 0
    assert 70 not in codes and 0 not in codes and sum(codes.values()) > 100, codes


@pytest.mark.parametrize("name, text, fragment", [
    ("deep", '{"format": "dossier/1", "clients": ' + "[" * 1000 + "]" * 1000 + "}", "nested too deeply"),
    ("deeper", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("surrogate", '{"format": "dossier/1", "clients": [{"first_name": "\\ud800"}]}', "not Unicode"),
    ("long int", '{"format": "dossier/1", "clients": [], "x": ' + "9" * 5000 + "}", "number that is too long"),
])
def test_an_odd_import_is_one_clear_line(cli, practice, tmp_path, name, text, fragment):
    f = tmp_path / f"{name.replace(' ', '-')}.json"
    f.write_text(text, encoding="utf-8")
    with Vault.open(practice, PASSPHRASE) as v:
        before = v.db.one("SELECT count(*) FROM clients")[0]
    r = cli("import", f)
    assert_error(r, 1, fragment)
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT count(*) FROM clients")[0] == before


@pytest.mark.parametrize("args, fragment", [
    (("client", "add", "--first-name", "Eva", "--last-name", "Jansen", "--birth-date", "02-11-1979"), "birth_date"),
    (("attach", "noelle", "{file}", "--kind", "vragenlijst"), "--kind"),
    (("retention", "set", "--after-close", "15j"), "--after-close"),
    (("session", "add", "noelle", "--date", "26-01-2026", "--notes-file", "{file}"), "--date"),
    (("session", "add", "noelle", "--duration", "5000", "--notes-file", "{file}"), "--duration"),
    (("consent", "grant", "noelle", "--type", "bogus", "--how", "written"), "--type"),
    (("consent", "grant", "noelle", "--type", "email", "--how", "fax"), "--how"),
    (("consent", "grant", "noelle", "--type", "email", "--date", "31-02-2026"), "--date"),
    (("consent", "withdraw", "noelle", "--type", "bogus"), "--type"),
    (("copy", "noelle", "--lang", "fr", "--out", "{dir}"), "--lang"),
    (("destroy", "run", "noelle", "--lang", "fr", "--out", "{dir}", "--yes"), "--lang"),
    (("destroy", "request", "noelle", "--received", "32-13-2026"), "--received"),
    (("destroy", "hold", "noelle", "--reason", ""), "--reason"),
    (("practice", "set", "bogus=1"), "bogus"),
    (("practice", "set", "email=geen"), "email"),
    (("report", "noelle", "--to", "nobody", "--file", "{file}"), "--to"),
    (("disclose", "noelle", "--to", "Iemand", "--what", "w", "--ground", "bogus"), "--ground"),
    (("correction", "request", "noelle", "--field", "city", "--proposed", "y", "--reason", ""), "--reason"),
    (("correction", "request", "noelle", "--field", "city", "--proposed", "y", "--reason", "r", "--received",
      "2026-13-01"), "--received"),
    (("handover", "create", "--to", "Bert", "--all", "--out", "{dir}/h.age", "--lang", "fr"), "--lang"),
    (("handover", "create", "--to", "Bert", "--all", "--out", "{dir}/h.age", "--reason", "bogus"), "--reason"),
    (("due", "--within", "-3"), "--within"),
    (("successor", "setup", "--shares", "3", "--threshold", "5"), "--threshold"),
    (("close", "noelle", "--date", "2026-02-30"), "--date"),
    (("search", ""), "no words"),
    (("client", "edit", "noelle", "--set", "bogus=1"), "is not a client field"),
])
def test_a_mistake_in_an_option_is_said_before_the_passphrase_is_asked(practice, tmp_path, args, fragment):
    """No passphrase in the environment and no terminal: the error must be the option's, not
    'no passphrase given' (the coach would type the passphrase first, then learn of the typo)."""
    f = tmp_path / "f.txt"
    f.write_text("x")
    r = run(*[a.format(file=f, dir=tmp_path / "uit") for a in args], vault=practice, passphrase=None, input="")
    assert r.returncode not in (0, 3, 70) and fragment in r.stderr and "passphrase" not in r.stderr.lower(), r.stderr


def test_a_vault_that_does_not_exist_is_said_before_the_passphrase_is_asked(tmp_path):
    r = run("client", "list", vault=tmp_path / "nergens", passphrase=None, input="")
    assert r.returncode == 4 and "no vault at" in r.stderr and "Passphrase" not in r.stderr, r.stderr


def test_destruction_letters_never_go_to_the_current_folder_by_default(cli, practice, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = cli("destroy", "run", "noelle", "--yes")
    assert_error(r, 2, "where should the confirmation letters go? give --out DIR")
    assert list(tmp_path.glob("*.pdf")) == []
    with Vault.open(practice, PASSPHRASE) as v:  # and nothing was destroyed
        assert v.db.one("SELECT count(*) FROM clients WHERE first_name LIKE 'No%'")[0] == 1
    letters = tmp_path / "brieven"
    assert cli("practice", "set", f"letters={letters}").exit_code == 0
    r = cli("destroy", "run", "noelle", "--yes")
    assert r.exit_code == 0, r.stderr
    assert len(list(letters.glob("vernietiging-*.pdf"))) == 1 and list(tmp_path.glob("*.pdf")) == []


EDITOR_WRITES = r"""
import pathlib, sys
p = pathlib.Path(sys.argv[-1])
text = p.read_text(encoding="utf-8")
extra = "Vier regels over het gesprek.\nRegel twee.\nRegel drie.\nRegel vier.\n"
p.write_text(text.replace("# Schrijf hieronder", extra + "# Schrijf hieronder", 1) if "Vier regels" not in text
             else text + "\nNog een regel erbij.\n", encoding="utf-8")
"""


def test_text_typed_in_the_editor_is_kept_when_saving_fails_and_resume_saves_it(cli, practice, tmp_path,
                                                                                  monkeypatch):
    from dossier.records import sessions

    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR_WRITES, encoding="utf-8")
    env = {"EDITOR": f"{sys.executable} {editor}"}

    def full_disk(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sessions, "add_session", full_disk)
    r = cli("session", "add", "noelle", "--date", "2026-03-04", env=env)
    assert_error(r, 1, "the session could not be saved (No space left on device)")
    assert "--resume" in r.stderr
    (kept,) = list((practice / "drafts").iterdir())
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and b"Vier regels" not in kept.read_bytes()  # encrypted
    monkeypatch.undo()
    r = cli("session", "add", "noelle", "--resume", env=env)
    assert r.exit_code == 0 and "session of 2026-03-04 saved" in r.stderr, r.stderr
    assert list((practice / "drafts").iterdir()) == []
    with Vault.open(practice, PASSPHRASE) as v:
        notes = v.db.all("SELECT notes || ' ' || findings FROM sessions WHERE date = '2026-03-04'")
    assert len(notes) == 1 and "Regel vier." in notes[0][0] and "Nog een regel erbij." in notes[0][0]
    r = cli("session", "add", "noelle", "--resume", env=env)
    assert_error(r, 1, "there is no kept text for this client")


def test_a_destroyed_clients_kept_text_goes_with_her(cli, practice, tmp_path, monkeypatch):
    from dossier.records import sessions

    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR_WRITES, encoding="utf-8")
    monkeypatch.setattr(sessions, "add_session", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "full")))
    cli("session", "add", "noelle", env={"EDITOR": f"{sys.executable} {editor}"})
    monkeypatch.undo()
    assert len(list((practice / "drafts").iterdir())) == 1
    assert cli("destroy", "run", "noelle", "--yes", "--out", tmp_path).exit_code == 0
    assert list((practice / "drafts").iterdir()) == []


def _session_with_four_lines(practice) -> str:
    from dossier.records.sessions import add_session

    with Vault.open(practice, PASSPHRASE) as v:
        cid = v.db.one("SELECT id FROM clients WHERE first_name LIKE 'No%'")[0]
        return add_session(v, cid, "2026-02-02", 60, "Eerste regel.\nDe cliënt was boos op haar baas.\n"
                                                     "Derde regel.\nVierde regel.", "")


def test_granting_a_correction_shows_the_change_and_asks_first(cli, practice):
    sid = _session_with_four_lines(practice)
    rid = cli("correction", "request", "noelle", "--field", f"session:{sid[:8]}", "--proposed", "Eén regel.",
              "--reason", "Zo ging het niet").stdout.strip()
    r = cli("correction", "decide", rid, "--grant", input="n\n")
    assert r.exit_code == 7 and "not confirmed; nothing was changed" in r.stderr, r.stderr
    assert "-De cliënt was boos op haar baas." in r.stderr and "+Eén regel." in r.stderr  # a diff
    with Vault.open(practice, PASSPHRASE) as v:
        assert "Vierde regel." in v.db.one("SELECT notes FROM sessions WHERE id = ?", (sid,))[0]
    r = cli("correction", "decide", rid, "--grant", input="y\n")
    assert r.exit_code == 0, r.stderr


def test_a_correction_of_one_passage_replaces_that_passage_only(cli, practice):
    sid = _session_with_four_lines(practice)
    field = f"session:{sid[:8]}"
    r = cli("correction", "request", "noelle", "--field", field, "--passage", "boos op haar baas",
            "--proposed", "teleurgesteld in haar baas", "--reason", "Ik was niet boos")
    assert r.exit_code == 0, r.stderr
    assert cli("correction", "decide", r.stdout.strip(), "--grant", "--yes").exit_code == 0
    with Vault.open(practice, PASSPHRASE) as v:
        notes = v.db.one("SELECT notes FROM sessions WHERE id = ?", (sid,))[0]
    assert notes == "Eerste regel.\nDe cliënt was teleurgesteld in haar baas.\nDerde regel.\nVierde regel."
    r = cli("correction", "request", "noelle", "--field", field, "--passage", "niet in de tekst",
            "--proposed", "x", "--reason", "r")
    assert_error(r, 1, "is not in the text")
    r = cli("correction", "request", "noelle", "--field", field, "--passage", "regel.", "--proposed", "x",
            "--reason", "r")
    assert_error(r, 1, "times")


def _need_mount(why: str) -> None:
    """Skip with one line where mount cannot be used (not POSIX, not root, no mount tool)."""
    import shutil

    if os.name != "posix" or os.geteuid() != 0 or not (shutil.which("mount") and shutil.which("umount")):
        pytest.skip(f"{why}: needs root and the mount tool (CI runs as root)")


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MiB tmpfs of its own (root only; skipped with one line elsewhere)."""
    import subprocess

    mnt = tmp_path / "small-disk"
    mnt.mkdir()
    _need_mount("a full disk is simulated with a tmpfs mount")
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {(made.stderr or made.stdout).strip().splitlines()[:1]}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_on_a_full_disk_reading_and_verify_work_and_writes_are_refused(small_disk):
    from dossier.records.clients import add_client

    vault_path = small_disk / "vault"
    v, _ = make_vault(vault_path)
    add_client(v, {"first_name": "Eva", "last_name": "Jansen"})
    v.close()
    with open(small_disk / "filler", "wb") as f:
        with pytest.raises(OSError):
            while True:
                f.write(b"\0" * 65536)
                f.flush()
    listed = run("client", "list", vault=vault_path)
    assert listed.returncode == 0 and "Eva Jansen" in listed.stdout, listed.stderr
    assert "the disk is full" in listed.stderr
    verified = run("verify", vault=vault_path)
    assert verified.returncode == 0 and "vault verified" in verified.stdout + verified.stderr, verified.stderr
    added = run("client", "add", "--first-name", "A", "--last-name", "B", vault=vault_path)
    assert added.returncode == 1 and "the disk is full: nothing was changed" in added.stderr, added.stderr
    assert "Traceback" not in listed.stderr + verified.stderr + added.stderr
    (small_disk / "filler").unlink()
    assert run("client", "add", "--first-name", "A", "--last-name", "B", vault=vault_path).returncode == 0


def test_a_mirror_folder_that_cannot_be_written_is_said_and_the_change_stands(cli, practice, monkeypatch):
    """The change is committed before the mirror is written: a mirror folder that cannot be
    written (read-only: root ignores the mode, so the write is made to fail) must not end in
    'nothing was changed' or exit 70; the coach is warned, and the change stands."""
    from dossier import paths
    from dossier.vault import audit

    real = paths.replace_private_file

    def read_only(path, data):
        if path.parent == paths.mirror_dir():
            raise PermissionError(13, "Permission denied")
        return real(path, data)

    monkeypatch.setattr(audit.paths, "replace_private_file", read_only)
    r = cli("client", "add", "--first-name", "Nieuwe", "--last-name", "Client")
    assert r.exit_code == 0, r.stderr
    assert "cannot be written (Permission denied)" in r.stderr and "your change was saved" in r.stderr
    assert "nothing was changed" not in r.stderr
    monkeypatch.undo()
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.rollback is None
        assert v.db.one("SELECT count(*) FROM clients WHERE first_name = 'Nieuwe'")[0] == 1


def test_in_a_read_only_vault_folder_reading_works_and_writes_say_so(tmp_path):
    """A vault on a read-only mount (a write-protected stick, a read-only share): reading
    commands and verify work, a write says the folder is read-only. Root ignores file modes, so
    the folder is bind-mounted read-only (skipped with one line where that is not possible)."""
    import subprocess

    from dossier.records.clients import add_client

    _need_mount("a read-only folder is made with a read-only bind mount")
    vault_path = tmp_path / "vault"
    v, _ = make_vault(vault_path)
    add_client(v, {"first_name": "Eva", "last_name": "Jansen"})
    v.close()
    ro = tmp_path / "ro"
    ro.mkdir()
    made = subprocess.run(["mount", "--bind", str(vault_path), str(ro)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {(made.stderr or made.stdout).strip().splitlines()[:1]}")
    try:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {remount.stderr.strip().splitlines()[:1]}")
        listed = run("client", "list", vault=ro)
        assert listed.returncode == 0 and "Eva Jansen" in listed.stdout, listed.stderr
        assert "the vault folder is read-only" in listed.stderr
        verified = run("verify", vault=ro)
        assert verified.returncode == 0, verified.stderr
        added = run("client", "add", "--first-name", "A", "--last-name", "B", vault=ro)
        assert added.returncode == 1 and "the vault folder is read-only: nothing was changed" in added.stderr, \
            added.stderr
        assert "Traceback" not in listed.stderr + verified.stderr + added.stderr
    finally:
        subprocess.run(["umount", "-l", str(ro)], capture_output=True)


def test_the_client_copy_names_a_pending_destruction_request_and_a_hold(cli, practice, tmp_path):
    from pdftools import pdf_text

    assert cli("destroy", "request", "noelle", "--received", "2026-11-20").exit_code == 0
    assert cli("destroy", "hold", "noelle", "--reason", "een klacht is in behandeling").exit_code == 0
    assert cli("copy", "noelle", "--out", tmp_path / "afschrift").exit_code == 0
    (pdf,) = (tmp_path / "afschrift").glob("*.pdf")
    text = " ".join(pdf_text(pdf).replace("\ufffe", "").replace("\xad", "").split())  # (hyphenation)
    assert "Vernietiging en blokkade" in text and "ontvangen op 20 november 2026" in text
    assert "uiterlijk 18 december 2026" in text and "een klacht is in behandeling" in text


def test_a_passphrase_from_a_pipe_is_read_as_one_line_without_a_warning(practice, tmp_path):
    """No terminal (a script pipes it in): one line is read, and Python's "Password input may
    be echoed" is not printed; a new passphrase typed twice differently changes nothing."""
    r = run("client", "list", vault=practice, passphrase=None, input=PASSPHRASE + "\n")
    assert r.returncode == 0 and "echoed" not in r.stderr, r.stderr
    before = (practice / "keyslots.json").read_bytes()
    r = run("passwd", vault=practice, passphrase=None,
            input=f"{PASSPHRASE}\nde vaag groene tomaat rolt langzaam\nde vaag groene tomaat rolt snel\n")
    assert r.returncode == 3 and "the two entries of the new passphrase differ" in r.stderr, r.stderr
    assert (practice / "keyslots.json").read_bytes() == before


MUTATION_BASE = [
    ["client", "show", "noelle"], ["client", "add", "--first-name", "A", "--last-name", "B", "--birth-date", "1980-01-01"],
    ["client", "edit", "noelle", "--set", "city=Zeist"],
    ["session", "add", "noelle", "--date", "2026-01-02", "--duration", "60", "--notes-file", "{file}"],
    ["session", "list", "noelle"], ["consent", "grant", "noelle", "--type", "email", "--how", "written"],
    ["disclose", "noelle", "--to", "X", "--what", "w", "--ground", "legal", "--legal-basis", "wet"],
    ["search", "Dijkstra"], ["export", "--out", "{out}/e.json"], ["copy", "noelle", "--out", "{out}/c"],
    ["correction", "request", "noelle", "--field", "city", "--proposed", "Zeist", "--reason", "r"],
    ["destroy", "request", "noelle", "--received", "2026-11-01"], ["due", "--within", "30"],
    ["retention", "set", "--after-close", "2y"], ["practice", "set", "coach=Anna"],
    ["attach", "noelle", "{file}", "--kind", "letter"], ["audit", "list"], ["backup", "--to", "{out}/b"],
    ["anonymise", "noelle", "--out", "{out}/a.md", "--yes"], ["statement", "add", "noelle", "--about", "dossier",
                                                              "--file", "{file}"],
    ["requests", "list"], ["result", "add", "noelle", "--type", "questionnaire", "--label", "4DKL", "--set",
                           "distress=12"],
]
MUTATION_VALUES = ["", " ", "x" * 5000, "ü\u200b\u202e", "\x00", "-1", "0", "99999999999999999999", "2026-02-30",
                   "31-12-2026", "--", "-h", "{out}", "/nonexistent/x", "NaN", "1e9", "é" * 300, "\t\n",
                   "$(rm -rf /)", "[bold]x[/bold]", "\x1b[31mrood"]


def test_three_hundred_mutated_command_lines_never_end_in_an_internal_error(cli, tmp_path):
    """Seeded mutations of 22 everyday command lines (a value replaced by an odd one, an argument
    dropped or added): every one ends in a result or one clear error, never exit 70, never a
    traceback."""
    import random

    f, out = tmp_path / "f.txt", tmp_path / "uit"
    f.write_text("tekst")
    out.mkdir()
    rng, codes, bad = random.Random(14), {}, []
    for _ in range(300):
        args = [a.format(file=f, out=out) for a in rng.choice(MUTATION_BASE)]
        i, kind = rng.randrange(len(args)), rng.random()
        value = rng.choice(MUTATION_VALUES).replace("{out}", str(out))
        if kind < 0.6:
            args[i] = value
        elif kind < 0.8:
            del args[i]
        else:
            args.insert(i, value)
        r = cli(*args)
        codes[r.exit_code] = codes.get(r.exit_code, 0) + 1
        if r.exit_code == 70 or "Traceback" in r.stderr + r.stdout:
            bad.append((args[:6], r.exit_code, r.stderr[-200:]))
    assert bad == [], bad[:5]
    assert 70 not in codes and sum(codes.values()) == 300, codes
