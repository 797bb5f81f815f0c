"""Anonymised case export (TB 2.16; CSR 6.8, 6.9): what it must catch, what it must keep, the
review, the purpose check, and the bad input of the issue; on the real vault through the CLI."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from conftest import PASSPHRASE, assert_error, run, state
from dossier.anonymise.core import anonymise
from dossier.anonymise.detect import fold
from dossier.vault import Vault
from pdftools import pdf_text

NOTES = ("Mevrouw Dijkstra belde op 12 maart vanaf +31 6 1234 5678 en mailde later via noelle@proton.me. "
         "Haar BSN 111222333 en IBAN NL91 ABNA 0417 1643 00 stonden op het formulier van het UWV. "
         "Ze volgt @lisa_runt en las www.burnout-hulp.nl. Postcode 3572 KL, kenteken GX-123-B, KvK 12345678. "
         "Haar vader (72) woont in Oudeschild; haar broer PJ werkt bij de Rabobank. In 2019 werd dr. Amrani haar "
         "huisarts. Belgisch nummer: +32 470 12 34 56. Ze is achtendertig en sinds kort wethouder. "
         "We deden een ademhalingsoefening; HRV rmssd 42 ms, coherentie 61%. Ze piekert minder.")
GONE = ["Dijkstra", "12 maart", "+31 6 1234 5678", "noelle@proton.me", "111222333", "NL91", "0417 1643 00",
        "@lisa_runt", "burnout-hulp", "3572 KL", "GX-123-B", "12345678", "Oudeschild", "PJ", "Rabobank", "2019",
        "Amrani", "+32 470", "achtendertig", "UWV", "(72)"]
KEPT = ["ademhalingsoefening", "HRV rmssd 42 ms", "coherentie 61%", "piekert minder", "huisarts", "vader"]


def client(**kw) -> dict:
    c = {"id": "bf67b782-ee87-4be1-9303-8877b083f081", "first_name": "Noëlle", "last_name": "Dijkstra",
         "birth_date": "1986-03-14", "email": "noelle.dijkstra@example.nl", "phone": "06 41827365",
         "address": "Waterlelieweg 14", "postcode": "3572 KL", "city": "Utrecht", "employer": "Thuiszorg Veenhoven",
         "job_title": "Teamleider", "background": "", "commissioner": {"organisation": "", "contact": "",
                                                                       "email": "", "phone": "", "company_doctor": ""},
         "assignment": {"goal": "Weer energie", "started": None, "ended": None},
         "persons": [{"name": "Hans Wolters", "relation": "leidinggevende"}],
         "sessions": [{"id": "1b8e69e0-b6d2-438c-be80-4588be180a1f", "date": "2025-03-03", "duration_min": 60,
                       "notes": NOTES, "findings": "Noëlles herstel zet door; Hans Wolters steunt haar."}],
         "questionnaires": [], "measurements": []}
    c.update(kw)
    return c


def case_text(result) -> str:
    return "\n".join(s.get("text", "") + s.get("notes", "") + s.get("findings", "") for s in result.sections)


def test_direct_identifiers_go_and_the_coaching_content_stays():
    text = case_text(anonymise(client(), secret=b"k"))
    for s in GONE:
        assert s not in text, s
    for s in KEPT:
        assert s in text, s
    assert "[cliënt]" in text and "[leidinggevende]" in text and "[tussen 40 en 50 jaar]" not in text
    assert "[tussen 30 en 40 jaar]" in text and "[tussen 70 en 80 jaar]" in text  # ages as ten-year bands
    assert "[week 2]" in text  # 12 March, in the second week of the coaching


def test_every_string_the_example_dossiers_know_is_caught(example):
    for c in example["clients"]:
        import re

        text = fold(case_text(anonymise(c, secret=b"k")))
        known = [c["first_name"], c["last_name"], c["email"], c["phone"], c["address"]]
        known += [p["name"] for p in c["persons"]] + ([c["employer"]] if c["employer"] else [])
        for s in known:
            assert not re.search(rf"(?<!\w){re.escape(fold(s))}(?!\w)", text), (c["last_name"], s)


def test_questionnaires_and_measurements_are_anonymised_too():
    """Results may hold free text (a remark, a name in a test's title): it goes through the same cleaning."""
    q = {"date": "2025-03-10", "name": "Intake Noëlle Dijkstra",
         "results": {"distress": 24, "opmerking": "Noëlle Dijkstra, 06 41827365, werkt bij Thuiszorg Veenhoven"}}
    r = anonymise(client(questionnaires=[q], measurements=[{"date": "2025-03-10", "kind": "HRV",
                                                            "results": {"notitie": "gemeten door Hans Wolters"}}]),
                  secret=b"k")
    sections = [s for s in r.sections if s["key"] in ("questionnaires", "measurements")]
    text = json.dumps(sections, ensure_ascii=False)
    for s in ("Noëlle", "Dijkstra", "41827365", "Veenhoven", "Hans", "Wolters"):
        assert s not in text, s
    assert sections[0]["results"]["distress"] == 24 and "[cliënt]" in sections[0]["name"]
    from dossier.anonymise.export import render

    before = anonymise(client(questionnaires=[{"date": "2025-02-20", "name": "4DKL #intake", "results": {"x": 1}}]),
                       secret=b"k")
    md = render(before, "intervision", "md").decode()
    assert "## 4DKL \\#intake (vóór het traject)" in md and "week -" not in md  # no negative week, no markup


def test_keep_leaves_exactly_what_it_names():
    """--keep Jan keeps "Jan", not Jan de Boer or Janneke Smit; an address with a kept word goes whole."""
    notes = "Jan belde. Jan de Boer en Janneke Smit kwamen langs. Ze woont in Utrecht; mail noelle@utrecht-zorg.nl."
    text = case_text(anonymise(client(sessions=[{"date": "2025-03-03", "notes": notes, "findings": ""}]),
                               secret=b"k", keep=["Jan", "Utrecht"]))
    assert text.count("Jan") == 1 and "Boer" not in text and "Janneke" not in text and "Smit" not in text
    assert "in Utrecht" in text and "utrecht-zorg" not in text and "[e-mail]" in text


def test_the_same_person_keeps_the_same_placeholder_across_exports():
    notes = "Collega Pieter Bos belde. Later sprak ze Pieter Bos opnieuw, en Karin de Groot."
    store: dict = {}
    one = case_text(anonymise(client(sessions=[{"date": "2025-03-03", "notes": notes, "findings": ""}]),
                              secret=b"k", store=store))
    assert one.count("[persoon 1]") == 2 and "[persoon 2]" in one
    other = "Karin de Groot kwam langs."
    two = case_text(anonymise(client(sessions=[{"date": "2025-03-03", "notes": other, "findings": ""}]),
                              secret=b"k", store=store))
    assert "[persoon 2] kwam langs" in two


def test_english_notes_get_english_placeholders():
    notes = "Sarah Johnson said Noëlle's manager Hans Wolters called on March 12. She felt tired; we practised breathing."
    r = anonymise(client(sessions=[{"date": "2025-03-03", "notes": notes, "findings": ""}]), secret=b"k")
    text = case_text(r)
    assert r.lang == "en" and "[client]" in text and "Sarah Johnson" not in text and "breathing" in text


@pytest.fixture
def cli(practice, dossier):
    return dossier


def test_cli_writes_the_case_logged_without_content(cli, practice, tmp_path):
    out = tmp_path / "casus.md"
    r = cli("anonymise", "noelle", "--out", out, "--sessions", "2-3", "--yes")
    assert r.exit_code == 0, r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    assert "Sessie 2 (week 3" in text and "Sessie 3" in text and "Sessie 1 " not in text and "Sessie 4" not in text
    for s in ("Noëlle", "Dijkstra", "Thijs", "Hans"):
        assert s not in text
    assert "replacements" in r.stdout and "Thijs" in r.stdout  # the review shows what was replaced
    with Vault.open(practice, PASSPHRASE) as v:
        entry = [e for e in v.audit_entries() if e.action == "anonymise.export"]
        assert [e.detail for e in entry] == ["purpose intervision; sessions 2-3; format md"]
    assert list(tmp_path.glob(".*.tmp")) == []


def test_a_failed_write_leaves_no_file_and_logs_nothing(cli, practice, tmp_path, monkeypatch):
    """The case file is written to a temp file and renamed; when the rename fails (a full disk,
    a removed folder), neither file stays behind and nothing is logged or numbered."""
    import os

    real = os.replace

    folder = tmp_path / "out"
    folder.mkdir()

    def failing(src, dst, *args, **kw):
        if str(src).endswith(".tmp") and Path(src).parent == folder:
            raise OSError(28, "No space left on device")
        return real(src, dst, *args, **kw)

    before = state(practice)
    monkeypatch.setattr(os, "replace", failing)
    assert_error(cli("anonymise", "noelle", "--out", folder / "c.md", "--yes"), 1,
                 "c.md: cannot write (No space left on device); nothing was written")
    monkeypatch.undo()
    assert os.listdir(folder) == [] and state(practice) == before
    with Vault.open(practice, PASSPHRASE) as v:
        assert v.db.one("SELECT count(*) FROM pseudonyms")[0] == 0


def test_cli_pdf_and_json(cli, tmp_path):
    assert cli("anonymise", "noelle", "--out", tmp_path / "c.pdf", "--yes").exit_code == 0
    assert "[cliënt]" in pdf_text(tmp_path / "c.pdf")
    assert cli("anonymise", "noelle", "--out", tmp_path / "c.json", "--yes").exit_code == 0
    doc = json.loads((tmp_path / "c.json").read_text())
    assert doc["format"] == "dossier-case/1" and "Noëlle" not in json.dumps(doc, ensure_ascii=False)


def test_teaching_needs_a_written_teaching_consent(cli, practice, tmp_path):
    before = state(practice)
    assert_error(cli("anonymise", "noelle", "--out", tmp_path / "c.md", "--purpose", "teaching", "--yes"), 7,
                 "CSR 6.8")
    assert state(practice) == before and not (tmp_path / "c.md").exists()
    cli("consent", "grant", "noelle", "--type", "teaching", "--how", "written")
    assert cli("anonymise", "noelle", "--out", tmp_path / "c.md", "--purpose", "teaching", "--yes").exit_code == 0
    assert "[cliënt]" in (tmp_path / "c.md").read_text(encoding="utf-8")
    assert "anonymise.export" in state(practice)[1]


def test_an_unusable_out_file_is_refused_before_the_review(cli, tmp_path):
    """A coach should not approve a case and only then hear that its file cannot be written."""
    (tmp_path / "c.md").write_text("van eerder")
    for out, fragment in ((tmp_path / "c.md", "exists already"), (tmp_path / "c.doc", "--format"),
                          (tmp_path / "nee" / "c.md", "no such folder")):
        r = cli("anonymise", "noelle", "--out", out, *(["--format", "doc"] if out.suffix == ".doc" else []),
                input="y\n")
        assert_error(r, {1, 2}, fragment)
        assert "replacements" not in r.stdout and "Write this case?" not in r.stderr
    assert (tmp_path / "c.md").read_text() == "van eerder"


def test_review_declined_writes_nothing(cli, practice, tmp_path):
    before = state(practice)
    assert_error(cli("anonymise", "noelle", "--out", tmp_path / "c.md", input="n\n"), 7, "not confirmed")
    assert not (tmp_path / "c.md").exists()
    assert [a for a in state(practice)[1] if a == "anonymise.export"] == []
    assert state(practice)[0] == before[0]


def test_keep_that_exposes_the_clients_name_needs_confirmation(cli, practice, tmp_path):
    assert_error(cli("anonymise", "noelle", "--out", tmp_path / "c.md", "--keep", "Dijkstra", "--yes"), 7,
                 "would expose the client's name")
    assert not (tmp_path / "c.md").exists()
    r = cli("anonymise", "noelle", "--out", tmp_path / "c.md", "--keep", "Dijkstra", input="y\n")
    assert r.exit_code == 0 and "leaves the client's own name" in r.stderr
    assert (tmp_path / "c.md").exists()


def test_also_replaces_more(cli, tmp_path):
    assert cli("anonymise", "noelle", "--out", tmp_path / "c.md", "--also", "roosters", "--yes").exit_code == 0
    assert "roosters" not in (tmp_path / "c.md").read_text() and "[verwijderd]" in (tmp_path / "c.md").read_text()


@pytest.mark.parametrize("args, code, fragment", [
    (["--sessions", "9-12"], 1, "is outside the client's 4 session(s)"),
    (["--sessions", "drie"], 1, "is not a range"),
    (["--purpose", "gossip"], 1, "--purpose: 'gossip' must be one of"),
    (["--format", "docx"], 1, "--format: 'docx' must be one of"),
    (["--keep", " "], 1, "must not be empty"),
])
def test_bad_input_writes_nothing(cli, practice, tmp_path, args, code, fragment):
    before = state(practice)
    assert_error(cli("anonymise", "noelle", "--out", tmp_path / "c.md", "--yes", *args), code, fragment)
    assert state(practice)[0] == before[0] and not (tmp_path / "c.md").exists()


def test_odd_dossiers_never_crash(cli, tmp_path):
    cli("client", "add", "--first-name", "A", "--last-name", "B")
    assert cli("anonymise", "A B", "--out", tmp_path / "empty.md", "--yes").exit_code == 0  # no sessions
    assert "# Casus voor intervisie" in (tmp_path / "empty.md").read_text() and "Sessie" not in \
        (tmp_path / "empty.md").read_text()
    notes = tmp_path / "n.txt"
    notes.write_text("Sessie met A B over het werk. " * 30000, encoding="utf-8")  # about 900 kB
    cli("session", "add", "A B", "--date", "2026-01-05", "--notes-file", notes, "--findings-file", notes)
    r = cli("anonymise", "A B", "--out", tmp_path / "big.md", "--yes")
    assert r.exit_code == 0, r.stderr
    text = (tmp_path / "big.md").read_text()
    assert "A B" not in text and text.count("[cliënt]") == 60000 and text.count("over het werk") == 60000


def test_markup_in_notes_is_printed_as_text(cli, tmp_path):
    cli("session", "add", "noelle", "--date", "2026-01-05", "--notes-file", _file(
        tmp_path, "Zie [klik](http://evil.example) en <script>x</script> *vet* # kop"))
    cli("anonymise", "noelle", "--out", tmp_path / "c.md", "--yes")
    text = (tmp_path / "c.md").read_text()
    assert "<script>" not in text and "](http" not in text and "\\*vet\\*" in text


def _file(tmp_path, text):
    f = tmp_path / "notes.txt"
    f.write_text(text, encoding="utf-8")
    return f


def test_on_the_corpus_every_known_string_and_identifier_goes_and_the_content_stays():
    """The labelled corpus (examples/anonymisation): what the dossier knows is caught every
    time (it is deterministic), and so are contact details and numbers with a checksum;
    at least 95% of the content words stay. benchmarks/anonymise.py reports all kinds."""
    import re
    from pathlib import Path

    cases = sorted((Path(__file__).resolve().parents[1] / "examples" / "anonymisation" / "cases").glob("*.json"))
    assert len(cases) >= 30
    kept = total = 0
    for path in cases:
        case = json.loads(path.read_text(encoding="utf-8"))
        text = case_text(anonymise(case["client"], secret=b"k"))
        for item in case["must_disappear"]:
            if item["kind"] in ("known", "contact", "id"):
                assert not re.search(rf"(?<!\w){re.escape(item['text'])}(?!\w)", text), (case["id"], item)
        kept += sum(w in text for w in case["must_remain"])
        total += len(case["must_remain"])
    assert kept / total >= 0.95


def test_times_amounts_and_the_coaching_network_are_not_identifiers():
    notes = ("Ze zet na 20.00 uur de telefoon uit en betaalt € 125,50 per sessie. De bedrijfsarts verwees haar naar "
             "CSR Centrum. Ze slaapt 7.5 uur.")
    text = case_text(anonymise(client(sessions=[{"date": "2025-03-03", "notes": notes, "findings": ""}]), secret=b"k"))
    for kept in ("20.00 uur", "€ 125,50", "CSR Centrum", "7.5 uur"):
        assert kept in text, kept


def test_rare_professions_are_reported_as_residual_risk_and_empty_notes_give_empty_sessions():
    r = anonymise(client(), secret=b"k")
    assert any("'wethouder'" in risk for risk in r.risks)
    empty = anonymise(client(sessions=[{"date": "2025-03-03", "notes": "", "findings": ""}]), secret=b"k")
    assert [s["notes"] for s in empty.sections if s["key"] == "session"] == [""]


def test_a_broken_deduce_install_is_a_named_error_with_a_hint(practice, tmp_path):
    """A deduce package without its lists (a half-finished or damaged install) found first on
    the path: one error line and a hint, exit 1, nothing written; not an internal error."""
    fake = tmp_path / "site" / "deduce"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    out = tmp_path / "casus.md"
    r = run("anonymise", "noelle", "--out", out, "--yes", vault=practice, env={"PYTHONPATH": str(fake.parent)})
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("dossier: error: the deduce package is broken: its list names/lst_first_name cannot "
                               "be read"), r.stderr
    assert "dossier: hint: reinstall dossier" in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_a_missing_deduce_is_a_named_error(monkeypatch):
    from dossier.anonymise import lists
    from dossier.errors import MissingComponent

    monkeypatch.setattr(lists.importlib.util, "find_spec", lambda name: None)
    lists.first_names.cache_clear()
    with pytest.raises(MissingComponent, match="anonymise needs the deduce package"):
        lists.first_names()
    lists.first_names.cache_clear()
