"""The client's copy (CSR 5.1-5.3; GDPR Art. 15) and letters, read back as a person reads them:
the text a PDF reader finds, the fonts the file embeds, the pages as images (tests/pdftools.py)."""

from __future__ import annotations

import copy
import json
import re
import uuid
from pathlib import Path

import pytest

from dossier.format.fields import CLIENT_FIELDS
from dossier.render import render_copy, render_letter
from dossier.render import texts as T
from pdftools import pdf_fonts, pdf_pages, pdf_png, pdf_text, pdf_words

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "praktijk.json"
PRACTICE = {"coach": "Marieke de Vries", "practice": "Praktijk De Linde", "email": "praktijk@delinde.example.nl",
            "phone": "030 2345678", "address": "Oudegracht 112", "postcode": "3511 AX", "city": "Utrecht",
            "website": "delinde.example.nl"}
GENERATED = "2026-11-23"
STRANGER = str(uuid.UUID(int=7))  # a session that is no longer in the dossier


def flat(text: str) -> str:
    """Text as one line: hyphenation at line ends undone, all white space a single space, and
    no zero-width spaces (the templates put them into very long words so they can break)."""
    return " ".join(re.sub("\u00ad\\s*", "", text).replace("\u200b", "").split())


def base_client() -> dict:
    return copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8"))["clients"][0])


def make_client() -> dict:
    """The first example client with its own requests, statements, consents and disclosures."""
    c = base_client()
    first, second = c["sessions"][0]["id"], c["sessions"][1]["id"]
    c["city"] = "Amersfoort"
    c["sessions"][0]["notes"] += "\n\nZe noemt het café op de hoek haar ‘vluchtplek’; naïef is ze niet, zegt ze.\nRegel twee."
    c["questionnaires"][0]["results"].update({"ingevuld_op_papier": True, "opmerking": None})
    c["requests"] = [
        {"id": "0a6c8f0e-1111-4d1e-9c55-6c1d8a1e0001", "kind": "correction", "received": "2025-10-01",
         "deadline": "2025-10-29", "status": "granted", "closed": "2025-10-08", "outcome": "",
         "item": "city", "proposed": "Amersfoort", "reason": "Ik ben in september verhuisd.",
         "old_value": "Utrecht", "new_value": "Amersfoort"},
        {"id": "0a6c8f0e-1111-4d1e-9c55-6c1d8a1e0002", "kind": "correction", "received": "2025-10-25",
         "deadline": "2025-11-22", "status": "declined", "closed": "2025-10-28",
         "outcome": "Dit is mijn conclusie als coach; die pas ik niet aan.",
         "item": f"session:{second}.findings", "proposed": "Alleen een drukke periode.",
         "reason": "Ik vind 'langdurige activatie' te zwaar klinken.", "old_value": None, "new_value": None},
        {"id": "0a6c8f0e-1111-4d1e-9c55-6c1d8a1e0003", "kind": "correction", "received": "2026-11-10",
         "deadline": "2026-12-08", "status": "open", "closed": None, "outcome": "",
         "item": "employer", "proposed": "Thuiszorg Veenhoven Regio Oost", "reason": "Zo heet mijn werkgever nu.",
         "old_value": None, "new_value": None},
        {"id": "0a6c8f0e-1111-4d1e-9c55-6c1d8a1e0004", "kind": "copy", "received": "2026-11-16",
         "deadline": "2026-12-14", "status": "open", "closed": None, "outcome": "", "item": None,
         "proposed": None, "reason": "", "old_value": None, "new_value": None},
    ]
    c["statements"] = [
        {"id": "5e1d0000-0000-4000-8000-000000000001", "received": "2025-11-02",
         "about": f"session:{second}.findings",
         "text": "Ik herken me niet in het woord activatie.\nHet was een zware periode.\n\nMaar ik hield het overzicht."},
        {"id": "5e1d0000-0000-4000-8000-000000000002", "received": "2025-11-03",
         "about": "request:0a6c8f0e-1111-4d1e-9c55-6c1d8a1e0002",
         "text": "Ik blijf erbij dat het een drukke periode was, geen overbelasting."},
        {"id": "5e1d0000-0000-4000-8000-000000000003", "received": "2025-11-20", "about": "report",
         "text": "Ik wil niet dat mijn slaapproblemen in de rapportage aan Thuiszorg Veenhoven komen."},
        {"id": "5e1d0000-0000-4000-8000-000000000004", "received": "2025-11-21", "about": f"session:{STRANGER}",
         "text": "Over het telefoongesprek van 4 november: dat was op mijn verzoek."},
        {"id": "5e1d0000-0000-4000-8000-000000000005", "received": "2025-11-22", "about": f"session:{first}",
         "text": "Bij de intake was ik erg moe; daarom klinkt het somberder dan het was."},
    ]
    c["consents"] = [
        {"id": "c0000000-0000-4000-8000-000000000001", "type": "commissioner-report", "granted": "2025-09-16",
         "how": "written", "scope": "Alleen voortgang en aanwezigheid.", "withdrawn": None},
        {"id": "c0000000-0000-4000-8000-000000000002", "type": "intervision", "granted": "2025-09-30",
         "how": "verbal", "scope": "", "withdrawn": "2025-11-11"},
    ]
    c["disclosures"] = [
        {"id": "d0000000-0000-4000-8000-000000000001", "date": "2025-10-22", "to": "Arbodienst Kompas, drs. P. Vermaat",
         "what": "Voortgangsbericht na drie sessies: aanwezigheid en globale voortgang.", "ground": "consent",
         "consent": "company-doctor", "via": "email", "informed": True, "legal_basis": "", "justification": "",
         "kind": "report"},
    ]
    c["copies"] = [{"id": "e0000000-0000-4000-8000-000000000001", "date": "2025-12-01", "to": "Noëlle Dijkstra",
                    "contents": "volledig dossier", "lang": "nl"}]
    return c


def one_session_client() -> dict:
    """A small dossier: one session, none of the newer lists."""
    c = base_client()
    c["sessions"] = c["sessions"][:1]
    for key in ("questionnaires", "measurements", "requests", "statements", "consents", "disclosures", "copies"):
        c.pop(key, None)
    return c


def long_client(sessions: int) -> dict:
    c = make_client()
    template = c["sessions"][2]
    c["sessions"] = c["sessions"][:2] + [
        dict(template, id=str(uuid.UUID(int=1000 + i)), date=f"{2026 + i // 12}-{i % 12 + 1:02d}-15")
        for i in range(sessions - 2)]
    return c


@pytest.fixture(scope="module")
def copy_nl() -> bytes:
    return render_copy(make_client(), practice=PRACTICE, generated=GENERATED)


@pytest.fixture(scope="module")
def text_nl(copy_nl) -> str:
    return pdf_text(copy_nl)


def between(text: str, start: str, end: str) -> str:
    """The part of the flat text from ``start`` up to ``end`` (both must be there, in order),
    leaving out the table of contents (its lines have dot leaders)."""
    text = flat("\n".join(line for line in text.splitlines() if ". . ." not in line))
    i = text.index(start)
    return text[i:text.index(end, i)]


def test_cover_says_what_this_is_for_whom_and_how_to_react(text_nl):
    cover = flat(text_nl.split("\f")[0])
    for words in ("Afschrift van uw dossier", "voor Noëlle Dijkstra", "Gemaakt op 23 november 2026",
                  "door Marieke de Vries, Praktijk De Linde", "alles wat Marieke de Vries over u bewaart",
                  "CSR 5.1-5.4", "eigen visie", "binnen vier weken", "praktijk@delinde.example.nl", "030 2345678"):
        assert words in cover


def test_cover_without_a_coach_name_speaks_of_your_coach():
    pdf = render_copy(one_session_client(), practice={"coach": "", "practice": "", "email": ""}, generated=GENERATED)
    cover = flat(pdf_text(pdf).split("\f")[0])
    assert "alles wat uw coach over u bewaart" in cover
    assert "kunt u terecht bij uw coach" in cover


def test_every_page_is_numbered(copy_nl, text_nl):
    pages = pdf_pages(copy_nl)
    assert pages > 1
    found = re.findall(r"pagina (\d+) van (\d+)", text_nl)
    assert found == [(str(n), str(pages)) for n in range(1, pages + 1)]


def test_personal_data_and_assignment_read_in_words(text_nl):
    details = between(text_nl, "Persoonsgegevens", "Achtergrond")
    assert "Geboortedatum 14 maart 1986" in details
    assert "Werkgever Thuiszorg Veenhoven" in details
    agreement = between(text_nl, "Opdracht en afspraken", "Gesprekken")
    assert "Begonnen op 16 september 2025" in agreement
    assert "U hebt de beroepscode ontvangen." in agreement
    assert "De klachtenregeling is aan u uitgelegd." in agreement


def test_session_notes_and_the_coachs_findings_marked_as_the_coachs_own(text_nl):
    c = make_client()
    session = between(text_nl, "Gesprek van 16 september 2025", "Gesprek van 30 september 2025")
    assert "Duur: 90 minuten" in session
    assert "Aantekeningen".upper() + " " + flat(c["sessions"][0]["notes"])[:60] in session
    assert "Regel twee." in session
    findings = c["sessions"][0]["findings"]
    assert ("Bevindingen van de coach Dit zijn de conclusies van uw coach; u kunt hier uw eigen visie naast "
            "laten zetten. " + flat(findings)) in session


def test_multi_line_text_keeps_its_line_breaks(text_nl):
    lines = [line.strip() for line in text_nl.splitlines()]
    assert "Regel twee." in lines  # a line break in the notes starts a new line


def test_results_as_tables_with_yes_no_and_decimal_comma(text_nl):
    results = between(text_nl, "Vragenlijsten en metingen", "Bijlagen")
    assert "Vragenlijst 4DKL (16 september 2025) Onderdeel Uitkomst distress 24" in results
    assert "ingevuld_op_papier ja" in results
    assert "opmerking niet ingevuld" in results
    assert "Meting HRV (30 september 2025)" in results
    assert "rmssd_ms 22,6" in results


def test_granted_correction_beside_its_field_with_old_and_new_value(text_nl):
    row = between(text_nl, "Woonplaats Amersfoort", "Werkgever")
    assert "Uw verzoek om correctie: Woonplaats" in row
    assert "Ontvangen 1 oktober 2025" in row
    assert "Uw reden Ik ben in september verhuisd." in row
    assert "Besluit Toegekend op 8 oktober 2025 Was Utrecht Is nu Amersfoort" in row


def test_open_correction_shows_its_deadline_beside_its_field(text_nl):
    row = between(text_nl, "Werkgever Thuiszorg Veenhoven", "Functie")
    assert "Gevraagde wijziging Thuiszorg Veenhoven Regio Oost" in row
    assert "Besluit In behandeling Antwoord uiterlijk 8 december 2026" in row


def test_declined_correction_and_statements_beside_the_session(text_nl):
    session = between(text_nl, "Gesprek van 30 september 2025", "Gesprek van 21 oktober 2025")
    correction = session.index("Uw verzoek om correctie: bevindingen bij het gesprek van 30 september 2025")
    assert "Besluit Afgewezen op 28 oktober 2025" in session
    assert "Reden van afwijzing Dit is mijn conclusie als coach; die pas ik niet aan." in session
    # The statement about the decision sits inside that correction.
    about_decision = session.index("Ik blijf erbij dat het een drukke periode was")
    assert correction < about_decision
    assert ("Uw eigen toelichting (ontvangen 2 november 2025) Over: bevindingen bij het gesprek van "
            "30 september 2025 Ik herken me niet in het woord activatie. Het was een zware periode. "
            "Maar ik hield het overzicht.") in session
    first = between(text_nl, "Gesprek van 16 september 2025", "Gesprek van 30 september 2025")
    assert "Bij de intake was ik erg moe" in first


def test_general_section_holds_the_report_objection_and_items_no_longer_there(text_nl):
    general = between(text_nl, "Uw eigen toelichting op het dossier", "Uw verzoeken")
    assert "Over: rapportage aan de opdrachtgever (uw bezwaar)" in general
    assert "Ik wil niet dat mijn slaapproblemen in de rapportage" in general
    assert f"een onderdeel dat niet meer in het dossier staat (session:{STRANGER})" in general
    assert "Over het telefoongesprek van 4 november: dat was op mijn verzoek." in general


def test_requests_consents_disclosures_and_copies(text_nl):
    requests = between(text_nl, "Uw verzoeken", "Uw toestemmingen")
    assert "afschrift 16 november 2026 14 december 2026 in behandeling" in requests
    assert "correctie: Woonplaats 1 oktober 2025 29 oktober 2025 toegekend 8 oktober 2025" in requests
    consents = between(text_nl, "Uw toestemmingen", "Aan wie is wat verstrekt")
    assert "rapportage aan de opdrachtgever" in consents and "schriftelijk" in consents
    assert "Reikwijdte: Alleen voortgang en aanwezigheid." in consents
    assert "bespreking (geanonimiseerd) in intervisie of supervisie mondeling 30 september 2025 11 november 2025" in consents
    disclosed = between(text_nl, "Aan wie is wat verstrekt", "Eerdere afschriften")
    assert "22 oktober 2025: aan Arbodienst Kompas, drs. P. Vermaat" in disclosed
    assert "Grond met uw toestemming" in disclosed
    assert "Toestemming voor contact met de bedrijfsarts" in disclosed
    assert "U bent geïnformeerd ja" in disclosed
    assert "1 december 2025 Noëlle Dijkstra volledig dossier Nederlands" in flat(text_nl)


def test_empty_lists_say_so_in_one_line():
    text = flat(pdf_text(render_copy(one_session_client(), practice=PRACTICE, generated=GENERATED)))
    for line in ("Er is niets aan anderen verstrekt.", "U hebt geen toestemmingen gegeven.",
                 "U hebt geen verzoeken gedaan.", "Er zijn niet eerder afschriften verstrekt.",
                 "Er zijn geen vragenlijsten of metingen vastgelegd.", "Er zijn geen bijlagen."):
        assert line in text


def test_attachments_listed_in_words_with_their_notes():
    c = one_session_client()
    c["attachments"] = [{"id": "a0000000-0000-4000-8000-000000000001", "kind": "hrv", "filename": "hrv-meting.pdf",
                         "media_type": "application/pdf", "size": 183_500, "sha256": "0" * 64,
                         "added": "2025-09-30T10:12:00Z"}]
    c["statements"] = [{"id": "5e1d0000-0000-4000-8000-000000000009", "received": "2025-10-01",
                        "about": "attachment:a0000000-0000-4000-8000-000000000001", "text": "Deze meting was na een nachtdienst."}]
    text = flat(pdf_text(render_copy(c, practice=PRACTICE, generated=GENERATED)))
    attachments = between(text, "Bijlagen", "Uw eigen toelichting op het dossier")
    assert "hrv-meting.pdf HRV-meting 30 september 2025 179,2 kB" in attachments
    assert "Over: bijlage hrv-meting.pdf Deze meting was na een nachtdienst." in attachments


def test_english_copy_has_english_headings_and_no_dutch_ones():
    pdf = render_copy(make_client(), practice=PRACTICE, lang="en", generated=GENERATED)
    text = flat(pdf_text(pdf))
    for words in ("Copy of your file", "Made on 23 November 2026", "Your details", "Session of 16 September 2025",
                  "The coach's findings", "Your own statement (received 2 November 2025)", "Your requests",
                  "What was given to whom", "with your consent", f"page 1 of {pdf_pages(pdf)}"):
        assert words in text
    for dutch in ("Afschrift van uw dossier", "Uw gegevens", "Persoonsgegevens", "Gesprek van", "AANTEKENINGEN",
                  "Bevindingen van de coach", "Uw eigen toelichting", "Uw verzoeken", "Aan wie is wat verstrekt",
                  "pagina", " van 1"):
        assert dutch not in text


def test_nothing_runs_over_the_right_margin(copy_nl):
    """Long words (a web address, a file name) break instead of running off the page or into the
    next column; the right margin is 2.5 cm (70.9 pt). Typst hangs punctuation about 2 pt into
    the margin on purpose, so 3 pt is allowed."""
    c = one_session_client()
    c["sessions"][0]["notes"] = "Zie https://www.example.nl/artikel?id=" + "0123456789" * 12 + " voor meer."
    c["attachments"] = [{"id": str(uuid.UUID(int=8)), "kind": "other", "filename": "verslag_" + "x" * 110 + ".pdf",
                         "media_type": "application/pdf", "size": 18_350_000, "sha256": "0" * 64, "added": "2025-09-30"}]
    long_words = render_copy(c, practice=PRACTICE, generated=GENERATED)
    for pdf in (copy_nl, long_words):
        words = pdf_words(pdf)
        assert words
        assert [w["text"] for w in words if w["x1"] > w["page_width"] - 70.9 + 3] == []
    text = flat(pdf_text(long_words))
    # The file name fills three lines of its column; the other columns sit beside its first line.
    assert "verslag_" + "x" * 110 + ".pdf" in re.sub(r"overig document|30 september 2025|17,5 MB| ", "", text)
    assert "https://www.example.nl/artikel?id=" + "0123456789" * 12 in text.replace(" ", "")  # over two lines


def test_only_dutch_and_english():
    with pytest.raises(ValueError):
        render_copy(make_client(), practice=PRACTICE, lang="de", generated=GENERATED)
    with pytest.raises(ValueError):
        render_letter({"lang": "de", "date": GENERATED, "subject": "x"})
    with pytest.raises(ValueError):
        render_copy(make_client(), practice=PRACTICE, generated="23-11-2026")


def test_every_font_is_embedded(copy_nl):
    fonts = pdf_fonts(copy_nl)
    assert fonts and all(f["emb"] for f in fonts)
    assert all("LibertinusSerif" in f["name"] for f in fonts)


def test_dutch_characters_come_out_exactly(text_nl):
    for word in ("Noëlle", "Dijkstra", "wijkverpleging", "café", "naïef", "geïnformeerd", "€ 125"):
        assert word in text_nl


def test_typst_markup_in_client_text_is_printed_literally(tmp_path):
    tricks = ['#panic("x")', "*vet*", "$x^2$", "<lbl>", "@lbl", '#import "/etc/passwd"', '#read("/etc/passwd")',
              "C:\\Users\\noelle\\", "a \\ b", "] [", "_schuin_", "`code`", "// geen commentaar", "/* ook niet */"]
    c = one_session_client()
    c["first_name"] = '#panic("naam")'
    c["background"] = "\n".join(tricks)
    c["sessions"][0]["notes"] = "= Kop\n" + " ".join(tricks)
    c["sessions"][0]["findings"] = "#{1+1} #let x = 1 ]"
    c["persons"] = [{"name": "*Thijs*", "relation": "[partner]"}]
    c["questionnaires"] = [{"id": str(uuid.UUID(int=5)), "name": "#4DKL", "date": "2025-09-16",
                            "results": {"$som$": "#none", "<x>": 1}}]
    c["statements"] = [{"id": str(uuid.UUID(int=6)), "received": "2025-10-01", "about": "#panic()",
                        "text": "\\\\ #set page(width: 1cm)"}]
    pdf = render_copy(c, practice={"coach": "#panic()", "practice": "*P*"}, generated=GENERATED)
    text = flat(pdf_text(pdf, tmp_path))
    for literal in tricks + ['voor #panic("naam") Dijkstra', "= Kop", "#{1+1} #let x = 1 ]", "*Thijs* [partner]",
                             "Vragenlijst #4DKL", "$som$ #none", "<x> 1", "\\\\ #set page(width: 1cm)",
                             "door #panic(), *P*", "(#panic())"]:
        assert literal in text
    assert "root:" not in text


def test_a_character_no_font_has_still_gives_a_copy():
    c = one_session_client()
    c["sessions"][0]["notes"] = "Goed gesprek 🙂 met 王芳."
    pdf = render_copy(c, practice=PRACTICE, generated=GENERATED)
    assert "Goed gesprek" in pdf_text(pdf)
    assert b"pdfaid:part" not in pdf  # PDF/A forbids the missing glyph; the copy comes first


def test_copy_is_pdf_a_and_reproducible(copy_nl):
    assert b"<pdfaid:part>2</pdfaid:part>" in copy_nl
    assert render_copy(make_client(), practice=PRACTICE, generated=GENERATED) == copy_nl


def test_a_compile_failure_names_no_client_data(monkeypatch):
    import typst

    def broken(*args, **kwargs):
        raise typst.TypstError("the text `Noëlle` could not be shown", "error: Noëlle")

    monkeypatch.setattr(typst, "compile", broken)
    with pytest.raises(RuntimeError) as raised:
        render_copy(make_client(), practice=PRACTICE, generated=GENERATED)
    assert "Noëlle" not in str(raised.value) and "rendering failed" in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_others_can_be_shown_by_their_relation_only():
    pdf = render_copy(make_client(), practice=PRACTICE, generated=GENERATED, anonymised_others=True)
    persons = between(pdf_text(pdf), "Andere personen die u noemde", "Opdracht en afspraken")
    assert "Namen van andere mensen zijn in dit afschrift vervangen door hun relatie tot u." in persons
    assert "leidinggevende" in persons
    assert "Hans Wolters" not in persons and "Thijs" not in persons


def test_long_dossier_gets_a_table_of_contents_and_a_short_one_does_not():
    long_pages = pdf_text(render_copy(long_client(40), practice=PRACTICE, generated=GENERATED)).split("\f")
    contents = flat(long_pages[1])
    assert contents.startswith("Inhoud Uw gegevens")
    assert "Gesprek van 15 december 2028" in contents  # sessions are listed, in date order
    assert contents.index("Gesprek van 15 januari 2026") < contents.index("Gesprek van 15 december 2028")
    short_pages = pdf_text(render_copy(one_session_client(), practice=PRACTICE, generated=GENERATED)).split("\f")
    assert flat(short_pages[1]).startswith("Uw gegevens")
    assert "Inhoud Uw gegevens" not in flat("".join(short_pages))


def test_pages_render_as_images(copy_nl, tmp_path):
    pngs = pdf_png(copy_nl, tmp_path / "png")
    assert len(pngs) == pdf_pages(copy_nl)
    assert all(p.read_bytes().startswith(b"\x89PNG") and p.stat().st_size > 1000 for p in pngs)
    assert len(pdf_png(copy_nl, tmp_path / "cover", first_page_only=True)) == 1


def test_every_field_and_word_has_both_languages():
    for lang in T.LANGS:
        assert set(CLIENT_FIELDS) <= set(T.FIELDS[lang])
    for table in (T.WORDS, T.FIELDS, T.CONSENT_TYPES, T.GROUNDS, T.HOW, T.VIA, T.STATUS, T.ATTACHMENT_KINDS):
        assert set(table["nl"]) == set(table["en"])


def test_letter_reads_as_a_letter(tmp_path):
    letter = {"lang": "nl", "date": GENERATED, "practice": PRACTICE,
              "to": ["Thuiszorg Veenhoven B.V.", "t.a.v. mevrouw K. Mulder", "Postbus 12", "3500 AA Utrecht"],
              "subject": "Bezwaar van mevrouw Dijkstra bij de voortgangsrapportage",
              "paragraphs": ["Geachte mevrouw Mulder,",
                             "Mevrouw Dijkstra is het niet eens met een deel van de rapportage. Volgens de "
                             "beroepscode (CSR 6.1) stuur ik haar schriftelijke bezwaar ongewijzigd mee."],
              "quotes": [{"heading": "Bezwaar van mevrouw Dijkstra (ontvangen 20 november 2026)",
                          "text": "Ik werk inmiddels weer vijf dagdelen.\n\n#panic() blijft *gewoon* tekst."}],
              "signature": "Met vriendelijke groet,\n\nMarieke de Vries"}
    pdf = render_letter(letter)
    text = flat(pdf_text(pdf, tmp_path))
    assert text.startswith("Praktijk De Linde Marieke de Vries Oudegracht 112 3511 AX Utrecht")
    assert "Thuiszorg Veenhoven B.V. t.a.v. mevrouw K. Mulder Postbus 12 3500 AA Utrecht" in text
    assert "Utrecht, 23 november 2026" in text
    assert "Betreft: Bezwaar van mevrouw Dijkstra bij de voortgangsrapportage" in text
    assert "Geachte mevrouw Mulder, Mevrouw Dijkstra is het niet eens" in text
    assert ("Bezwaar van mevrouw Dijkstra (ontvangen 20 november 2026) Ik werk inmiddels weer vijf dagdelen. "
            "#panic() blijft *gewoon* tekst.") in text
    assert "Met vriendelijke groet, Marieke de Vries" in text
    assert "pagina 1 van 1" in text
    assert all(f["emb"] for f in pdf_fonts(pdf, tmp_path))
    english = flat(pdf_text(render_letter(dict(letter, lang="en"))))
    assert "Subject: Bezwaar" in english and "23 November 2026" in english and "page 1 of 1" in english
