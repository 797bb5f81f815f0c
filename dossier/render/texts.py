"""The words of the client-facing documents, in Dutch (the default) and English.

Plain language for people who are not technical (design.md, "Client-facing documents").
Text with ``{placeholders}`` is filled in by :mod:`dossier.render`; what is filled in stays
data and is never read as markup by the templates.
"""

from __future__ import annotations

LANGS = ("nl", "en")

MONTHS = {
    "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
           "oktober", "november", "december"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}

# Client field paths (dossier.records.fields.CLIENT_FIELDS) in words, also used to say what a
# correction or statement is about.
FIELDS = {
    "nl": {
        "first_name": "Voornaam", "last_name": "Achternaam", "birth_date": "Geboortedatum",
        "email": "E-mail", "phone": "Telefoon", "address": "Adres", "postcode": "Postcode",
        "city": "Woonplaats", "employer": "Werkgever", "job_title": "Functie",
        "background": "Achtergrond",
        "commissioner.organisation": "Organisatie", "commissioner.contact": "Contactpersoon",
        "commissioner.email": "E-mail", "commissioner.phone": "Telefoon",
        "commissioner.company_doctor": "Bedrijfsarts",
        "assignment.goal": "Doel", "assignment.started": "Begonnen op", "assignment.ended": "Afgerond op",
        "agreement.date": "Datum", "agreement.terms": "Wat is afgesproken",
        "agreement.code_handed_over": "Beroepscode",
        "agreement.complaints_procedure_explained": "Klachtenregeling",
        "persons": "Andere personen",
    },
    "en": {
        "first_name": "First name", "last_name": "Last name", "birth_date": "Date of birth",
        "email": "E-mail", "phone": "Phone", "address": "Address", "postcode": "Postcode",
        "city": "City", "employer": "Employer", "job_title": "Job title",
        "background": "Background",
        "commissioner.organisation": "Organisation", "commissioner.contact": "Contact person",
        "commissioner.email": "E-mail", "commissioner.phone": "Phone",
        "commissioner.company_doctor": "Company doctor",
        "assignment.goal": "Goal", "assignment.started": "Started on", "assignment.ended": "Ended on",
        "agreement.date": "Date", "agreement.terms": "What was agreed",
        "agreement.code_handed_over": "Code of conduct",
        "agreement.complaints_procedure_explained": "Complaints procedure",
        "persons": "Other people",
    },
}

# Where a field sits, so "Telefoon" of the commissioner reads as such when named elsewhere.
GROUP_NAMES = {
    "nl": {"commissioner": "opdrachtgever", "assignment": "opdracht", "agreement": "afspraken"},
    "en": {"commissioner": "commissioner", "assignment": "assignment", "agreement": "agreement"},
}

CONSENT_TYPES = {
    "nl": {
        "substitute": "inzage door een vervangend coach of opvolger",
        "email": "contact per e-mail",
        "phone": "contact per telefoon",
        "commissioner-report": "rapportage aan de opdrachtgever",
        "company-doctor": "contact met de bedrijfsarts",
        "teaching": "gebruik (geanonimiseerd) voor onderwijs of publicatie",
        "intervision": "bespreking (geanonimiseerd) in intervisie of supervisie",
    },
    "en": {
        "substitute": "access by a substitute coach or successor",
        "email": "contact by e-mail",
        "phone": "contact by phone",
        "commissioner-report": "reporting to the commissioner",
        "company-doctor": "contact with the company doctor",
        "teaching": "use (anonymised) for teaching or publication",
        "intervision": "discussion (anonymised) in peer review or supervision",
    },
}

HOW = {
    "nl": {"written": "schriftelijk", "email": "per e-mail", "verbal": "mondeling"},
    "en": {"written": "in writing", "email": "by e-mail", "verbal": "verbally"},
}

GROUNDS = {
    "nl": {"consent": "met uw toestemming", "legal": "wettelijke plicht",
           "danger": "doorbreking van de geheimhouding bij ernstig gevaar (CSR 6.5)",
           "court": "rechterlijke uitspraak",
           "without-consent": "overdracht zonder uw toestemming, om de vastgelegde reden (TB 2.28)"},
    "en": {"consent": "with your consent", "legal": "legal duty",
           "danger": "confidentiality set aside because of serious danger (CSR 6.5)",
           "court": "court order",
           "without-consent": "handed over without your consent, for the reason recorded (TB 2.28)"},
}

VIA = {
    "nl": {"email": "per e-mail", "phone": "per telefoon", "post": "per post", "in-person": "persoonlijk"},
    "en": {"email": "by e-mail", "phone": "by phone", "post": "by post", "in-person": "in person"},
}

DISCLOSURE_KINDS = {
    "nl": {"disclosure": "verstrekking", "report": "rapportage", "handover": "overdracht aan een opvolger"},
    "en": {"disclosure": "disclosure", "report": "report", "handover": "handover to a successor"},
}

ATTACHMENT_KINDS = {
    "nl": {"questionnaire": "vragenlijst", "hrv": "HRV-meting", "letter": "brief", "other": "overig document"},
    "en": {"questionnaire": "questionnaire", "hrv": "HRV measurement", "letter": "letter", "other": "other document"},
}

REQUEST_KINDS = {
    "nl": {"correction": "correctie", "copy": "afschrift"},
    "en": {"correction": "correction", "copy": "copy"},
}

STATUS = {
    "nl": {"open": "in behandeling", "granted": "toegekend", "declined": "afgewezen",
           "done": "afgehandeld", "withdrawn": "ingetrokken"},
    "en": {"open": "being handled", "granted": "granted", "declined": "declined",
           "done": "done", "withdrawn": "withdrawn"},
}

LANG_NAMES = {
    "nl": {"nl": "Nederlands", "en": "Engels"},
    "en": {"nl": "Dutch", "en": "English"},
}

WORDS = {
    "nl": {
        "page": "pagina", "of": "van", "yes": "ja", "no": "nee", "none": "—", "unknown": "onbekend",
        "toc": "Inhoud",
        "title": "Afschrift van uw dossier",
        "for": "voor {name}",
        "made": "Gemaakt op {date}",
        "by": "door {who}",
        "your_coach": "uw coach",
        "cover": [
            ("Wat is dit?",
             ["Dit is een afschrift van alles wat {coach} over u bewaart: uw gegevens, de afspraken over "
              "het traject, de aantekeningen en bevindingen van elk gesprek, de uitkomsten van "
              "vragenlijsten en metingen, en aan wie iets is verstrekt. U hebt daar recht op volgens de "
              "beroepscode (CSR 5.1-5.4) en de privacywet (AVG, artikel 15)."]),
            ("Klopt er iets niet?",
             ["Staat er iets in dat niet klopt, dat onvolledig is of dat er niet in hoort? Dan kunt u "
              "vragen om het te verbeteren, aan te vullen of te verwijderen.",
              "De bevindingen van de coach zijn de eigen conclusies van uw coach; die worden niet "
              "veranderd. U mag er wel uw eigen visie naast zetten. Die schriftelijke toelichting "
              "komt in uw dossier en staat in elk volgend afschrift. Uw verzoeken en toelichtingen "
              "staan in dit afschrift direct bij het onderdeel waar ze over gaan."]),
            ("Dossier laten vernietigen",
             ["U kunt ook schriftelijk vragen om uw dossier te vernietigen. Dat gebeurt binnen vier "
              "weken na uw verzoek, tenzij de wet voorschrijft dat gegevens langer bewaard blijven."]),
        ],
        "contact_heading": "Contact",
        "contact": "Voor een verzoek of een vraag kunt u terecht bij:",
        "contact_none": "Voor een verzoek of een vraag kunt u terecht bij uw coach.",
        "anonymised": "Namen van andere mensen zijn in dit afschrift vervangen door hun relatie tot u.",
        "details": "Uw gegevens", "personal": "Persoonsgegevens", "background": "Achtergrond",
        "commissioner": "Opdrachtgever",
        "commissioner_none": "Er is geen opdrachtgever vastgelegd.",
        "persons": "Andere personen die u noemde",
        "persons_none": "Er zijn geen andere personen vastgelegd.",
        "name": "Naam", "relation": "Relatie tot u",
        "assignment_agreement": "Opdracht en afspraken", "assignment": "Opdracht", "agreement": "Afspraken",
        "code_yes": "U hebt de beroepscode ontvangen.",
        "code_no": "In het dossier staat niet dat u de beroepscode hebt ontvangen.",
        "complaints_yes": "De klachtenregeling is aan u uitgelegd.",
        "complaints_no": "In het dossier staat niet dat de klachtenregeling aan u is uitgelegd.",
        "sessions": "Gesprekken", "sessions_none": "Er zijn geen gesprekken vastgelegd.",
        "session": "Gesprek van {date}",
        "duration": "Duur: {min} minuten", "notes": "Aantekeningen", "notes_none": "Geen aantekeningen.",
        "findings": "Bevindingen van de coach",
        "findings_hint": "Dit zijn de conclusies van uw coach; u kunt hier uw eigen visie naast laten zetten.",
        "results": "Vragenlijsten en metingen",
        "results_none": "Er zijn geen vragenlijsten of metingen vastgelegd.",
        "questionnaire": "Vragenlijst {name}", "measurement": "Meting {name}",
        "result_name": "Onderdeel", "result_value": "Uitkomst", "results_empty": "Geen uitkomsten vastgelegd.",
        "not_filled": "niet ingevuld",
        "attachments": "Bijlagen", "attachments_none": "Er zijn geen bijlagen.",
        "file": "Bestand", "kind": "Soort", "added": "Toegevoegd", "size": "Grootte",
        "general": "Uw eigen toelichting op het dossier",
        "general_none": "Er is geen toelichting van u op het dossier als geheel.",
        "requests": "Uw verzoeken", "requests_none": "U hebt geen verzoeken gedaan.",
        "request": "Verzoek", "received": "Ontvangen", "deadline": "Antwoord uiterlijk", "status": "Stand",
        "closed": "Afgehandeld",
        "consents": "Uw toestemmingen", "consents_none": "U hebt geen toestemmingen gegeven.",
        "consent_for": "Waarvoor", "how": "Hoe", "granted": "Gegeven", "withdrawn": "Ingetrokken",
        "scope": "Reikwijdte",
        "disclosures": "Aan wie is wat verstrekt",
        "disclosures_none": "Er is niets aan anderen verstrekt.",
        "disclosure": "{date}: aan {to}",
        "what": "Wat", "ground": "Grond", "consent_type": "Toestemming voor", "legal_basis": "Wettelijke grond",
        "justification": "Afweging", "via": "Hoe", "informed": "U bent geïnformeerd", "type": "Soort",
        "copies": "Eerdere afschriften", "copies_none": "Er zijn niet eerder afschriften verstrekt.",
        "destruction": "Vernietiging en blokkade",
        "destruction_request": "Uw schriftelijke verzoek om uw dossier te vernietigen is ontvangen op {received}; "
                               "het wordt uiterlijk {deadline} uitgevoerd (beroepscode CSR 5.4).",
        "hold": "Uw dossier wordt sinds {placed} bewaard en niet vernietigd, omdat: {reason}.",
        "hold_released": "Van {placed} tot {released} werd uw dossier bewaard en niet vernietigd, omdat: {reason}.",
        "date": "Datum", "to": "Aan", "contents": "Inhoud", "lang": "Taal",
        # Corrections and statements beside their item (CSR 5.2, 5.3).
        "correction": "Uw verzoek om correctie: {about}",
        "asked": "Gevraagde wijziging", "reason": "Uw reden", "decision": "Besluit",
        "was": "Was", "now": "Is nu", "decline_reason": "Reden van afwijzing", "note": "Toelichting",
        "decided": "{status} op {date}",
        "statement": "Uw eigen toelichting (ontvangen {date})",
        "about": "Over: {about}",
        "whole": "het dossier als geheel",
        "report": "rapportage aan de opdrachtgever (uw bezwaar)",
        "session_part": {"notes": "aantekeningen bij het gesprek van {date}",
                         "findings": "bevindingen bij het gesprek van {date}",
                         "date": "datum van het gesprek van {date}",
                         "duration_min": "duur van het gesprek van {date}"},
        "session_about": "gesprek van {date}",
        "questionnaire_about": "vragenlijst {name} van {date}",
        "measurement_about": "meting {name} van {date}",
        "attachment_about": "bijlage {name}",
        "request_about": "uw verzoek van {date}",
        "gone": "een onderdeel dat niet meer in het dossier staat ({item})",
        "copy_request": "uw verzoek om een afschrift",
        "in_group": "{field} ({group})",
        "size_units": ("bytes", "kB", "MB", "GB"),
        "decimal": ",",
        # Letters.
        "subject": "Betreft",
    },
    "en": {
        "page": "page", "of": "of", "yes": "yes", "no": "no", "none": "—", "unknown": "unknown",
        "toc": "Contents",
        "title": "Copy of your file",
        "for": "for {name}",
        "made": "Made on {date}",
        "by": "by {who}",
        "your_coach": "your coach",
        "cover": [
            ("What is this?",
             ["This is a copy of everything {coach} keeps about you: your details, what was agreed "
              "about the coaching, the notes and findings of each session, the results of "
              "questionnaires and measurements, and to whom anything was given. You are entitled to "
              "it under the code of conduct (CSR 5.1-5.4) and the data protection law (GDPR, "
              "Article 15)."]),
            ("Is something wrong?",
             ["If something in it is wrong, incomplete or does not belong there, you may ask to have "
              "it corrected, completed or removed.",
              "The coach's findings are your coach's own conclusions; they are not changed. You may "
              "add your own view beside them. That written statement is kept in your file and "
              "included in every later copy. Your requests and statements appear in this copy right "
              "beside the part they are about."]),
            ("Having your file destroyed",
             ["You may also ask in writing to have your file destroyed. This is done within four weeks "
              "of your request, unless the law requires that data is kept longer."]),
        ],
        "contact_heading": "Contact",
        "contact": "For a request or a question, please contact:",
        "contact_none": "For a request or a question, please contact your coach.",
        "anonymised": "Names of other people have been replaced in this copy by their relation to you.",
        "details": "Your details", "personal": "Personal data", "background": "Background",
        "commissioner": "Commissioner",
        "commissioner_none": "No commissioner is recorded.",
        "persons": "Other people you mentioned",
        "persons_none": "No other people are recorded.",
        "name": "Name", "relation": "Relation to you",
        "assignment_agreement": "Assignment and agreement", "assignment": "Assignment",
        "agreement": "Agreement",
        "code_yes": "You received the code of conduct.",
        "code_no": "The file does not say that you received the code of conduct.",
        "complaints_yes": "The complaints procedure was explained to you.",
        "complaints_no": "The file does not say that the complaints procedure was explained to you.",
        "sessions": "Sessions", "sessions_none": "No sessions are recorded.",
        "session": "Session of {date}",
        "duration": "Duration: {min} minutes", "notes": "Notes", "notes_none": "No notes.",
        "findings": "The coach's findings",
        "findings_hint": "These are your coach's conclusions; you may have your own view added beside them.",
        "results": "Questionnaires and measurements",
        "results_none": "No questionnaires or measurements are recorded.",
        "questionnaire": "Questionnaire {name}", "measurement": "Measurement {name}",
        "result_name": "Item", "result_value": "Result", "results_empty": "No results recorded.",
        "not_filled": "not filled in",
        "attachments": "Attachments", "attachments_none": "There are no attachments.",
        "file": "File", "kind": "Kind", "added": "Added", "size": "Size",
        "general": "Your own statements about the file",
        "general_none": "There is no statement of yours about the file as a whole.",
        "requests": "Your requests", "requests_none": "You have made no requests.",
        "request": "Request", "received": "Received", "deadline": "Answer by", "status": "Status",
        "closed": "Closed",
        "consents": "Your consents", "consents_none": "You have given no consents.",
        "consent_for": "For", "how": "How", "granted": "Given", "withdrawn": "Withdrawn",
        "scope": "Scope",
        "disclosures": "What was given to whom",
        "disclosures_none": "Nothing was given to others.",
        "disclosure": "{date}: to {to}",
        "what": "What", "ground": "Ground", "consent_type": "Consent for", "legal_basis": "Legal basis",
        "justification": "Reasoning", "via": "How", "informed": "You were informed", "type": "Kind",
        "copies": "Earlier copies", "copies_none": "No copies were given before.",
        "destruction": "Destruction and holds",
        "destruction_request": "Your written request to destroy your file was received on {received}; it will be "
                               "carried out by {deadline} at the latest (code of conduct CSR 5.4).",
        "hold": "Since {placed} your file is kept and not destroyed, because: {reason}.",
        "hold_released": "From {placed} to {released} your file was kept and not destroyed, because: {reason}.",
        "date": "Date", "to": "To", "contents": "Contents", "lang": "Language",
        "correction": "Your request for correction: {about}",
        "asked": "Change asked for", "reason": "Your reason", "decision": "Decision",
        "was": "Was", "now": "Now", "decline_reason": "Reason for declining", "note": "Note",
        "decided": "{status} on {date}",
        "statement": "Your own statement (received {date})",
        "about": "About: {about}",
        "whole": "the file as a whole",
        "report": "reporting to the commissioner (your objection)",
        "session_part": {"notes": "notes of the session of {date}",
                         "findings": "findings of the session of {date}",
                         "date": "date of the session of {date}",
                         "duration_min": "duration of the session of {date}"},
        "session_about": "session of {date}",
        "questionnaire_about": "questionnaire {name} of {date}",
        "measurement_about": "measurement {name} of {date}",
        "attachment_about": "attachment {name}",
        "request_about": "your request of {date}",
        "gone": "a part that is no longer in the file ({item})",
        "copy_request": "your request for a copy",
        "in_group": "{field} ({group})",
        "size_units": ("bytes", "kB", "MB", "GB"),
        "decimal": ".",
        "subject": "Subject",
    },
}

# The cover of a dossier's PDF in a handover bundle (TB 2.28): for the colleague who takes
# over, not for the client; the body is the same as the client's copy.
HANDOVER = {
    "nl": {
        "title": "Overgedragen dossier",
        "for": "van {name}",
        "made": "Overgedragen op {date}",
        "by": "door {who} aan {to}",
        "cover": [
            ("Wat is dit?",
             ["Dit is het volledige dossier van {name}, zoals {coach} het bewaarde, overgedragen aan {to} "
              "({reason}; Gedragscode TB 2.28). De aantekeningen en bevindingen zijn die van {coach}. "
              "De teksten in het dossier spreken de cliënt aan, zoals in een afschrift voor de cliënt."]),
            ("De rechten van de cliënt",
             ["De cliënt houdt bij u dezelfde rechten: inzage en een afschrift, correctie en een eigen "
              "toelichting, en vernietiging binnen vier weken na een schriftelijk verzoek (CSR 5.1-5.4). "
              "Wat aan wie is verstrekt, en de toestemmingen van de cliënt, staan achterin."]),
        ],
        "contact_heading": "Contact met de vorige coach",
        "contact": "Voor een vraag over dit dossier:",
        "contact_none": "Er zijn geen contactgegevens van de vorige coach vastgelegd.",
    },
    "en": {
        "title": "File handed over",
        "for": "of {name}",
        "made": "Handed over on {date}",
        "by": "by {who} to {to}",
        "cover": [
            ("What is this?",
             ["This is the whole file of {name}, as {coach} kept it, handed over to {to} ({reason}; code of "
              "conduct TB 2.28). The notes and findings are those of {coach}. The texts in the file address "
              "the client, as in a copy for the client."]),
            ("The client's rights",
             ["The client keeps the same rights with you: inspection and a copy, correction and a statement "
              "of their own, and destruction within four weeks of a written request (CSR 5.1-5.4). What was "
              "given to whom, and the client's consents, are at the end."]),
        ],
        "contact_heading": "Contact with the previous coach",
        "contact": "For a question about this file:",
        "contact_none": "No contact details of the previous coach are recorded.",
    },
}
