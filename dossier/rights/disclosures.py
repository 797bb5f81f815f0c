"""The disclosure log and reports to the commissioner (CSR 6.1, 6.3-6.5, 9.4).

Every time data from a dossier goes to someone other than the client, one entry records the
date, the recipient, what was given and on which ground: the client's consent (checked
against the register), a legal duty, a court order, or, as the last means against direct
danger, a breach of confidentiality with its justification and whether the client was told.
"""

from __future__ import annotations

from pathlib import Path

from dossier.errors import InvalidInput, Refused, UsageError
from dossier.records import fields as F
from dossier.records.clients import get_summary, new_id
from dossier.rights import consent
from dossier.rights.requests import received_date

# "without-consent": only a handover, when the coach hands a client over without the client's
# substitute-coach consent and records why (CSR 2.5 against TB 2.28).
GROUNDS = ("consent", "legal", "danger", "court", "without-consent")
KINDS = ("disclosure", "report", "handover")
# A recipient named by one of these words implies the consent type that covers it.
RECIPIENT_CONSENT = {"commissioner": "commissioner-report", "opdrachtgever": "commissioner-report",
                     "company-doctor": "company-doctor", "bedrijfsarts": "company-doctor",
                     "substitute": "substitute", "successor": "substitute"}
REPORT_TO = {"commissioner": "commissioner-report", "company-doctor": "company-doctor"}
COLUMNS = ("id", "date", "recipient", "what", "ground", "consent", "informed", "legal_basis", "justification", "kind")
CANONICAL = ("id", "date", "to", "what", "ground", "consent", "informed", "legal_basis", "justification", "kind")


def _row(row) -> dict:
    d = dict(zip(CANONICAL, row))
    d["informed"] = None if d["informed"] is None else bool(d["informed"])
    return d


def check_disclosure(to, what, ground, consent_type=None, informed=None, legal_basis="", justification="",
                     kind="disclosure") -> dict:
    """The rules of a disclosure that need no vault: the ground and what each ground requires."""
    d = {"to": F.check_line("--to", to, required=True), "what": F.check_text("--what", what).strip(),
         "ground": F.check_enum("--ground", ground, GROUNDS), "kind": F.check_enum("kind", kind, KINDS),
         "legal_basis": F.check_text("--legal-basis", legal_basis).strip(),
         "justification": F.check_text("--justification", justification).strip(),
         "informed": None if informed is None else F.check_bool("--informed", informed), "consent": None}
    if not d["what"]:
        raise InvalidInput("--what", what, "must not be empty: say what was given")
    if ground == "consent":
        ctype = consent_type or RECIPIENT_CONSENT.get(d["to"].lower())
        if not ctype:
            raise UsageError("--ground consent needs --consent TYPE: which of the client's consents covers this?",
                             "types: " + ", ".join(consent.TYPES))
        d["consent"] = consent.check_type(ctype, "--consent")
    elif consent_type:
        raise UsageError("--consent goes only with --ground consent")
    if ground == "danger" and (not d["justification"] or d["informed"] is None):
        raise UsageError("--ground danger needs --justification TEXT and --informed yes|no: secrecy is broken "
                         "only as the last means, no further than needed, and the client is told (CSR 6.5)")
    if ground == "without-consent" and (kind != "handover" or not d["justification"]):
        raise UsageError("--ground without-consent is only for a handover, with its reason recorded "
                         "(dossier handover create --without-consent-reason TEXT)")
    if ground in ("legal", "court") and not d["legal_basis"]:
        raise UsageError(f"--ground {ground} needs --legal-basis TEXT: the rule or the court order that demands it")
    return d


def _insert(vault, client_id: str, d: dict, date: str) -> str:
    from dossier.vault import now

    did = new_id()
    vault.db.execute("INSERT INTO disclosures (id, client_id, date, recipient, what, ground, consent, informed, "
                     "legal_basis, justification, kind, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (did, client_id, date, d["to"], d["what"], d["ground"], d["consent"],
                      None if d["informed"] is None else int(d["informed"]), d["legal_basis"], d["justification"],
                      d["kind"], now()))
    vault.log(f"{d['kind']}.add", client_id, detail=f"{d['kind']} {did}, ground {d['ground']}")
    return did


def _require_consent(db, client_id: str, ctype: str, date: str) -> None:
    if consent.current(db, client_id, ctype, date) is None:
        raise Refused(f"no {ctype} consent of this client was in force on {date} (CSR 6.3, 9.4)",
                      f"record it once given: dossier consent grant CLIENT --type {ctype} --how written")


def disclose(vault, client_id: str, to: str, what: str, ground: str, *, consent_type: str | None = None,
             informed=None, legal_basis: str = "", justification: str = "", date: str | None = None) -> str:
    """Log a disclosure; on the ground of consent, a consent of the matching type must be in force."""
    d = check_disclosure(to, what, ground, consent_type, informed, legal_basis, justification)
    date = received_date(date, "--date")
    with vault.write():
        get_summary(vault.db, client_id)
        if ground == "consent":
            _require_consent(vault.db, client_id, d["consent"], date)
        return _insert(vault, client_id, d, date)


def client_disclosures(db, client_id: str) -> list[dict]:
    cols = ", ".join(COLUMNS)
    return [_row(r) for r in db.all(f"SELECT {cols} FROM disclosures WHERE client_id = ? ORDER BY date, n",
                                    (client_id,))]


def recipients_before(db, client_id: str, date: str) -> list[dict]:
    """Who received data of this client up to ``date``: to be told of a correction (GDPR Art. 19)."""
    rows = db.all("SELECT recipient, min(date), max(date), group_concat(what, '; ') FROM disclosures "
                  "WHERE client_id = ? AND date <= ? GROUP BY recipient ORDER BY min(date)", (client_id, date))
    return [{"to": r[0], "first": r[1], "last": r[2], "what": r[3]} for r in rows]


def _recipient(client: dict, to: str) -> str:
    if to == "company-doctor":
        return client["commissioner"]["company_doctor"] or "company doctor"
    org, contact = client["commissioner"]["organisation"], client["commissioner"]["contact"]
    return ", ".join(x for x in (org, contact) if x) or "commissioner"


def _write_objection(client: dict, practice: dict, objections: list[dict], to: str, out_dir: Path, lang: str,
                     date: str, overwrite: bool) -> Path:
    """The client's written objections as a letter that goes along with the report (CSR 6.1)."""
    from dossier import paths
    from dossier.render import render_letter
    from dossier.rights.copies import slug

    name = f"{client['first_name']} {client['last_name']}"
    nl = lang == "nl"
    letter = {
        "lang": lang, "date": date, "practice": practice, "to": [_recipient(client, to)],
        "subject": (f"Schriftelijk bezwaar van {name} tegen deze rapportage" if nl
                    else f"Written objection of {name} to this report"),
        "paragraphs": [
            ("Bij deze rapportage voeg ik, zoals de beroepscode voorschrijft (CSR 6.1), het schriftelijke bezwaar "
             f"van mijn cliënt {name}. De cliënt heeft de rapportage geblokkeerd; ik rapporteer omdat een wettelijke "
             "regeling u de bevoegdheid geeft de rapportage te eisen." if nl else
             "As the code of conduct requires (CSR 6.1), I enclose with this report the written objection of my "
             f"client {name}. The client blocked the report; I report because a legal rule gives you the power "
             "to demand it."),
        ],
        "quotes": [{"heading": (f"Bezwaar, ontvangen {s['received']}" if nl else f"Objection, received {s['received']}"),
                    "text": s["text"]} for s in objections],
        "signature": practice["coach"],
    }
    out_dir = Path(out_dir)
    path = out_dir / f"{'bezwaar' if nl else 'objection'}-{slug(client['first_name'], client['last_name'])}-{date}.pdf"
    paths.write_private_file(path, render_letter(letter), overwrite=overwrite)
    return path


def report(vault, client_id: str, to: str, file: Path, legal_basis: str = "", date: str | None = None,
           out_dir: Path | None = None, lang: str = "nl", overwrite: bool = False) -> dict:
    """Give a report to the commissioner (or company doctor) and log it as a disclosure.

    CSR 6.1: the client may block a report to the commissioner. Without a consent in force the
    report is refused, unless ``legal_basis`` names a legal rule that lets the commissioner
    demand it; then the client's written objections (statements about ``report``) go along, as
    a letter written to ``out_dir`` (default: the report's folder). The report itself is kept in
    the dossier as an attachment, so what was given can be shown later. All or nothing.
    """
    from dossier.practice import get_practice
    from dossier.records.attachments import attach
    from dossier.records.clients import load_client
    from dossier.rights.statements import client_statements

    ctype = REPORT_TO.get(to)
    if ctype is None:
        raise InvalidInput("--to", to, "must be one of: " + ", ".join(REPORT_TO))
    if lang not in ("nl", "en"):
        raise InvalidInput("--lang", lang, "must be one of: nl, en")
    legal_basis = F.check_text("--legal-basis", legal_basis).strip()
    date = received_date(date, "--date")
    file = Path(file)
    with vault.write():
        db = vault.db
        client = load_client(db, client_id, with_attachment_content=False)
        objections: list[dict] = []
        if consent.current(db, client_id, ctype, date) is not None:
            ground = "consent"
        else:
            history = consent.client_consents(db, client_id, ctype)
            if history and history[-1]["withdrawn"]:
                why = f"the client blocked it on {history[-1]['withdrawn']} (CSR 6.1)"
            else:
                why = f"the client has not consented to it (no {ctype} consent; CSR 6.1, 6.3)"
            if not legal_basis:
                raise Refused(f"no report to the {to}: {why}",
                              "only a legal rule that lets the commissioner demand the report overrides this: "
                              "--legal-basis TEXT (the client's written objection then goes along)")
            ground = "legal"
            objections = client_statements(db, client_id, "report")
        written = None
        try:
            attachment = attach(vault, client_id, file, "letter")
            if objections:
                written = _write_objection(client, get_practice(db), objections, to, out_dir or file.parent, lang,
                                           date, overwrite)
            what = f"report {file.name} (attachment {attachment[:8]})"
            if objections:
                what += f", with the client's written objection ({len(objections)})"
            d = check_disclosure(_recipient(client, to), what, ground, ctype if ground == "consent" else None,
                                 legal_basis=legal_basis, kind="report")
            did = _insert(vault, client_id, d, date)
        except BaseException:
            if written:
                written.unlink(missing_ok=True)
            raise
    return {"disclosure": did, "attachment": attachment, "ground": ground, "to": d["to"],
            "objections": len(objections), "objection_file": str(written) if written else None}
