"""dossier destroy | retention | due (CSR 5.4; TB 2.27; GDPR Art. 5(1)(e), 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dossier.cli import output
from dossier.cli.unlock import opened, slots_dropped

destroy_app = typer.Typer(help="Destroy dossiers so that they are really gone (CSR 5.4): requests with a "
                               "four-week clock, legal holds, and the destruction itself.", no_args_is_help=True)
retention_app = typer.Typer(help="How long closed dossiers are kept (GDPR Art. 5(1)(e); TB 2.27).",
                            no_args_is_help=True)


@destroy_app.command("request")
def request(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    received: Optional[str] = typer.Option(None, "--received", help="When the written request came in; "
                                                                    "YYYY-MM-DD, default today."),
    letter: Optional[Path] = typer.Option(None, "--letter", help="The scanned letter, kept with the request."),
):
    """Record a written request to destroy a dossier; the deadline is four weeks later (CSR 5.4).

    The request (name, dates, the letter) is kept after the destruction as proof; nothing else.
    """
    from dossier.format import fields as F
    from dossier.retention.destructions import request
    from dossier.records.clients import resolve

    F.received_date(received)  # before the passphrase is asked
    with opened(ctx) as vault:
        result = request(vault, resolve(vault.db, client), received, letter)
    output.out.print(result["id"])
    output.ok(f"destruction request recorded; destroy as soon as possible, at the latest {result['deadline']}")


@destroy_app.command("list")
def list_(ctx: typer.Context, json_: bool = typer.Option(False, "--json", help="JSON records for scripts.")):
    """Every destruction request, pending and executed, with its dates and any hold."""
    from dossier.retention.destructions import list_requests

    with opened(ctx) as vault:
        rows = list_requests(vault.db)
    if json_:
        return output.emit_json(rows)
    output.table(f"{len(rows)} destruction requests", ["id", "client", "received", "deadline", "status", "letter"],
                 [[r["id"][:8], r["client"], r["received"], r["deadline"],
                   (f"done {r['executed']}" if r["status"] == "done" else
                    output.safe(f"on hold: {r['hold']['reason']}", "yellow") if r["hold"] else r["status"]),
                   r["letter_name"] or ""] for r in rows])


@destroy_app.command("hold")
def hold(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    reason: str = typer.Option(..., "--reason", help="Why it may not be destroyed now (a complaint, a court case)."),
):
    """Put a legal hold on a dossier: it cannot be destroyed until released (CSR 5.4: weighty reasons)."""
    from dossier.format import fields as F
    from dossier.retention.destructions import hold
    from dossier.records.clients import resolve

    F.check_line("--reason", reason, required=True)  # before the passphrase is asked
    with opened(ctx) as vault:
        hold(vault, resolve(vault.db, client), reason)
    output.ok("legal hold placed; it is shown with every listing of what is due")


@destroy_app.command("release")
def release(ctx: typer.Context, client: str = typer.Argument(..., help="Id, unique id prefix, or name.")):
    """Release a legal hold."""
    from dossier.retention.destructions import release
    from dossier.records.clients import resolve

    with opened(ctx) as vault:
        release(vault, resolve(vault.db, client))
    output.ok("legal hold released")


def _confirm(yes: bool):
    def confirm(plans: list[dict]) -> bool:
        for p in plans:
            kinds = ", ".join(f"{n} {t}" for t, n in p["counts"].items() if n) or "no sessions or other entries"
            why = (f"request received {p['request']['received']}, deadline {p['request']['deadline']}"
                   if p["request"] else "no request recorded")
            output.warn(f"will destroy {p['client']} ({p['client_id'][:8]}): the record and {kinds}; "
                        f"{p['attachment_bytes']} bytes of attachments; {why}")
        if yes:
            return True
        from dossier.format.fields import fold_name

        for p in plans:
            try:
                typed = typer.prompt(f"Type the client's name to destroy it ({p['client']})", err=True, default="",
                                     show_default=False)
            except (typer.Abort, EOFError):
                return False
            if fold_name(typed) != fold_name(p["client"]):
                return False
        return True
    return confirm


@destroy_app.command("run")
def run(
    ctx: typer.Context,
    client: Optional[str] = typer.Argument(None, help="The client to destroy now (id, prefix or name)."),
    due: bool = typer.Option(False, "--due", help="Destroy everything that is due: pending requests and expired "
                                                  "retention periods (clients on hold are left and listed)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask to type the name (for scripts)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Where the confirmation letters are written (0600); "
                                                           "default: the letters folder set with 'dossier practice "
                                                           "set letters=DIR'."),
    lang: str = typer.Option("nl", "--lang", help="Language of the letters: nl or en."),
):
    """Destroy dossiers for good (CSR 5.4), after showing exactly what goes and asking to type the name.

    All rows in one transaction; then the client is erased from the backups in the backup
    folder, the vault gets a new database key and a new master key (every page re-encrypted),
    and the attachment files are overwritten and removed. A confirmation letter for each
    client is written to --out when that is done; when a step is left (a backup disk that is
    not plugged in), the letter says what is still pending and the next command finishes it.
    """
    from dossier.errors import UsageError
    from dossier.format import fields as F
    from dossier.retention.destroy import letters_folder, run, select

    if (client is None) == (not due):
        raise UsageError("give a CLIENT or --due")
    F.check_lang(lang)  # before the passphrase is asked
    with opened(ctx) as vault:
        out = out or letters_folder(vault.db)
        ids, held = select(vault.db, client, due_now=due)
        for item in held:
            output.warn(f"due but on hold, left alone: {item['client']} ({item['hold']['reason']})")
        if not ids:
            output.ok("nothing is due for destruction")
            return
        result = run(vault, ids, out, lang, _confirm(yes))
    for d in result["destroyed"]:
        output.ok(f"destroyed {d['client']} on {d['destroyed']} (basis: {d['basis']})")
    for letter in result["letters"]:
        output.out.print(output.safe(letter))
    b = result["backups"]
    if b["rewritten"]:
        output.ok(f"erased from {len(b['rewritten'])} backup(s)")
    for name, reason in b["failed"]:
        output.warn(f"could not erase from backup {name}: {reason}")
    if result["steps"]:
        output.warn("not finished yet: " + ", ".join(result["steps"]) + "; the letter says so. The next dossier "
                    "command tries again (a backup disk that is not plugged in: plug it in)")
    slots_dropped(result["dropped_slots"])


@retention_app.command("set")
def retention_set(
    ctx: typer.Context,
    after_close: str = typer.Option(..., "--after-close", help="A period: 2y, 18m or 90d ('none' with --client "
                                                               "removes the client's own period)."),
    client: Optional[str] = typer.Option(None, "--client", help="Only for this client (an override)."),
):
    """Set how long a closed dossier is kept before it is due for destruction."""
    from dossier.retention.due import check_retention, set_retention
    from dossier.records.clients import resolve

    check_retention(after_close, client is not None)  # before the passphrase is asked
    with opened(ctx) as vault:
        value = set_retention(vault, after_close, resolve(vault.db, client) if client else None)
    output.ok(f"retention after closing: {value or 'the practice default'}" + (" for this client" if client else ""))


@retention_app.command("show")
def retention_show(ctx: typer.Context):
    """Show the practice's retention period."""
    from dossier.retention.due import practice_retention

    with opened(ctx) as vault:
        value = practice_retention(vault.db)
    output.out.print(value or "none set: closed dossiers are kept until you destroy them")


def due(
    ctx: typer.Context,
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts."),
    within: int = typer.Option(30, "--within", help="Also what comes within this many days."),
):
    """What is due, overdue or coming: destruction requests, retention expiries, holds (CSR 5.4)."""
    from dossier.retention.due import due

    if not 0 <= within <= 36_500:
        from dossier.errors import InvalidInput

        raise InvalidInput("--within", within, "must be from 0 to 36500 days")
    with opened(ctx) as vault:
        items = due(vault.db, within=within)
    if json_:
        return output.emit_json(items)
    rows = []
    for i in items:
        style = "red" if i["overdue"] and not i["hold"] else "yellow" if i["hold"] else ""
        what = {"request": "destruction request", "retention": f"retention {i.get('period', '')} ended",
                "hold": "legal hold"}[i["kind"]]
        note = f"on hold: {i['hold']['reason']}" if i["hold"] else ("overdue" if i["overdue"] else
                                                                     "due now" if i["due"] else "coming")
        rows.append([output.safe(x, style) for x in (i["date"], what, i["client"], note)])
    output.table(f"{len(items)} items due or coming within {within} days", ["date", "what", "client", "state"], rows)

