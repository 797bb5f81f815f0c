"""The disclosure log (CSR 6.1, 6.3-6.5, 9.4); reports to the commissioner are rights/reports.py.

Every time data from a dossier goes to someone other than the client, one entry records the
date, the recipient, what was given and on which ground: the client's consent (checked
against the register), a legal duty, a court order, or, as the last means against direct
danger, a breach of confidentiality with its justification and whether the client was told.
"""

from __future__ import annotations

from dossier import clock
from dossier.errors import InvalidInput, Refused, UsageError
from dossier.format import fields as F
from dossier.format.ids import new_id
from dossier.format.sections import list_section
from dossier.records import consents as consent
from dossier.records.clients import get_summary

# "without-consent": only a handover, when the coach hands a client over without the client's
# substitute-coach consent and records why (CSR 2.5 against TB 2.28).
GROUNDS = ("consent", "legal", "danger", "court", "without-consent")
KINDS = ("disclosure", "report", "handover")
# A recipient named by one of these words implies the consent type that covers it.
RECIPIENT_CONSENT = {"commissioner": "commissioner-report", "opdrachtgever": "commissioner-report",
                     "company-doctor": "company-doctor", "bedrijfsarts": "company-doctor",
                     "substitute": "substitute", "successor": "substitute"}
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


def insert(vault, client_id: str, d: dict, date: str) -> str:
    """Store a checked disclosure (inside a write) and log it."""
    did = new_id()
    vault.db.execute("INSERT INTO disclosures (id, client_id, date, recipient, what, ground, consent, informed, "
                     "legal_basis, justification, kind, created) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (did, client_id, date, d["to"], d["what"], d["ground"], d["consent"],
                      None if d["informed"] is None else int(d["informed"]), d["legal_basis"], d["justification"],
                      d["kind"], clock.now()))
    vault.log(f"{d['kind']}.add", client_id, detail=f"{d['kind']} {did}, ground {d['ground']}")
    return did


def require_consent(db, client_id: str, ctype: str, date: str) -> None:
    if consent.current(db, client_id, ctype, date) is None:
        raise Refused(f"no {ctype} consent of this client was in force on {date} (CSR 6.3, 9.4)",
                      f"record it once given: dossier consent grant CLIENT --type {ctype} --how written")


def disclose(vault, client_id: str, to: str, what: str, ground: str, *, consent_type: str | None = None,
             informed=None, legal_basis: str = "", justification: str = "", date: str | None = None) -> str:
    """Log a disclosure; on the ground of consent, a consent of the matching type must be in force."""
    d = check_disclosure(to, what, ground, consent_type, informed, legal_basis, justification)
    date = F.received_date(date, "--date")
    with vault.write():
        get_summary(vault.db, client_id)
        if ground == "consent":
            require_consent(vault.db, client_id, d["consent"], date)
        return insert(vault, client_id, d, date)


def client_disclosures(db, client_id: str) -> list[dict]:
    cols = ", ".join(COLUMNS)
    return [_row(r) for r in db.all(f"SELECT {cols} FROM disclosures WHERE client_id = ? ORDER BY date, n",
                                    (client_id,))]


def recipients_before(db, client_id: str, date: str) -> list[dict]:
    """Who received data of this client up to ``date``: to be told of a correction (GDPR Art. 19)."""
    rows = db.all("SELECT recipient, min(date), max(date), group_concat(what, '; ') FROM disclosures "
                  "WHERE client_id = ? AND date <= ? GROUP BY recipient ORDER BY min(date)", (client_id, date))
    return [{"to": r[0], "first": r[1], "last": r[2], "what": r[3]} for r in rows]


def _check(d: dict, w: str, ids) -> dict:
    ground = F.check_enum(f"{w}ground", d.get("ground"), GROUNDS)
    ctype = d.get("consent")
    return {"date": F.check_date(f"{w}date", d.get("date"), required=True),
            "to": F.check_line(f"{w}to", d.get("to"), required=True),
            "what": F.check_text(f"{w}what", d.get("what")),
            "ground": ground,
            "consent": None if ctype is None else consent.check_type(ctype, f"{w}consent"),
            "informed": None if d.get("informed") is None else F.check_bool(f"{w}informed", d.get("informed")),
            "legal_basis": F.check_text(f"{w}legal_basis", d.get("legal_basis")),
            "justification": F.check_text(f"{w}justification", d.get("justification")),
            "kind": F.check_enum(f"{w}kind", d.get("kind", "disclosure"), KINDS)}


SECTION = list_section("disclosures", CANONICAL, _check, client_disclosures,
                       column=lambda field: "recipient" if field == "to" else field)
