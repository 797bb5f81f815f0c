"""Consent, disclosures and reports (CSR 2.5, 6.1, 6.3-6.5, 6.8, 9.4; TB 2.16)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dossier.cli import output
from dossier.cli.unlock import opened

TYPES = "substitute, email, phone, commissioner-report, company-doctor, teaching, intervision"
consent_app = typer.Typer(help="The consent register with its history (CSR 2.5, 6.3, 6.8; TB 2.16).",
                          no_args_is_help=True)


@consent_app.command("grant")
def grant(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    type_: str = typer.Option(..., "--type", help=TYPES + "."),
    how: str = typer.Option("", "--how", help="written, email or verbal (teaching: written only, CSR 6.8)."),
    scope: str = typer.Option("", "--scope", help="What it covers."),
    date: Optional[str] = typer.Option(None, "--date", help="When it was given; YYYY-MM-DD, default today."),
):
    """Record a consent the client gave."""
    from dossier.records.clients import resolve
    from dossier.records.consents import check_grant, grant

    check_grant(type_, how, scope, date)  # before the passphrase is asked
    with opened(ctx) as vault:
        grant(vault, resolve(vault.db, client), type_, how, scope, date)
    output.ok(f"{type_} consent recorded")


@consent_app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    type_: str = typer.Option(..., "--type", help=TYPES + "."),
    date: Optional[str] = typer.Option(None, "--date", help="When it was withdrawn; YYYY-MM-DD, default today."),
):
    """Record that the client withdrew a consent (kept in the history)."""
    from dossier.format import fields as F
    from dossier.records.clients import resolve
    from dossier.records.consents import check_type, withdraw

    check_type(type_), F.received_date(date, "--date")  # before the passphrase is asked
    with opened(ctx) as vault:
        withdraw(vault, resolve(vault.db, client), type_, date)
    output.ok(f"{type_} consent withdrawn")


@consent_app.command("list")
def list_(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    type_: Optional[str] = typer.Option(None, "--type", help="Only this type."),
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts (with 'current')."),
):
    """The client's consents, oldest first; 'current' is what later commands check."""
    from dossier.records.clients import resolve
    from dossier.records.consents import client_consents

    with opened(ctx) as vault:
        rows = client_consents(vault.db, resolve(vault.db, client), type_, with_current=True)
    if json_:
        return output.emit_json(rows)
    output.table(f"{len(rows)} consents", ["type", "granted", "how", "withdrawn", "current", "scope"],
                 [[r["type"], r["granted"], r["how"] or "(not recorded)", r["withdrawn"] or "",
                   output.safe("yes", "green") if r["current"] else "no", r["scope"]] for r in rows])


def disclose(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    to: str = typer.Option(..., "--to", help="The recipient (commissioner and company-doctor imply their consent)."),
    what: str = typer.Option(..., "--what", help="What was given."),
    ground: str = typer.Option(..., "--ground", help="consent, legal, danger (CSR 6.5) or court."),
    consent_type: Optional[str] = typer.Option(None, "--consent", help="With --ground consent: the consent type "
                                                                       "that covers it (" + TYPES + ")."),
    informed: Optional[str] = typer.Option(None, "--informed", help="yes or no: was the client told? "
                                                                    "(required with --ground danger)"),
    legal_basis: str = typer.Option("", "--legal-basis", help="The legal rule or court order (legal, court)."),
    justification: str = typer.Option("", "--justification", help="Why secrecy had to be broken (danger)."),
    date: Optional[str] = typer.Option(None, "--date", help="When; YYYY-MM-DD, default today."),
):
    """Log a disclosure of the client's data to someone else (CSR 6.3-6.5, 9.4).

    On --ground consent, a consent of the matching type must be in force on that date,
    otherwise it is refused and the missing consent named.
    """
    from dossier.format import fields as F
    from dossier.records.clients import resolve
    from dossier.records.disclosures import check_disclosure, disclose

    check_disclosure(to, what, ground, consent_type, informed, legal_basis, justification)  # before the passphrase
    F.received_date(date, "--date")
    with opened(ctx) as vault:
        disclose(vault, resolve(vault.db, client), to, what, ground, consent_type=consent_type, informed=informed,
                 legal_basis=legal_basis, justification=justification, date=date)
    output.ok("disclosure logged")


def disclosures(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts."),
):
    """The disclosure log of a client: who received what, when, on which ground (CSR 9.4)."""
    from dossier.records.clients import resolve
    from dossier.records.disclosures import client_disclosures

    with opened(ctx) as vault:
        rows = client_disclosures(vault.db, resolve(vault.db, client))
    if json_:
        return output.emit_json(rows)
    output.table(f"{len(rows)} disclosures", ["date", "kind", "to", "what", "ground", "informed"],
                 [[r["date"], r["kind"], r["to"], r["what"], r["ground"] + (f" ({r['consent']})" if r["consent"] else ""),
                   "" if r["informed"] is None else r["informed"]] for r in rows])


def report(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    to: str = typer.Option(..., "--to", help="commissioner or company-doctor."),
    file: Path = typer.Option(..., "--file", help="The report you wrote (kept in the dossier as an attachment)."),
    legal_basis: str = typer.Option("", "--legal-basis", help="The legal rule that lets the commissioner demand it, "
                                                              "when the client has blocked the report (CSR 6.1)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where the client's written objection is written "
                                                           "(default: the report's folder)."),
    lang: str = typer.Option("nl", "--lang", help="Language of the objection letter: nl or en."),
    date: Optional[str] = typer.Option(None, "--date", help="When; YYYY-MM-DD, default today."),
    force: bool = typer.Option(False, "--force", help="Replace an objection letter of the same name."),
):
    """Prepare a report to the commissioner and log it as a disclosure (CSR 6.1).

    Refused if the client blocked reporting, unless --legal-basis is given; then the client's
    written objection (dossier statement add CLIENT --about report) goes along.
    """
    from dossier.records.clients import resolve
    from dossier.rights.reports import check_report, report

    check_report(to, legal_basis, date, lang)  # before the passphrase is asked
    with opened(ctx) as vault:
        result = report(vault, resolve(vault.db, client), to, file, legal_basis, date, out, lang, force)
    output.ok(f"report to {result['to']} logged as a disclosure (ground: {result['ground']}); "
              "the report is kept as an attachment")
    if result["objection_file"]:
        output.out.print(output.safe(result["objection_file"]))
        output.ok("the client's written objection is ready to go along with the report")
    elif result["ground"] == "legal":
        output.warn("the client blocked this report but no written objection is recorded; if there is one, add it "
                    "(dossier statement add CLIENT --about report --file F) and send it along")
