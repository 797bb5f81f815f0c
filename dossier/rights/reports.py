"""Reports to the commissioner or the company doctor, logged as disclosures (CSR 6.1, 6.3,
9.4): refused without the client's consent, unless a legal rule lets the commissioner demand
the report; then the client's written objection goes along as a letter.
"""

from __future__ import annotations

from pathlib import Path

from dossier import paths
from dossier.errors import InvalidInput, Refused
from dossier.format import fields as F
from dossier.practice import get_practice
from dossier.records import consents as consent
from dossier.records.attachments import attach
from dossier.records.disclosures import check_disclosure, insert
from dossier.records.document import load_client
from dossier.records.statements import client_statements
from dossier.render import render_letter

REPORT_TO = {"commissioner": "commissioner-report", "company-doctor": "company-doctor"}


def _recipient(client: dict, to: str) -> str:
    if to == "company-doctor":
        return client["commissioner"]["company_doctor"] or "company doctor"
    org, contact = client["commissioner"]["organisation"], client["commissioner"]["contact"]
    return ", ".join(x for x in (org, contact) if x) or "commissioner"


def _objection(client: dict, practice: dict, objections: list[dict], to: str, out_dir: Path, lang: str,
               date: str) -> tuple[Path, bytes]:
    """The client's written objections as a letter that goes along with the report (CSR 6.1):
    where it is written, and the PDF."""
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
    path = out_dir / f"{'bezwaar' if nl else 'objection'}-{paths.slug(client['first_name'], client['last_name'])}-{date}.pdf"
    return path, render_letter(letter)


def check_report(to: str, legal_basis: str = "", date: str | None = None, lang: str = "nl") -> tuple[str, str, str]:
    """The consent type the report needs, the legal basis and the date, checked (no vault needed)."""
    ctype = REPORT_TO.get(to)
    if ctype is None:
        raise InvalidInput("--to", to, "must be one of: " + ", ".join(REPORT_TO))
    F.check_lang(lang)
    return ctype, F.check_text("--legal-basis", legal_basis).strip(), F.received_date(date, "--date")


def report(vault, client_id: str, to: str, file: Path, legal_basis: str = "", date: str | None = None,
           out_dir: Path | None = None, lang: str = "nl", overwrite: bool = False) -> dict:
    """Give a report to the commissioner (or company doctor) and log it as a disclosure.

    CSR 6.1: the client may block a report to the commissioner. Without a consent in force the
    report is refused, unless ``legal_basis`` names a legal rule that lets the commissioner
    demand it; then the client's written objections (statements about ``report``) go along, as
    a letter written to ``out_dir`` (default: the report's folder). The report itself is kept in
    the dossier as an attachment, so what was given can be shown later. All or nothing.
    """
    ctype, legal_basis, date = check_report(to, legal_basis, date, lang)
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
        attachment = attach(vault, client_id, file, "letter")
        letters = dict([_objection(client, get_practice(db), objections, to, Path(out_dir or file.parent), lang, date)]
                       if objections else [])
        with paths.all_or_nothing(letters, overwrite, make_folders=False):  # the letter stands or falls with the log
            what = f"report {file.name} (attachment {attachment[:8]})"
            if objections:
                what += f", with the client's written objection ({len(objections)})"
            d = check_disclosure(_recipient(client, to), what, ground, ctype if ground == "consent" else None,
                                 legal_basis=legal_basis, kind="report")
            did = insert(vault, client_id, d, date)
    return {"disclosure": did, "attachment": attachment, "ground": ground, "to": d["to"],
            "objections": len(objections), "objection_file": str(next(iter(letters))) if letters else None}
