"""The client's rights: copy, correction, statement, requests (CSR 5.1-5.3; GDPR Art. 12, 15, 16, 19, 20)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dossier.cli import output
from dossier.cli.unlock import opened

ITEM_HELP = ("What it concerns: a field (city, assignment.goal, …), persons, session:DATE-or-ID[.notes|.findings], "
             "questionnaire:ID, measurement:ID, attachment:ID, request:ID, or report (CSR 6.1). "
             "Left out: the dossier as a whole.")
DATE_HELP = "YYYY-MM-DD; default today."

correction_app = typer.Typer(help="Corrections the client asks for (CSR 5.3; GDPR Art. 16, 19).", no_args_is_help=True)
statement_app = typer.Typer(help="The client's own statements, bound to an item (CSR 5.3).", no_args_is_help=True)
requests_app = typer.Typer(help="Open requests and their one-month term (GDPR Art. 12(3)); 'add' records a copy "
                                "request.", invoke_without_command=True)


def copy(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    out: Path = typer.Option(..., "--out", help="The folder to write into (made 0700 if it does not exist)."),
    lang: str = typer.Option("nl", "--lang", help="nl (default) or en."),
    anonymise_others: bool = typer.Option(False, "--anonymise-others",
                                          help="Replace third persons by their relation ('uw leidinggevende'), CSR 5.2."),
    with_attachments: bool = typer.Option(False, "--with-attachments", help="Write the attachments as files too."),
    to: str = typer.Option("", "--to", help="Who receives it, if not the client."),
    force: bool = typer.Option(False, "--force", help="Replace files of the same name."),
):
    """Give the client a copy of their dossier: a PDF written for them and the same as JSON.

    CSR 5.1-5.2, GDPR Art. 15 and 20. One client only; files are 0600. The copy is logged
    (date, what, to whom) and closes the client's open copy requests.
    """
    from dossier.format import fields as F
    from dossier.records.clients import resolve
    from dossier.rights.copies import make_copy

    F.check_lang(lang)  # before the passphrase is asked
    with opened(ctx) as vault:
        result = make_copy(vault, resolve(vault.db, client), out, lang=lang, others_anonymised=anonymise_others,
                           with_attachments=with_attachments, to=to, overwrite=force)
    for f in result["files"]:
        output.out.print(output.safe(f))
    output.ok(f"copy written ({len(result['files'])} files) and logged")
    if result["fulfilled"]:
        output.ok(f"closed {len(result['fulfilled'])} open copy request(s)")
    if result["practice_missing"]:
        output.warn("the cover page cannot say how to reach you: set your details with "
                    "'dossier practice set coach=NAME email=ADDRESS'")


@correction_app.command("request")
def correction_request(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    field: str = typer.Option(..., "--field", help="A client field (city, assignment.goal, …) or a session's notes: "
                                                   "session:DATE-or-ID (also .date, .duration_min, .findings)."),
    proposed: Optional[str] = typer.Option(None, "--proposed", help="The value the client proposes."),
    proposed_file: Optional[Path] = typer.Option(None, "--proposed-file", help="The proposed text from a UTF-8 file."),
    passage: Optional[str] = typer.Option(None, "--passage", help="The passage of the text the client disputes: "
                                                                  "--proposed replaces that passage only."),
    reason: str = typer.Option(..., "--reason", help="The client's reason."),
    received: Optional[str] = typer.Option(None, "--received", help="When the request came in; " + DATE_HELP),
    json_: bool = typer.Option(False, "--json", help="Print the request as JSON."),
):
    """Record a client's request to correct their data (CSR 5.3; GDPR Art. 16); prints its id."""
    from dossier import paths
    from dossier.errors import UsageError
    from dossier.format import fields as F
    from dossier.records.clients import resolve
    from dossier.rights.requests import check_reason, request_correction

    if (proposed is None) == (proposed_file is None):
        raise UsageError("give the proposed value with either --proposed or --proposed-file")
    check_reason(reason), F.received_date(received)  # before the passphrase is asked
    value = paths.read_user_text(proposed_file) if proposed_file else proposed
    with opened(ctx) as vault:
        result = request_correction(vault, resolve(vault.db, client), field, value, reason, received, passage)
    if json_:
        return output.emit_json(result)
    output.out.print(result["id"])
    output.ok(f"correction request recorded; answer by {result['deadline']} (one month, GDPR Art. 12(3))")
    if result["findings"]:
        output.warn("this concerns the coach's findings, which are not corrected (CSR 5.3): it can only be declined; "
                    "the client may add a statement instead")


@correction_app.command("decide")
def correction_decide(
    ctx: typer.Context,
    request_id: str = typer.Argument(..., metavar="ID", help="The request's id or a unique prefix (4+ characters)."),
    grant: bool = typer.Option(False, "--grant", help="Make the correction (the old value is kept in the history)."),
    decline: bool = typer.Option(False, "--decline", help="Decline it; needs --reason."),
    reason: str = typer.Option("", "--reason", help="Why (required to decline)."),
    date: Optional[str] = typer.Option(None, "--date", help="The date of the decision; " + DATE_HELP),
    yes: bool = typer.Option(False, "--yes", help="Grant without showing the change and asking (for scripts)."),
    json_: bool = typer.Option(False, "--json", help="Print the decided request as JSON."),
):
    """Grant or decline a correction request. Findings cannot be granted (CSR 5.3).

    --grant first shows what changes (old and new; a diff for text of more than one line) and
    asks. After a granted correction, lists who received this client's data before, to be told
    of it (GDPR Art. 19).
    """
    from dossier.errors import Refused, UsageError
    from dossier.rights.requests import decide, preview

    if grant == decline:
        raise UsageError("give exactly one of --grant and --decline")
    with opened(ctx) as vault:
        if grant and not yes:
            _show_change(preview(vault.db, request_id))
            if not typer.confirm("Make this correction?", default=False, err=True):
                raise Refused("not confirmed; nothing was changed")
        result = decide(vault, request_id, grant, reason, date)
    if json_:
        return output.emit_json(result)
    if grant:
        output.ok(f"granted: {result['item']} changed; the old value is kept in the request's history")
    else:
        output.ok("declined; the reason is kept and goes into every copy")
    if result["notify"]:
        output.warn("this client's data went to others before; tell them of the correction (GDPR Art. 19):")
        output.table(None, ["to", "first", "last", "what"],
                     [[r["to"], r["first"], r["last"], r["what"]] for r in result["notify"]])


def _show_change(p: dict) -> None:
    """Old and new of a correction: a unified diff for text of more than one line."""
    import difflib

    output.err.print(output.safe(f"{p['item']}, request {p['id'][:8]}:"))
    if "\n" not in p["old"] and "\n" not in p["new"]:
        output.err.print(output.safe(f"  now:   {p['old']}"))
        output.err.print(output.safe(f"  after: {p['new']}"))
        return
    for line in difflib.unified_diff(p["old"].splitlines(), p["new"].splitlines(), "now", "after", lineterm="", n=1):
        output.err.print(output.safe(line, "red" if line.startswith("-") else "green" if line.startswith("+") else ""))


@statement_app.command("add")
def statement_add(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    file: Path = typer.Option(..., "--file", help="The client's text, a UTF-8 file."),
    about: Optional[str] = typer.Option(None, "--about", help=ITEM_HELP),
    received: Optional[str] = typer.Option(None, "--received", help="When it came in; " + DATE_HELP),
):
    """Add the client's own written view; shown beside its item in every later copy (CSR 5.3)."""
    from dossier import paths
    from dossier.records.clients import resolve
    from dossier.records.statements import add_statement

    text = paths.read_user_text(file)
    with opened(ctx) as vault:
        result = add_statement(vault, resolve(vault.db, client), text, about, received)
    output.out.print(result["id"])
    output.ok("statement added" + (f" about {result['about']}" if result["about"] else " to the dossier"))


@statement_app.command("list")
def statement_list(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts."),
):
    """List the client's statements."""
    from dossier.records.clients import resolve
    from dossier.records.items import short
    from dossier.records.statements import client_statements

    with opened(ctx) as vault:
        rows = client_statements(vault.db, resolve(vault.db, client))
    if json_:
        return output.emit_json(rows)
    for r in rows:
        output.paragraph(f"{r['received']} · {r['id'][:8]} · about {short(r['about'])}", r["text"])
    if not rows:
        output.note("no statements")


@requests_app.callback()
def requests_list(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Also the requests that are closed."),
    client: Optional[str] = typer.Option(None, "--client", help="Only this client's."),
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts."),
):
    """List open requests by deadline, with their age; overdue ones in red."""
    if ctx.invoked_subcommand:
        return
    from dossier.records.clients import resolve
    from dossier.rights.requests import list_requests

    with opened(ctx) as vault:
        rows = list_requests(vault.db, not all_, resolve(vault.db, client) if client else None)
    if json_:
        return output.emit_json(rows)
    shown = []
    for r in rows:
        if r["status"] != "open":
            state = f"{r['status']} {r['closed']}"
        else:
            state = f"{-r['days_left']} d overdue" if r["overdue"] else f"{r['days_left']} d left"
        shown.append([output.safe(x, "red" if r["overdue"] else "") for x in
                      (r["id"][:8], r["kind"], r["client"], r["received"], r["deadline"], f"{r['age_days']} d", state)])
    output.table(f"{len(rows)} {'requests' if all_ else 'open requests'}",
                 ["id", "kind", "client", "received", "deadline", "age", "status"], shown)
    overdue = sum(r["overdue"] for r in rows)
    if overdue:
        output.warn(f"{overdue} request(s) past the one-month term (GDPR Art. 12(3))")


@requests_app.command("add")
def requests_add(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    kind: str = typer.Option(..., "--kind", help="copy (inspection and a copy, CSR 5.1). Corrections: "
                                                 "'dossier correction request'."),
    received: Optional[str] = typer.Option(None, "--received", help="When it came in; " + DATE_HELP),
    note: str = typer.Option("", "--note", help="A short note."),
):
    """Record a request so its one-month term is watched; prints its id."""
    from dossier.errors import InvalidInput
    from dossier.records.clients import resolve
    from dossier.rights.requests import request_copy

    if kind != "copy":
        raise InvalidInput("--kind", kind, "must be copy (record corrections with: dossier correction request)")
    with opened(ctx) as vault:
        result = request_copy(vault, resolve(vault.db, client), received, note)
    output.out.print(result["id"])
    output.ok(f"copy request recorded; give the copy by {result['deadline']} with: dossier copy CLIENT --out DIR")


@requests_app.command("withdraw")
def requests_withdraw(
    ctx: typer.Context,
    request_id: str = typer.Argument(..., metavar="ID", help="The request's id or a unique prefix (4+ characters)."),
    reason: str = typer.Option("", "--reason", help="A short note."),
):
    """Record that the client withdrew an open request (it is kept)."""
    from dossier.rights.requests import withdraw

    with opened(ctx) as vault:
        withdraw(vault, request_id, reason)
    output.ok("request withdrawn")
