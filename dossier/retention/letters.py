"""The letter that confirms a destruction to the client (CSR 5.4): what was destroyed and when,
never any content of the dossier."""

from __future__ import annotations

from dossier.render import long_date

# A word for every table that holds a client's rows (test_destroy checks it against the schema).
WHAT = {"nl": {"sessions": "gesprekken met aantekeningen en bevindingen", "questionnaires": "vragenlijsten",
                "measurements": "metingen", "attachments": "bijlagen", "persons": "genoemde personen",
                "requests": "verzoeken", "statements": "eigen toelichtingen", "consents": "toestemmingen",
                "disclosures": "verstrekkingen", "copies": "verstrekte afschriften", "holds": "blokkades",
                "provenance": "gegevens over de overdracht van uw dossier",
                "pseudonyms": "vervangende namen in geanonimiseerde casussen"},
         "en": {"sessions": "sessions with notes and findings", "questionnaires": "questionnaires",
                "measurements": "measurements", "attachments": "attachments", "persons": "persons named",
                "requests": "requests", "statements": "statements of your own", "consents": "consents",
                "disclosures": "disclosures", "copies": "copies given", "holds": "holds",
                "provenance": "records of how your file was handed over",
                "pseudonyms": "placeholders used in anonymised cases"}}


def letter_for(db, p: dict, practice: dict, lang: str, date: str) -> dict:
    """A confirmation letter for the client: what was destroyed and when, no dossier content."""
    c = db.one("SELECT first_name, last_name, address, postcode, city FROM clients WHERE id = ?", (p["client_id"],))
    first, last, address, postcode, city = c
    kinds = [f"{WHAT[lang][t]} ({n})" for t, n in p["counts"].items() if n and t != "holds"]
    nl = lang == "nl"
    req = p["request"] and {**p["request"], "received": long_date(p["request"]["received"], lang)}
    on = long_date(date, lang)
    if req:
        asked = (f"zoals u op {req['received']} schriftelijk hebt gevraagd" if nl
                 else f"as you asked in writing on {req['received']}")
    elif p["basis"] == "retention":
        asked = ("omdat de bewaartermijn na het afsluiten van uw traject is verstreken" if nl
                 else "because the retention period after the end of your coaching has passed")
    else:
        asked = ""
    paragraphs = [
        (f"Op {on} heb ik uw dossier vernietigd{', ' + asked if asked else ''} (beroepscode CSR 5.4)." if nl else
         f"On {on} I destroyed your file{', ' + asked if asked else ''} (code of conduct CSR 5.4)."),
        ("Vernietigd zijn uw persoonsgegevens, de opdracht en de afspraken" + (", en: " + ", ".join(kinds) if kinds
                                                                               else "") + "." if nl else
         "Destroyed are your personal data, the assignment and the agreement" + (", and: " + ", ".join(kinds) if kinds
                                                                                 else "") + "."),
        ("Ze zijn ook gewist uit de back-ups die ik beheer, en de sleutel waarmee de oude gegevens waren versleuteld "
         "bestaat niet meer." if nl else
         "They were also erased from the backups I keep, and the key the old data was encrypted with no longer exists."),
        (("Bewaard blijft alleen uw verzoek (uw naam en de data van verzoek en vernietiging), als bewijs dat het is "
          "uitgevoerd." if req else "Bewaard blijft alleen een kenmerk en de datum van vernietiging, zonder uw naam.")
         if nl else
         ("Only your request is kept (your name and the dates of request and destruction), as proof that it was "
          "carried out." if req else "Only a reference number and the date of destruction are kept, without your name.")),
    ]
    return {"lang": lang, "date": date, "practice": practice,
            "to": [f"{first} {last}", address, " ".join(x for x in (postcode, city) if x)],
            "subject": "Bevestiging: uw dossier is vernietigd" if nl else "Confirmation: your file has been destroyed",
            "paragraphs": paragraphs, "quotes": [], "signature": practice.get("coach", "")}


DONE_PARAGRAPH = 2  # of letter_for's paragraphs: the one on the backups and the key
PENDING_TEXT = {
    "nl": {"backups": "uit een back-up die nu niet bereikbaar is, worden ze gewist zodra ik die weer aansluit",
           "rekey": "de sleutel waarmee de oude gegevens waren versleuteld, wordt nog vervangen",
           "files": "een bijgevoegd bestand wordt nog overschreven (het is zonder de gewiste sleutel niet te lezen)",
           "ledger": "de aantekening buiten het dossier dat uw dossier vernietigd is, wordt nog bijgewerkt"},
    "en": {"backups": "they will be erased from a backup that cannot be reached now as soon as I connect it",
           "rekey": "the key the old data was encrypted with is still to be replaced",
           "files": "an attached file is still to be overwritten (it cannot be read without its erased key)",
           "ledger": "the note outside the file that your file was destroyed is still to be updated"},
}


def with_pending(letter: dict, steps: list[str]) -> dict:
    """The letter when steps of the destruction are still pending (a backup out of reach): the
    paragraph on the backups and the key says what was done and what is still to be done,
    nothing more (CSR 5.4)."""
    nl = letter["lang"] == "nl"
    left = [PENDING_TEXT[letter["lang"]][s] for s in steps if s in PENDING_TEXT[letter["lang"]]]
    done = []
    if "backups" not in steps:
        done.append("ze zijn gewist uit de back-ups die ik beheer" if nl else "they were erased from the backups I keep")
    if "rekey" not in steps:
        done.append("de sleutel waarmee de oude gegevens waren versleuteld, bestaat niet meer" if nl
                    else "the key the old data was encrypted with no longer exists")
    text = "; ".join(done + left)
    text = (("Nog niet alles is afgerond: " if nl else "Not everything is finished yet: ") + text[:1].lower() +
            text[1:] + (". Ik laat het u weten als ook dat gedaan is." if nl else ". I will let you know when that is done too."))
    paragraphs = list(letter["paragraphs"])
    paragraphs[DONE_PARAGRAPH] = text
    return {**letter, "paragraphs": paragraphs}
