"""The client's rights on the real vault, through the CLI as a user meets it: the copy (read as
a person reads it: its text, its fonts, its pages as images), corrections, statements,
requests and their term, the consent register, disclosures and reports. Each refusal and
each bad input from the issue is a test: one error line, a non-zero exit, nothing changed."""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
import stat

import jsonschema
import pytest

from conftest import PASSPHRASE, assert_error, make_vault, run, state
from dossier.vault import Vault
from pdftools import pdf_fonts, pdf_png, pdf_text

NOELLE = "bf67b782-ee87-4be1-9303-8877b083f081"
TODAY = dt.date.today().isoformat()


@pytest.fixture
def cli(practice, dossier):
    dossier("practice", "set", "coach=Anne de Wit", "practice=Praktijk Vooruit", "email=anne@vooruit.example.nl")
    return dossier


def client_of(path, cid=NOELLE) -> dict:
    from dossier.records.document import load_client

    with Vault.open(path, PASSPHRASE) as v:
        return load_client(v.db, cid, with_attachment_content=False)


def others(example) -> list[str]:
    """Strings found only in the other clients' dossiers."""
    out = []
    for c in example["clients"][1:]:
        out += [c["last_name"], c["email"], c["sessions"][0]["notes"][:40]]
    return out


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- the copy -----------------------------------------------------------------------------------

def test_copy_is_for_one_client_readable_and_logged(cli, practice, example, tmp_path):
    out = tmp_path / "afschrift"
    result = cli("copy", "Noëlle", "--out", out)
    assert result.exit_code == 0, result.stderr
    pdf, js = out / f"dossier-noelle-dijkstra-{TODAY}.pdf", out / f"dossier-noelle-dijkstra-{TODAY}.json"
    assert sorted(out.iterdir()) == [js, pdf]
    assert mode(out) == 0o700 and mode(pdf) == 0o600 and mode(js) == 0o600

    text = " ".join(pdf_text(pdf, tmp_path).split())
    noelle = example["clients"][0]
    assert "Afschrift van uw dossier" in text and "Anne de Wit" in text and "anne@vooruit.example.nl" in text
    assert " ".join(noelle["sessions"][2]["notes"][:60].split()) in text
    assert "Bevindingen van de coach" in text
    assert "Ik herken me niet in het woord overbelasting" in text  # the client's statement
    assert "neemt sinds kort twee middagen" in text  # a granted correction's new value
    assert "Thuiszorg Veenhoven" in text and "met uw toestemming" in text  # the disclosure log
    for s in others(example):
        assert " ".join(s.split()) not in text, s
    assert all(f["emb"] for f in pdf_fonts(pdf, tmp_path))
    pages = pdf_png(pdf, tmp_path / "png")
    assert len(pages) >= 3 and all(p.stat().st_size > 5000 for p in pages)

    doc = json.loads(js.read_text(encoding="utf-8"))
    schema = json.loads((importlib.resources.files("dossier.format") / "dossier-1.schema.json").read_text())
    jsonschema.validate(doc, schema)
    assert [c["id"] for c in doc["clients"]] == [NOELLE]
    assert doc["clients"][0]["statements"][0]["text"].startswith("Ik herken me niet")
    for s in others(example):
        assert s not in js.read_text(encoding="utf-8")

    after = client_of(practice)
    assert [(c["date"], c["to"], c["lang"]) for c in after["copies"]] == [(TODAY, "de cliënt", "nl")]
    assert "PDF, JSON" in after["copies"][0]["contents"]
    with Vault.open(practice, PASSPHRASE) as v:
        assert [e.client_id for e in v.audit_entries() if e.action == "copy.give"] == [NOELLE]


def test_copy_statement_is_printed_beside_the_session_it_concerns(cli, tmp_path):
    cli("copy", "noelle", "--out", tmp_path)
    text = " ".join(pdf_text(tmp_path / f"dossier-noelle-dijkstra-{TODAY}.pdf").split())
    body = text[text.rindex("Gesprek van 30 september 2025"):]  # the heading, after the table of contents
    statement = body.index("Ik herken me niet in het woord overbelasting")
    assert statement < body.index("Gesprek van 21 oktober 2025")
    assert body.index("overbelasting") <= statement  # after the findings it disputes


def test_copy_in_english(cli, tmp_path):
    assert cli("copy", "noelle", "--out", tmp_path, "--lang", "en").exit_code == 0
    text = pdf_text(tmp_path / f"dossier-noelle-dijkstra-{TODAY}.pdf")
    assert "Copy of your file" in text and "The coach's findings" in text
    assert "Afschrift van uw dossier" not in text and "Bevindingen van de coach" not in text


def test_copy_with_others_anonymised_replaces_third_persons_by_their_relation(cli, tmp_path):
    assert cli("copy", "noelle", "--out", tmp_path, "--anonymise-others").exit_code == 0
    text = pdf_text(tmp_path / f"dossier-noelle-dijkstra-{TODAY}.pdf")
    js = (tmp_path / f"dossier-noelle-dijkstra-{TODAY}.json").read_text(encoding="utf-8")
    for name in ("Thijs", "Hans Wolters", "Wolters", "Karin Mulder", "Vermaat"):
        assert name not in text and name not in js, name
    assert "uw partner" in " ".join(text.split()) and "uw leidinggevende" in js
    assert "Noëlle" in text and "Dijkstra" in text


def test_copy_with_attachments_writes_the_files_byte_for_byte(cli, practice, tmp_path):
    letter = tmp_path / "verwijsbrief.pdf"
    letter.write_bytes(b"%PDF-1.4 fictieve verwijsbrief \x00\xff")
    assert cli("attach", "noelle", letter, "--kind", "letter").exit_code == 0
    out = tmp_path / "out"
    assert cli("copy", "noelle", "--out", out, "--with-attachments").exit_code == 0
    folder = out / f"dossier-noelle-dijkstra-{TODAY}-bijlagen"
    assert (folder / "verwijsbrief.pdf").read_bytes() == letter.read_bytes()
    assert mode(folder) == 0o700 and mode(folder / "verwijsbrief.pdf") == 0o600
    doc = json.loads((out / f"dossier-noelle-dijkstra-{TODAY}.json").read_text())
    assert "content_base64" not in doc["clients"][0]["attachments"][0]
    assert "verwijsbrief.pdf" in pdf_text(out / f"dossier-noelle-dijkstra-{TODAY}.pdf")


def test_copy_fulfils_the_open_copy_request(cli, practice, tmp_path):
    assert cli("requests", "add", "noelle", "--kind", "copy", "--received", "2026-01-05").exit_code == 0
    listed = json.loads(cli("requests", "--json").stdout)
    assert [(r["kind"], r["client"], r["deadline"]) for r in listed] == [("copy", "Noëlle Dijkstra", "2026-02-05")]
    result = cli("copy", "noelle", "--out", tmp_path)
    assert "closed 1 open copy request" in result.stderr
    assert json.loads(cli("requests", "--json").stdout) == []
    done = [r for r in client_of(practice)["requests"] if r["kind"] == "copy"]
    assert [(r["status"], r["closed"]) for r in done] == [("done", TODAY)]


def test_copy_runs_as_a_real_subprocess(practice, tmp_path):
    result = run("copy", "Dijkstra", "--out", tmp_path / "o", vault=practice)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert (tmp_path / "o" / f"dossier-noelle-dijkstra-{TODAY}.pdf").read_bytes().startswith(b"%PDF")


def test_copy_warns_when_the_practice_details_are_missing(practice, dossier, tmp_path):
    result = dossier("copy", "noelle", "--out", tmp_path)
    assert result.exit_code == 0 and "dossier practice set" in result.stderr


@pytest.mark.parametrize("args, code, fragment", [
    (["Nobody Known"], 1, "no client matches 'Nobody Known'"),
    (["noelle", "--lang", "de"], 1, "--lang: 'de' must be one of: nl, en"),
    (["noelle", "--to", "a\x1bb"], 1, "--to:"),
])
def test_copy_bad_input_writes_nothing_and_logs_nothing(cli, practice, tmp_path, args, code, fragment):
    before = state(practice)
    out = tmp_path / "out"
    assert_error(cli("copy", *args, "--out", out), code, fragment)
    assert not out.exists()
    assert state(practice) == before


def test_copy_of_a_destroyed_client_is_refused(cli, practice, tmp_path):
    from dossier.retention.destroy import destroy

    with Vault.open(practice, PASSPHRASE) as v:
        destroy(v, [NOELLE])
    before = state(practice)
    assert_error(cli("copy", NOELLE, "--out", tmp_path / "o"), 1, f"client {NOELLE} was destroyed on {TODAY}")
    assert not (tmp_path / "o").exists() and state(practice) == before


def test_copy_does_not_overwrite_without_force(cli, practice, tmp_path):
    assert cli("copy", "noelle", "--out", tmp_path).exit_code == 0
    pdf = tmp_path / f"dossier-noelle-dijkstra-{TODAY}.pdf"
    first = pdf.read_bytes()
    before = state(practice)
    assert_error(cli("copy", "noelle", "--out", tmp_path), 1, "exists already")
    assert state(practice) == before and pdf.read_bytes() == first
    assert cli("copy", "noelle", "--out", tmp_path, "--force").exit_code == 0
    assert mode(pdf) == 0o600 and len(client_of(practice)["copies"]) == 2


def test_copy_into_a_file_is_refused(cli, practice, tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    assert_error(cli("copy", "noelle", "--out", f), 1, "is a file, not a folder")


# -- corrections ----------------------------------------------------------------------------------

def test_correction_granted_changes_the_field_and_keeps_its_history(cli, practice):
    result = cli("correction", "request", "noelle", "--field", "city", "--proposed", "Zeist",
                 "--reason", "Ik ben verhuisd", "--received", "2026-11-01")
    assert result.exit_code == 0, result.stderr
    rid = result.stdout.strip()
    assert "answer by 2026-12-01" in result.stderr
    decided = cli("correction", "decide", rid[:8], "--grant", "--yes")
    assert decided.exit_code == 0, decided.stderr
    # Noëlle's data went to the commissioner before: they are to be told (GDPR Art. 19)
    assert "GDPR Art. 19" in decided.stderr and "Thuiszorg Veenhoven" in decided.stdout
    c = client_of(practice)
    assert c["city"] == "Zeist"
    req = next(r for r in c["requests"] if r["id"] == rid)
    assert (req["status"], req["closed"], req["old_value"], req["new_value"]) == ("granted", TODAY, "Utrecht", "Zeist")


def test_correction_of_a_sessions_notes_named_by_date(cli, practice):
    rid = cli("correction", "request", "noelle", "--field", "session:2025-10-21", "--proposed",
              "Gesprek over grenzen en kwartiermaken.", "--reason", "Zo ging het").stdout.strip()
    assert cli("correction", "decide", rid, "--grant", "--yes", "--json").exit_code == 0
    session = next(s for s in client_of(practice)["sessions"] if s["date"] == "2025-10-21")
    assert session["notes"] == "Gesprek over grenzen en kwartiermaken."
    found = json.loads(cli("search", "kwartiermaken", "--json").stdout)
    assert [h["client_id"] for h in found] == [NOELLE]


def test_findings_cannot_be_granted_and_the_statement_is_offered(cli, practice):
    result = cli("correction", "request", "noelle", "--field", "session:2025-10-21.findings",
                 "--proposed", "Geen overbelasting", "--reason", "Te zwaar")
    assert result.exit_code == 0 and "can only be declined" in result.stderr
    rid = result.stdout.strip()
    before = state(practice)
    assert_error(cli("correction", "decide", rid, "--grant"), 7, "findings", "CSR 5.3", "dossier statement add")
    assert state(practice) == before
    assert_error(cli("correction", "decide", rid, "--decline"), 2, "--decline needs --reason")
    assert cli("correction", "decide", rid, "--decline", "--reason", "Dit is mijn conclusie").exit_code == 0
    req = next(r for r in client_of(practice)["requests"] if r["id"] == rid)
    assert (req["status"], req["outcome"]) == ("declined", "Dit is mijn conclusie")


@pytest.mark.parametrize("args, code, fragment", [
    (["--field", "shoe_size", "--proposed", "42"], 1, "'shoe_size' is not an item of the dossier"),
    (["--field", "persons", "--proposed", "x"], 1, "is not something a correction can change"),
    (["--field", "birth_date", "--proposed", "14-03-1986"], 1, "is not a date in the form YYYY-MM-DD"),
    (["--field", "session:1999-01-01", "--proposed", "x"], 1, "this client has no session '1999-01-01'"),
    (["--field", "city", "--proposed", "Zeist", "--received", "2999-01-01"], 1, "is in the future"),
    (["--field", "city", "--proposed", "Zeist", "--proposed-file", "x.txt"], 2, "either --proposed or"),
    (["--field", "city", "--proposed", "Zeist", "--reason", " "], 1, "--reason: '' must not be empty"),
])
def test_correction_request_bad_input_changes_nothing(cli, practice, args, code, fragment):
    before = state(practice)
    if "--reason" not in args:
        args = [*args, "--reason", "omdat"]
    assert_error(cli("correction", "request", "noelle", *args), code, fragment)
    assert state(practice) == before


def test_a_decided_request_cannot_be_decided_again(cli, practice, example):
    granted = example["clients"][0]["requests"][0]["id"]
    before = state(practice)
    assert_error(cli("correction", "decide", granted, "--decline", "--reason", "toch niet"), 7,
                 "was already granted on 2025-10-28")
    assert_error(cli("correction", "decide", "zzzz", "--grant"), 1, "is not a request id")
    assert_error(cli("correction", "decide", "0000", "--grant"), 1, "no request with id '0000'")
    assert_error(cli("correction", "decide", granted, "--grant", "--decline"), 2, "exactly one of")
    assert state(practice) == before


# -- statements -------------------------------------------------------------------------------------

def test_statement_bound_to_an_item_and_in_every_export(cli, practice, tmp_path):
    f = tmp_path / "visie.txt"
    f.write_text("Mijn eigen visie op het gesprek: het ging om kwartiermaken, niet om falen.\n", encoding="utf-8")
    result = cli("statement", "add", "noelle", "--about", "session:2025-10-21.findings", "--file", f)
    assert result.exit_code == 0, result.stderr
    c = client_of(practice)
    session = next(s for s in c["sessions"] if s["date"] == "2025-10-21")
    st = next(s for s in c["statements"] if s["id"] == result.stdout.strip())
    assert st["about"] == f"session:{session['id']}.findings" and st["text"].startswith("Mijn eigen visie")
    assert cli("export", "--client", "noelle", tmp_path / "e.json").exit_code == 0
    assert "Mijn eigen visie" in (tmp_path / "e.json").read_text(encoding="utf-8")
    with Vault.open(practice, PASSPHRASE) as v:  # the audit names the statement, never its text
        assert not any("visie" in e.detail for e in v.audit_entries())


@pytest.mark.parametrize("content, about, code, fragment", [
    ("Latin-1: één".encode("latin-1"), None, 1, "is not UTF-8 text"),
    (b"   \n", None, 1, "is empty"),
    (b"tekst", "session:1999-01-01", 1, "this client has no session"),
    (b"tekst", "nonsense", 1, "'nonsense' is not an item of the dossier"),
    (b"tekst", "questionnaire:2025-09-16.notes", 1, "has no part 'notes'"),
])
def test_statement_bad_input_changes_nothing(cli, practice, tmp_path, content, about, code, fragment):
    f = tmp_path / "s.txt"
    f.write_bytes(content)
    before = state(practice)
    args = ["statement", "add", "noelle", "--file", f] + (["--about", about] if about else [])
    assert_error(cli(*args), code, fragment)
    assert state(practice) == before


def test_statement_file_missing(cli, practice, tmp_path):
    assert_error(cli("statement", "add", "noelle", "--file", tmp_path / "nope.txt"), 1, "no such file")


# -- requests and their term -----------------------------------------------------------------------

def test_requests_show_age_deadline_and_overdue_in_red(cli, practice):
    old = (dt.date.today() - dt.timedelta(days=40)).isoformat()
    cli("correction", "request", "sem", "--field", "city", "--proposed", "Baarn", "--reason", "verhuisd",
        "--received", old)
    cli("requests", "add", "noelle", "--kind", "copy")
    rows = json.loads(cli("requests", "--json").stdout)
    assert [r["kind"] for r in rows] == ["correction", "copy"]
    late = rows[0]
    assert {"id", "kind", "client", "received", "deadline"} <= set(late)
    assert late["client"] == "Sem de Vries" and late["age_days"] == 40 and late["overdue"] is True
    assert rows[1]["overdue"] is False and rows[1]["days_left"] >= 28
    shown = run("requests", vault=practice, env={"FORCE_COLOR": "1", "COLUMNS": "160"})
    assert "Sem de Vries" in shown.stdout and "40 d" in shown.stdout
    sem_line = next(line for line in shown.stdout.splitlines() if "Sem de Vries" in line)
    assert "\x1b[31m" in sem_line  # red
    assert "past the one-month term" in shown.stderr
    assert len(json.loads(cli("requests", "--all", "--json").stdout)) == 4  # with the example's two decided


def test_a_withdrawn_request_is_kept_but_no_longer_open(cli, practice):
    rid = cli("requests", "add", "noelle", "--kind", "copy").stdout.strip()
    assert cli("requests", "withdraw", rid[:6]).exit_code == 0
    assert json.loads(cli("requests", "--json").stdout) == []
    assert_error(cli("requests", "withdraw", rid), 7, "already withdrawn")
    assert_error(cli("requests", "add", "noelle", "--kind", "destruction"), 1, "--kind: 'destruction' must be copy")


def test_one_month_term_ends_on_the_months_last_day():
    from dossier.clock import one_month_after

    assert one_month_after("2026-01-31") == "2026-02-28"
    assert one_month_after("2028-01-31") == "2028-02-29"
    assert one_month_after("2026-12-15") == "2027-01-15"


# -- consent ---------------------------------------------------------------------------------------------

def test_consent_history_and_current_state(cli, practice):
    assert cli("consent", "grant", "sem", "--type", "substitute", "--how", "written",
               "--scope", "Collega Bram bij ziekte", "--date", "2026-01-10").exit_code == 0
    assert cli("consent", "withdraw", "sem", "--type", "substitute", "--date", "2026-03-01").exit_code == 0
    assert cli("consent", "grant", "sem", "--type", "substitute", "--how", "email").exit_code == 0
    rows = json.loads(cli("consent", "list", "sem", "--json").stdout)
    assert [(r["granted"], r["withdrawn"], r["current"]) for r in rows] == [
        ("2026-01-10", "2026-03-01", False), (TODAY, None, True)]
    from dossier.records.consents import current

    with Vault.open(practice, PASSPHRASE) as v:
        sem = rows[0]["id"] and v.db.one("SELECT id FROM clients WHERE last_name = 'de Vries'")[0]
        assert current(v.db, sem, "substitute", "2026-02-01")["granted"] == "2026-01-10"
        assert current(v.db, sem, "substitute", "2026-03-01") is None  # withdrawn that day


@pytest.mark.parametrize("args, code, fragment", [
    (["grant", "sem", "--type", "newsletter"], 1, "'newsletter' is not a consent type"),
    (["withdraw", "sem", "--type", "publicity"], 1, "'publicity' is not a consent type"),
    (["list", "sem", "--type", "x"], 1, "'x' is not a consent type"),
    (["grant", "sem", "--type", "teaching", "--how", "verbal"], 7, "must be written (CSR 6.8)"),
    (["grant", "sem", "--type", "email", "--how", "fax"], 1, "--how: 'fax' must be one of"),
    (["grant", "sem", "--type", "email", "--date", "2026-02-30"], 1, "is not a date that exists"),
    (["grant", "noelle", "--type", "email"], 7, "already in force"),
    (["withdraw", "sem", "--type", "email"], 7, "no email consent in force"),
])
def test_consent_bad_input_changes_nothing(cli, practice, args, code, fragment):
    before = state(practice)
    assert_error(cli("consent", *args), code, fragment)
    assert state(practice) == before


# -- disclosures and reports ----------------------------------------------------------------------------

def test_disclosure_on_consent_needs_that_consent_in_force(cli, practice):
    before = state(practice)
    assert_error(cli("disclose", "sem", "--to", "company-doctor", "--what", "Voortgang", "--ground", "consent"),
                 7, "no company-doctor consent of this client was in force", "dossier consent grant")
    assert state(practice) == before
    cli("consent", "grant", "sem", "--type", "company-doctor", "--how", "written")
    assert cli("disclose", "sem", "--to", "company-doctor", "--what", "Voortgang", "--ground", "consent").exit_code == 0
    assert cli("disclose", "sem", "--to", "Huisarts Jansen", "--what", "Verwijzing", "--ground", "consent",
               "--consent", "company-doctor").exit_code == 0
    rows = json.loads(cli("disclosures", "sem", "--json").stdout)
    assert [(r["to"], r["ground"], r["consent"], r["kind"]) for r in rows] == [
        ("company-doctor", "consent", "company-doctor", "disclosure"),
        ("Huisarts Jansen", "consent", "company-doctor", "disclosure")]


def test_danger_needs_a_justification_and_whether_the_client_was_told(cli, practice):
    before = state(practice)
    assert_error(cli("disclose", "sem", "--to", "Huisarts", "--what", "Zorg", "--ground", "danger"), 2, "CSR 6.5")
    assert state(practice) == before
    ok = cli("disclose", "sem", "--to", "Huisarts", "--what", "Zorg over veiligheid", "--ground", "danger",
             "--justification", "Acuut gevaar voor de cliënt zelf", "--informed", "yes")
    assert ok.exit_code == 0
    row = json.loads(cli("disclosures", "sem", "--json").stdout)[0]
    assert (row["ground"], row["informed"], row["justification"]) == ("danger", True, "Acuut gevaar voor de cliënt zelf")


@pytest.mark.parametrize("args, code, fragment", [
    (["--to", "X", "--what", "Y", "--ground", "gossip"], 1, "--ground: 'gossip' must be one of"),
    (["--to", "X", "--what", "Y", "--ground", "consent"], 2, "--ground consent needs --consent TYPE"),
    (["--to", "X", "--what", "Y", "--ground", "consent", "--consent", "nope"], 1, "'nope' is not a consent type"),
    (["--to", "X", "--what", "Y", "--ground", "legal"], 2, "--legal-basis"),
    (["--to", "X", "--what", "Y", "--ground", "court", "--consent", "email"], 2, "--consent goes only with"),
    (["--to", "X", "--what", " ", "--ground", "court", "--legal-basis", "Art. 1"], 1, "--what"),
    (["--to", "X", "--what", "Y", "--ground", "danger", "--justification", "z", "--informed", "misschien"], 1,
     "--informed: 'misschien' must be yes or no"),
])
def test_disclose_bad_input_changes_nothing(cli, practice, args, code, fragment):
    before = state(practice)
    assert_error(cli("disclose", "sem", *args), code, fragment)
    assert state(practice) == before


def test_report_with_consent_is_a_disclosure_and_kept_as_attachment(cli, practice, tmp_path):
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    f = tmp_path / "voortgang.txt"
    f.write_text("Voortgangsrapportage: Noëlle is aanwezig geweest bij alle sessies.", encoding="utf-8")
    result = cli("report", "noelle", "--to", "commissioner", "--file", f)
    assert result.exit_code == 0, result.stderr
    c = client_of(practice)
    d = c["disclosures"][-1]
    assert (d["kind"], d["ground"], d["consent"]) == ("report", "consent", "commissioner-report")
    assert d["to"].startswith("Thuiszorg Veenhoven")
    assert [a["filename"] for a in c["attachments"]] == ["voortgang.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["voortgang.txt"]  # no objection: none written


def test_report_blocked_by_the_client_is_refused(cli, practice, tmp_path):
    tmp_path = tmp_path / "reports"
    tmp_path.mkdir()
    f = tmp_path / "rapport.txt"
    f.write_text("Rapport", encoding="utf-8")
    before = state(practice)
    assert_error(cli("report", "marieke", "--to", "commissioner", "--file", f), 7,
                 "the client blocked it on 2025-11-25 (CSR 6.1)", "--legal-basis")
    assert_error(cli("report", "sem", "--to", "commissioner", "--file", f), 7, "has not consented")
    assert_error(cli("report", "sem", "--to", "neighbour", "--file", f), 1, "--to: 'neighbour' must be one of")
    assert_error(cli("report", "noelle", "--to", "commissioner", "--file", tmp_path / "nope"), 1, "no such file")
    assert state(practice) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rapport.txt"]


def test_report_on_a_legal_basis_takes_the_clients_objection_along(cli, practice, tmp_path):
    f = tmp_path / "rapport.txt"
    f.write_text("Rapport", encoding="utf-8")
    out = tmp_path / "uit"
    out.mkdir()
    result = cli("report", "marieke", "--to", "commissioner", "--file", f, "--out", out,
                 "--legal-basis", "Art. 71a Wet werk en bijstand")
    assert result.exit_code == 0, result.stderr
    letter = out / f"bezwaar-marieke-van-der-berg-{TODAY}.pdf"
    assert mode(letter) == 0o600
    text = " ".join(pdf_text(letter).split())
    assert "CSR 6.1" in text and "Ik wil niet dat er over mij aan de gemeente wordt gerapporteerd" in text
    d = client_of(practice, json.loads(cli("client", "show", "marieke", "--json").stdout)["id"])["disclosures"][-1]
    assert (d["ground"], d["legal_basis"], d["kind"]) == ("legal", "Art. 71a Wet werk en bijstand", "report")


def test_report_on_a_legal_basis_without_a_recorded_objection_says_so(cli, tmp_path):
    f = tmp_path / "rapport.txt"
    f.write_text("Rapport", encoding="utf-8")
    result = cli("report", "sem", "--to", "commissioner", "--file", f, "--legal-basis", "Art. 1")
    assert result.exit_code == 0 and "no written objection is recorded" in result.stderr


# -- practice details, format -------------------------------------------------------------------------------

def test_practice_details(practice, dossier):
    before = state(practice)
    assert_error(dossier("practice", "set", "email=geen-adres"), 1, "email: 'geen-adres' is not an e-mail address")
    assert_error(dossier("practice", "set", "shoe=42"), 1, "'shoe' is not a practice detail")
    assert state(practice) == before
    assert dossier("practice", "set", "coach=Anne de Wit", "city=Utrecht").exit_code == 0
    shown = json.loads(dossier("practice", "show", "--json").stdout)
    assert shown["coach"] == "Anne de Wit" and shown["city"] == "Utrecht" and shown["email"] == ""


def test_rights_travel_in_export_and_import(practice, tmp_path, vault_path):
    from dossier.records.document import export_document, import_document

    with Vault.open(practice, PASSPHRASE) as v:
        doc = export_document(v)
    fresh, _ = make_vault(tmp_path / "fresh")
    import_document(fresh, doc)
    assert export_document(fresh) == doc
    fresh.close()


def test_import_refuses_a_statement_about_another_clients_session(vault, example):
    from dossier.errors import InvalidInput
    from dossier.records.document import import_document

    other_session = example["clients"][1]["sessions"][0]["id"]
    example["clients"][0]["statements"][0]["about"] = f"session:{other_session}.findings"
    with pytest.raises(InvalidInput, match=r"clients\[0\]\.statements\[0\]\.about: .* does not hold"):
        import_document(vault, example)
    assert vault.db.one("SELECT count(*) FROM clients")[0] == 0
