"""The command line as a user meets it: exit codes, stdout/stderr, files left behind.

Bad input from the issue, one test each: a clear one-line error naming the field and the
value, a non-zero exit, no traceback, and nothing in the vault changed.
"""

from __future__ import annotations

import json
import os
import stat
import sys

import pytest

from conftest import EXAMPLE, PASSPHRASE, assert_error, make_vault, run, state


@pytest.fixture
def practice_cli(practice, dossier):
    return dossier


# -- bad input ----------------------------------------------------------------------------------

BAD_ADD = [
    (["--birth-date", "2023-02-30"], "birth_date: '2023-02-30' is not a date that exists"),
    (["--birth-date", "17-05-1984"], "birth_date: '17-05-1984' is not a date in the form YYYY-MM-DD"),
    (["--email", "eva.example.nl"], "email: 'eva.example.nl' is not an e-mail address"),
    (["--email", "eva@example"], "email: 'eva@example' is not an e-mail address"),
    (["--phone", "12345"], "phone: '12345' is not a phone number"),
    (["--phone", "06 1234 567"], "phone: '06 1234 567' is not a phone number"),
    (["--set", "commissioner.phone=+31 6 123"], "commissioner.phone: '+31 6 123' is not a phone number"),
    (["--set", "agreement.date=2026-13-01"], "agreement.date: '2026-13-01' is not a date that exists"),
    (["--set", "agreement.code_handed_over=misschien"], "agreement.code_handed_over: 'misschien' must be yes or no"),
    (["--set", "shoe_size=42"], "shoe_size: 'shoe_size' is not a known field"),
    (["--set", "nokey"], "--set: 'nokey' must be KEY=VALUE"),
    (["--set", "city=Utr\x00echt"], "city: 'Utr\\x00echt' contains a control character"),
    (["--set", "background=regel\x1b[31m rood"], "background:"),
    (["--person", "Piet\nBos=collega"], "name: 'Piet\\nBos' contains a control character"),
]


@pytest.mark.parametrize("extra,message", BAD_ADD, ids=[m.split(":")[0] for _, m in BAD_ADD])
def test_client_add_bad_input(practice_cli, practice, extra, message):
    before = state(practice)
    result = practice_cli("client", "add", "--first-name", "Eva", "--last-name", "Jansen", *extra)
    assert_error(result, 1, message)
    assert state(practice) == before


def test_empty_name_is_refused(practice_cli, practice):
    before = state(practice)
    assert_error(practice_cli("client", "add", "--first-name", "  ", "--last-name", "Jansen"), 1,
                 "first_name: '' must not be empty")
    assert state(practice) == before


def test_valid_phone_numbers(dossier, vault):
    vault.close()
    for number in ("06 12345678", "020-1234567", "+31 6 12345678", "+32 470 12 34 56", "0031612345678", "(020) 123 4567"):
        result = dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen", "--phone", number)
        assert result.exit_code == 0, (number, result.stderr)


def test_client_that_does_not_exist(practice_cli):
    assert_error(practice_cli("client", "show", "00000000-0000-4000-8000-000000000000"), 1,
                 "no client with id 00000000-0000-4000-8000-000000000000")
    assert_error(practice_cli("client", "show", "Nobody Here"), 1, "no client matches 'Nobody Here'")
    assert_error(practice_cli("session", "add", "Nobody", "--notes-file", str(EXAMPLE)), 1, "no client matches")


def test_note_over_the_size_limit(practice_cli, practice, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("a" * (1024 * 1024 + 1))
    before = state(practice)
    assert_error(practice_cli("session", "add", "Noëlle", "--notes-file", big), 1,
                 "notes: '<1048577 bytes of text>' is larger than the 1 MiB limit", "attachment")
    assert state(practice) == before


def test_control_characters_in_a_notes_file(practice_cli, practice, tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("Gesprek\x00 met verborgen NUL")
    before = state(practice)
    assert_error(practice_cli("session", "add", "Noëlle", "--notes-file", f), 1, "notes:", "control character")
    assert state(practice) == before


def test_session_bad_date_and_duration(practice_cli, practice):
    before = state(practice)
    assert_error(practice_cli("session", "add", "Noëlle", "--date", "2026-02-29", "--notes-file", EXAMPLE), 1,
                 "date: '2026-02-29' is not a date that exists")
    assert_error(practice_cli("session", "add", "Noëlle", "--duration", "0", "--notes-file", EXAMPLE), 1,
                 "--duration: 0 must be a whole number from 1 to 1440")  # named as the coach typed it
    assert state(practice) == before


@pytest.mark.parametrize("content,message", [
    ("{not json", "is not JSON (line 1, column 2"),
    ("\xff\xfe", "is not UTF-8 text"),
    ('{"format": "dossier/1", "clients": [{"first_name": "A", "last_name": "B", "shoesize": 42}]}',
     "clients[0].shoesize: 'shoesize' is not a known field"),
    ('{"format": "dossier/1", "clients": [{"first_name": "A", "last_name": "B", "commissioner": {"name": "X"}}]}',
     "clients[0].commissioner.name: 'name' is not a known field"),
    ('{"format": "dossier/2", "clients": []}', "format: 'dossier/2' is not 'dossier/1'"),
    ('{"format": "dossier/1", "clients": [{"first_name": "A", "last_name": "B", "background": "x\\u0000y"}]}',
     "clients[0].background: 'x\\x00y' contains a control character"),
    ('[1, 2]', "record: [1, 2] must be an object"),
])
def test_import_bad_files(practice_cli, practice, tmp_path, content, message):
    f = tmp_path / "bad.json"
    f.write_bytes(content.encode("latin-1") if content.startswith("\xff") else content.encode())
    before = state(practice)
    assert_error(practice_cli("import", f), 1, message)
    assert state(practice) == before


def test_import_one_bad_record_imports_nothing(practice_cli, practice, example, tmp_path):
    for c in example["clients"]:
        c.pop("id")
        for key in ("sessions", "questionnaires", "measurements"):
            for item in c[key]:
                item.pop("id")
        for key in ("requests", "statements", "consents", "disclosures", "copies"):
            c.pop(key)  # they name sessions by id
    example["clients"][7]["email"] = "geen-adres"
    f = tmp_path / "one-bad.json"
    f.write_text(json.dumps(example))
    before = state(practice)
    assert_error(practice_cli("import", f), 1, "clients[7].email: 'geen-adres' is not an e-mail address")
    assert state(practice) == before


def test_import_of_ids_already_in_the_vault_is_refused(practice_cli, practice):
    before = state(practice)
    assert_error(practice_cli("import", EXAMPLE), 1, "clients[0].id: ", "is already in the vault")
    assert state(practice) == before


def test_attachment_path_missing_or_a_folder(practice_cli, practice, tmp_path):
    before = state(practice)
    assert_error(practice_cli("attach", "Noëlle", tmp_path / "nope.pdf", "--kind", "letter"), 1, "nope.pdf: no such file")
    assert_error(practice_cli("attach", "Noëlle", tmp_path, "--kind", "letter"), 1, "is a folder")
    f = tmp_path / "x.pdf"
    f.write_bytes(b"%PDF-1.4")
    assert_error(practice_cli("attach", "Noëlle", f, "--kind", "photo"), 1, "--kind: 'photo' must be one of")
    assert state(practice) == before


def test_ambiguous_name_lists_candidates_and_changes_nothing(practice_cli, practice):
    practice_cli("client", "add", "--first-name", "Sem", "--last-name", "Bakker")
    before = state(practice)
    result = practice_cli("client", "edit", "Sem", "--set", "city=Delft")
    assert_error(result, 1, "'Sem' matches 2 clients", "Sem Bakker", "Sem de Vries")
    assert state(practice) == before


# -- passphrases and the vault ----------------------------------------------------------------------

def test_init_as_a_subprocess_and_wrong_passphrase(tmp_path):
    vault = tmp_path / "v"
    weak = run("init", vault=vault, passphrase="welkom123")
    assert weak.returncode == 1 and weak.stderr.startswith("dossier: error: passphrase too weak")
    assert "welkom123" not in weak.stderr + weak.stdout
    assert not vault.exists()
    made = run("init", vault=vault)
    assert made.returncode == 0, made.stderr
    recovery = [line.strip() for line in made.stdout.splitlines() if line.count("-") == 13]
    assert len(recovery) == 1
    again = run("init", vault=vault)
    assert again.returncode == 4 and "exists" in again.stderr
    wrong = run("client", "list", vault=vault, passphrase="not the right one at all")
    assert wrong.returncode == 3
    assert wrong.stderr.strip().splitlines() == ["dossier: error: wrong passphrase: it does not open this vault"]
    assert "hmac" not in wrong.stderr.lower()
    ok = run("client", "list", "--json", vault=vault)
    assert ok.returncode == 0 and json.loads(ok.stdout) == []
    missing = run("client", "list", vault=tmp_path / "elsewhere")
    assert missing.returncode == 4 and "no vault at" in missing.stderr


def test_damaged_vault_via_cli(practice, dossier):
    db = practice / "vault.db"
    data = bytearray(db.read_bytes())
    data[100] ^= 0xFF
    db.write_bytes(bytes(data))
    assert_error(dossier("client", "list"), 5, "damaged")


def test_passphrase_never_from_argv():
    assert run("--passphrase", "x", "client", "list").returncode == 2


def test_passcommand_and_prompt(practice, dossier, tmp_path):
    script = tmp_path / "pass.py"
    script.write_text(f"print({PASSPHRASE!r})")
    r = dossier("client", "list", "--json", passphrase=None, env={"DOSSIER_PASSCOMMAND": f"{sys.executable} {script}"})
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == 10
    r = dossier("client", "list", "--json", passphrase=None, env={"DOSSIER_PASSCOMMAND": "false"})
    assert_error(r, 3, "DOSSIER_PASSCOMMAND failed with exit code 1")
    r = dossier("client", "list", "--json", passphrase=None, input=PASSPHRASE + "\n")
    assert r.exit_code == 0 and len(json.loads(r.stdout)) == 10
    assert PASSPHRASE not in r.stderr
    r = dossier("client", "list", passphrase=None, input="")
    assert_error(r, 3, "no passphrase given")


def test_passwd_and_unlock_with_recovery_via_cli(tmp_path):
    vault = tmp_path / "v"
    made = run("init", vault=vault)
    recovery = [line.strip() for line in made.stdout.splitlines() if line.count("-") == 13][0]
    new = "lange nieuwe zin met olifanten"
    r = run("passwd", vault=vault, env={"DOSSIER_NEW_PASSPHRASE": new})
    assert r.returncode == 0, r.stderr
    assert run("client", "list", vault=vault).returncode == 3
    assert run("client", "list", vault=vault, passphrase=new).returncode == 0
    newest = "derde zin voor na het vergeten"
    r = run("unlock-with-recovery", vault=vault, passphrase=None,
            env={"DOSSIER_RECOVERY_KEY": recovery, "DOSSIER_NEW_PASSPHRASE": newest})
    assert r.returncode == 0, r.stderr
    assert run("client", "list", vault=vault, passphrase=newest).returncode == 0
    bad = run("unlock-with-recovery", vault=vault, passphrase=None,
              env={"DOSSIER_RECOVERY_KEY": "AAAA-" * 13 + "AAAA", "DOSSIER_NEW_PASSPHRASE": newest})
    assert bad.returncode == 1 and "recovery key" in bad.stderr and "AAAA" not in bad.stderr


def test_rollback_via_cli(vault, dossier, tmp_path):
    import shutil

    vault.close()
    shutil.copytree(vault.path, tmp_path / "old")
    assert dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen").exit_code == 0
    shutil.rmtree(vault.path)
    shutil.copytree(tmp_path / "old", vault.path)
    r = dossier("client", "list", "--json")
    assert r.exit_code == 0 and "OLDER" in r.stderr and json.loads(r.stdout) == []
    assert_error(dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen"), 6, "OLDER")
    assert_error(dossier("verify"), 6, "OLDER", "--accept-rollback")
    r = dossier("verify", "--accept-rollback")
    assert r.exit_code == 0, r.stderr
    assert dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen").exit_code == 0


# -- the main job ---------------------------------------------------------------------------------

def test_client_lifecycle(dossier, vault):
    vault.close()
    r = dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen", "--birth-date", "1984-05-17",
                "--email", "eva@example.nl", "--goal", "Grenzen aangeven", "--person", "Karin Mulder=leidinggevende",
                "--set", "commissioner.company_doctor=dr. P. Kaya")
    assert r.exit_code == 0, r.stderr
    cid = r.stdout.strip()
    show = json.loads(dossier("client", "show", cid[:6], "--json").stdout)
    assert show["assignment"]["goal"] == "Grenzen aangeven"
    assert show["commissioner"]["company_doctor"] == "dr. P. Kaya"
    assert show["persons"] == [{"name": "Karin Mulder", "relation": "leidinggevende"}]
    r = dossier("client", "edit", "eva jansen", "--set", "city=Zwolle", "--remove-person", "Karin Mulder",
                "--add-person", "Joost=partner")
    assert r.exit_code == 0 and "city" in r.stderr
    show = json.loads(dossier("client", "show", "Jansen", "--json").stdout)
    assert show["city"] == "Zwolle" and show["persons"] == [{"name": "Joost", "relation": "partner"}]
    assert dossier("client", "close", "Eva", "--date", "2026-11-01").exit_code == 0
    listed = json.loads(dossier("client", "list", "--status", "closed", "--json").stdout)
    assert [(c["id"], c["closed"]) for c in listed] == [(cid, "2026-11-01")]
    assert_error(dossier("client", "close", "Eva"), 1, "already")
    assert dossier("client", "reopen", "Eva").exit_code == 0
    audit = json.loads(dossier("audit", "list", "--client", "Eva", "--json").stdout)
    actions = [e["action"] for e in audit]
    assert actions == ["client.add", "client.edit", "client.close", "client.reopen"]
    assert "Zwolle" not in json.dumps(audit)  # the audit names fields, never values
    r = dossier("audit", "verify")
    assert r.exit_code == 0 and "unbroken" in r.stderr


def test_list_json_uses_the_canonical_field_names(practice_cli, example):
    rows = json.loads(practice_cli("client", "list", "--json").stdout)
    assert len(rows) == 10
    canonical = json.loads(EXAMPLE.read_text())["clients"][0]
    for row in rows:
        assert {"id", "first_name", "last_name", "birth_date", "email", "status"} <= set(row)
        extra = set(row) - set(canonical)
        assert extra == {"session_count", "last_session"}, extra  # counts only; every other name is canonical
        assert set(row["assignment"]) == {"goal"}


def test_search(practice_cli):
    hits = json.loads(practice_cli("search", "bedrijfsarts", "--json").stdout)
    assert hits and all("bedrijfsarts" in h["snippet"].lower() for h in hits)
    hits = json.loads(practice_cli("search", "noelle", "--json").stdout)  # diacritics folded
    assert any(h["first_name"] == "Noëlle" for h in hits)
    # Quotes and FTS5 operators in the input are plain words, never query syntax.
    plain = json.loads(practice_cli("search", "slaap", "--json").stdout)
    assert plain and json.loads(practice_cli("search", 'slaap"', "--json").stdout) == plain
    assert json.loads(practice_cli("search", "slaap NEAR(", "--json").stdout) == []
    assert all("\x02" not in h["snippet"] for h in plain)  # --json has no highlight markers
    assert_error(practice_cli("search", "!!!"), 1, "has no words")


def test_export_then_import_round_trip_via_cli(practice_cli, practice, tmp_path, example):
    out = tmp_path / "export.json"
    r = practice_cli("export", "--all", out)
    assert r.exit_code == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    exported = json.loads(out.read_text())
    key = lambda c: c["id"]  # noqa: E731
    assert sorted(exported["clients"], key=key) == sorted(example["clients"], key=key)
    assert_error(practice_cli("export", "--all", out), 1, "exists already")
    assert_error(practice_cli("export", out), 2, "give --all or at least one --client")
    assert practice_cli("export", "--all", out, "--force").exit_code == 0  # replaced, still 0600
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    other = tmp_path / "other-vault"
    make_vault(other)[0].close()
    from conftest import Invoker

    second = Invoker(other)
    assert second("import", out).exit_code == 0
    again = tmp_path / "again.json"
    assert second("export", "--all", again).exit_code == 0
    assert json.loads(again.read_text()) == exported


def test_attachments(practice_cli, tmp_path):
    pdf = tmp_path / "4dkl.pdf"
    content = b"%PDF-1.4 fictional questionnaire \x00\x01\xff"
    pdf.write_bytes(content)
    r = practice_cli("attach", "Noëlle", pdf, "--kind", "questionnaire")
    assert r.exit_code == 0, r.stderr
    aid = r.stdout.strip()
    listed = json.loads(practice_cli("attachment", "list", "Noëlle", "--json").stdout)
    assert [(a["id"], a["filename"], a["size"]) for a in listed] == [(aid, "4dkl.pdf", len(content))]
    out = tmp_path / "out"
    out.mkdir()
    r = practice_cli("attachment", "get", aid[:8], "--out", out)
    assert r.exit_code == 0, r.stderr
    written = out / "4dkl.pdf"
    assert written.read_bytes() == content and stat.S_IMODE(written.stat().st_mode) == 0o600
    assert_error(practice_cli("attachment", "get", aid[:8], "--out", out), 1, "exists already")
    assert_error(practice_cli("attachment", "get", "ffff0000", "--out", out), 1, "no attachment")


def test_results(practice_cli):
    r = practice_cli("result", "add", "Sem", "--questionnaire", "4DKL", "--date", "2026-11-02",
                     "--value", "distress=21", "--value", "angst=3")
    assert r.exit_code == 0, r.stderr
    show = json.loads(practice_cli("client", "show", "Sem", "--json").stdout)
    assert {"id": r.stdout.strip(), "name": "4DKL", "date": "2026-11-02",
            "results": {"distress": 21, "angst": 3}} in show["questionnaires"]
    assert_error(practice_cli("result", "add", "Sem", "--value", "a=1"), 2, "exactly one")


# -- the terminal ---------------------------------------------------------------------------------

def test_rich_markup_and_ansi_in_data_print_literally(vault, dossier):
    from dossier.records.clients import add_client

    cid = add_client(vault, {"first_name": "[bold red]x", "last_name": "[link=http://evil]Jansen[/link]"})
    # Input refuses escape codes; a vault written by other means must still print safely.
    vault.db.execute("UPDATE clients SET city = ?, job_title = ? WHERE id = ?",
                     ("Delft\x1b[2J\x1b]0;pwned\x07\x9b31m", "coach\u202egnp.exe", cid))
    vault.close()
    r = dossier("client", "show", cid)
    assert r.exit_code == 0, r.stderr
    assert "[bold red]x" in r.stdout and "[link=http://evil]Jansen[/link]" in r.stdout
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout and "\x9b" not in r.stdout
    assert "\\x1b[2J" in r.stdout
    assert "\u202e" not in r.stdout and "coach\\u202egnp.exe" in r.stdout  # bidi override shown, not obeyed
    listing = dossier("client", "list")
    assert "[bold" in listing.stdout and "\x1b" not in listing.stdout
    as_json = dossier("client", "list", "--json")
    assert "\x1b" not in as_json.stdout and "\x9b" not in as_json.stdout and "\u202e" not in as_json.stdout
    assert json.loads(as_json.stdout)[0]["city"] == "Delft\x1b[2J\x1b]0;pwned\x07\x9b31m"


def test_editor_runs_on_a_private_file_that_is_removed(practice_cli, tmp_path):
    log = tmp_path / "editor.log"
    editor = tmp_path / "fake-editor.py"
    editor.write_text(f"""import os, stat, sys
p = sys.argv[1]
folder = os.path.dirname(p)
text = open(p, encoding="utf-8").read()
text = text.replace("=== \\n", "=== \\n")
head, sep, tail = text.partition("# === Bevindingen")
open(p, "w", encoding="utf-8").write("Notitie uit de editor: Loïs ademt rustiger.\\n" + head + sep + tail.replace("\\n\\n", "\\nBevinding: herstel op gang.\\n", 1))
open({str(log)!r}, "w").write(f"{{p}}\\n{{oct(stat.S_IMODE(os.stat(folder).st_mode))}}\\n{{oct(stat.S_IMODE(os.stat(p).st_mode))}}\\n{{'DOSSIER_PASSPHRASE' in os.environ}}")
""")
    r = practice_cli("session", "add", "Loïs", "--date", "2026-11-20", env={"EDITOR": f"{sys.executable} {editor}"})
    assert r.exit_code == 0, r.stderr
    path, folder_mode, file_mode, saw_passphrase = log.read_text().splitlines()
    assert folder_mode == "0o700" and file_mode == "0o600"
    assert saw_passphrase == "False"  # the editor's environment holds no passphrase
    if os.path.isdir("/dev/shm"):
        assert path.startswith("/dev/shm/")
    assert not os.path.exists(path) and not os.path.exists(os.path.dirname(path))
    sessions = json.loads(practice_cli("session", "list", "Loïs", "--json").stdout)
    new = [s for s in sessions if s["date"] == "2026-11-20"][0]
    assert new["notes"] == "Notitie uit de editor: Loïs ademt rustiger."
    assert new["findings"] == "Bevinding: herstel op gang."


def test_failing_editor_saves_nothing_and_removes_its_file(practice_cli, practice, tmp_path):
    log = tmp_path / "editor.log"
    editor = tmp_path / "bad-editor.py"
    editor.write_text(f"import sys; open({str(log)!r}, 'w').write(sys.argv[1]); sys.exit(3)")
    before = state(practice)
    r = practice_cli("session", "add", "Loïs", env={"EDITOR": f"{sys.executable} {editor}"})
    assert_error(r, 1, "the editor exited with code 3; nothing was saved")
    assert not os.path.exists(log.read_text())
    assert state(practice) == before


def test_empty_editor_saves_nothing(practice_cli, practice, tmp_path):
    editor = tmp_path / "empty-editor.py"
    editor.write_text("import sys; open(sys.argv[1], 'w').write('# alleen commentaar\\n')")
    before = state(practice)
    r = practice_cli("session", "add", "Loïs", env={"EDITOR": f"{sys.executable} {editor}"})
    assert_error(r, 1, "no notes or findings were written; nothing was saved")
    assert state(practice) == before


def test_unexpected_errors_show_no_traceback_and_no_data(practice_cli, monkeypatch):
    import dossier.records.clients as clients

    def broken(*args, **kwargs):
        raise RuntimeError("Noëlle Dijkstra, 06 12345678")  # an internal error whose text holds data

    monkeypatch.setattr(clients, "list_clients", broken)
    r = practice_cli("client", "list")
    assert_error(r, 70, "unexpected internal error (RuntimeError)", "--debug")
    assert "Noëlle" not in r.stderr + r.stdout
    r = practice_cli("--debug", "client", "list")
    assert isinstance(r.exception, RuntimeError)  # --debug lets the traceback through


# -- help, docs, demo -----------------------------------------------------------------------------

def _commands(group, prefix=()):
    import typer

    for name, cmd in group.commands.items():
        path = (*prefix, name)
        yield path, cmd
        if hasattr(cmd, "commands"):
            yield from _commands(cmd, path)
    del typer


def test_every_command_has_help_and_is_in_the_cli_reference():
    from pathlib import Path

    from dossier.cli import cli

    reference = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    for path, cmd in _commands(cli):
        assert (cmd.help or "").strip(), f"dossier {' '.join(path)} has no help"
        assert f"### dossier {' '.join(path)}\n" in reference, f"dossier {' '.join(path)} is not in docs/cli.md"


def test_cli_reference_is_in_step_with_the_code():
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    r = subprocess.run([sys.executable, str(root / "docs" / "gen_cli.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_python_dash_m_and_version():
    r = run("--version", passphrase=None)
    assert r.returncode == 0 and r.stdout.startswith("dossier ")
    r = run("--help", passphrase=None)
    assert r.returncode == 0 and "client" in r.stdout and "init" in r.stdout


def test_demo_runs_and_leaves_nothing_behind(tmp_path):
    r = run("demo", passphrase=None, env={"XDG_CONFIG_HOME": str(tmp_path / "cfg")}, timeout=300)
    assert r.returncode == 0, r.stderr
    for step in ("$ dossier init", "$ dossier import", "$ dossier client add", "$ dossier session add",
                 "$ dossier search slaap", "$ dossier client show 'Eva Jansen'", "$ dossier audit verify"):
        assert step in r.stdout, step
    assert "Eva slaapt slecht" in r.stdout
    folder = r.stdout.split("A throw-away vault in ", 1)[1].split(";", 1)[0]
    assert not os.path.exists(folder)
    mirrors = tmp_path / "cfg" / "dossier" / "mirrors"
    assert not mirrors.exists() or not any(mirrors.iterdir())


def test_more_bad_values_in_imported_files(practice_cli, practice, example, tmp_path):
    cases = [
        (("sessions", 0, "duration_min"), "²", "clients[0].sessions[0].duration_min: '²' must be a whole number"),
        (("sessions", 0, "duration_min"), 90.5, "must be a whole number"),
        (("questionnaires", 0, "results"), {"a": 1, " a": 2}, "repeats a result name"),
        (("persons",), "", "clients[0].persons: '' must be a list"),
        (("commissioner",), [], "clients[0].commissioner: [] must be an object"),
    ]
    before = state(practice)
    for path, value, message in cases:
        doc = json.loads(json.dumps(example))
        for c in doc["clients"]:
            c.pop("id")
        target = doc["clients"][0]
        if not target["questionnaires"]:
            target["questionnaires"] = [{"name": "4DKL", "date": None, "results": {}}]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        f = tmp_path / "bad.json"
        f.write_text(json.dumps(doc, ensure_ascii=False))
        assert_error(practice_cli("import", f), 1, message)
    f.write_text('{"format": "dossier/1", "clients": [{"first_name": "A", "last_name": "B", '
                 '"measurements": [{"kind": "HRV", "results": {"rmssd": Infinity}}]}]}')
    assert_error(practice_cli("import", f), 1, "is not a finite number")
    assert state(practice) == before


@pytest.mark.parametrize("shape", ['{"seq": 1}', "[1, 2, 3]", '{"seq": "7", "head": "x"}', '"text"', "null"])
def test_a_mirror_of_the_wrong_shape_is_a_damaged_mirror_not_an_internal_error(vault, dossier, shape):
    from dossier.vault import audit

    vault.close()
    audit.mirror_path(vault.vault_id).write_text(shape)
    assert_error(dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen"), 6, "mirror")
    assert_error(dossier("verify"), 6, "mirror", "--accept-rollback")
    r = dossier("verify", "--accept-rollback")
    assert r.exit_code == 0, r.stderr
    assert dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen").exit_code == 0


def test_an_old_key_slot_file_put_back_is_caught(vault, dossier, tmp_path):
    """After passwd the old slot file (old passphrase) is put back: the generation mirrored
    outside the vault is higher, so the vault refuses writes (exit 6) until the coach confirms."""
    from dossier.vault import Vault

    vault.close()
    old = (vault.path / "keyslots.json").read_bytes()
    with Vault.open(vault.path, PASSPHRASE) as v:
        v.change_passphrase(PASSPHRASE + " nieuw", check_strength=False)
        v.change_passphrase(PASSPHRASE, check_strength=False)
    (vault.path / "keyslots.json").write_bytes(old)
    assert_error(dossier("client", "add", "--first-name", "Eva", "--last-name", "Jansen"), 6, "key-slot file", "OLDER")


def test_a_slot_spliced_into_the_key_slot_file_is_refused(vault, dossier, tmp_path):
    from dossier.vault import keyslots

    vault.close()
    slots = json.loads((vault.path / "keyslots.json").read_text())
    other = keyslots.recovery_slot(b"\x01" * 32, b"\x02" * 32)
    slots["slots"].append({**other, "kind": "successor"})
    (vault.path / "keyslots.json").write_text(json.dumps(slots))
    assert_error(dossier("client", "list"), 5, "changed outside dossier")
