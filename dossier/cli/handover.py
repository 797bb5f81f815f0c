"""dossier handover create | verify | import (TB 2.28; CSR 2.5, 9.4)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from dossier.cli import output
from dossier.clock import local_time
from dossier.cli.unlock import opened

handover_app = typer.Typer(help="Hand clients over to a colleague in one encrypted, signed bundle (TB 2.28).",
                           no_args_is_help=True)


@handover_app.command("create")
def create(
    ctx: typer.Context,
    to: str = typer.Option(..., "--to", help="The contact to hand over to (dossier contacts list)."),
    out: Path = typer.Option(..., "--out", help="The bundle file to write (mode 0600)."),
    clients: Optional[List[str]] = typer.Option(None, "--clients", help="A client (id, prefix or name); repeat it, "
                                                                         "or separate them with commas."),
    all_clients: bool = typer.Option(False, "--all", help="Every client in the vault, open and closed."),
    reason: str = typer.Option("closure", "--reason", help="closure, incapacity or referral."),
    without_consent_reason: str = typer.Option("", "--without-consent-reason",
                                               help="Include clients without a substitute-coach consent, and record "
                                                    "this reason for each (CSR 2.5)."),
    lang: str = typer.Option("nl", "--lang", help="Language of the PDFs: nl or en."),
    force: bool = typer.Option(False, "--force", help="Replace the file."),
    json_: bool = typer.Option(False, "--json", help="JSON for scripts."),
):
    """Write one age-encrypted bundle for a colleague: per client the dossier JSON, the
    attachments and a readable PDF, a signed manifest and a README. Clients without a
    substitute-coach consent in force are left out (CSR 2.5). Each client's disclosure log
    records the handover (CSR 9.4). A pending destruction request (CSR 5.4) or a legal hold on
    a client in the bundle goes with it (in the client's dossier/1 document) and is named here."""
    from dossier.handover import create as make

    from dossier.format import fields as F
    from dossier.handover import bundle as B

    names = [part.strip() for value in clients or [] for part in value.split(",") if part.strip()]
    F.check_lang(lang), F.check_enum("--reason", reason, B.REASONS)  # before the passphrase is asked
    with opened(ctx) as vault, output.progress_bar("bundling", None) as bar:
        result = make(vault, to, out, clients=names, all_clients=all_clients, reason=reason,
                      without_consent_reason=without_consent_reason, lang=lang, overwrite=force, progress=bar)
    for c in result["left_out"]:
        output.warn(f"left out: {c['name']} ({c['id'][:8]}) has no substitute-coach consent in force (CSR 2.5); "
                    "include with --without-consent-reason TEXT")
    for d in result["duties"]:
        who = f"{d['name']} ({d['id'][:8]})"
        output.warn(f"{who} asked in writing to have the dossier destroyed, at the latest {d['date']} (CSR 5.4); "
                    f"the request goes with the bundle: {result['to']} must destroy it by then"
                    if d["kind"] == "destruction" else
                    f"{who} is on a legal hold since {d['date']}; the hold goes with the bundle: {result['to']} "
                    "keeps the dossier until it is released")
    if json_:
        return output.emit_json(result)
    n = len(result["clients"])
    output.ok(f"{n} client{'s' if n != 1 else ''} handed over to {result['to']} in {result['file']} "
              f"({result['size']:,} bytes); bundle {result['bundle'][:16]}")
    output.note(f"tell {result['to']} the bundle id {result['bundle'][:16]} and check their fingerprint "
                f"{result['fingerprint']} by phone")


def _show(summary: dict) -> None:
    sender = ", ".join(x for x in (summary["sender"], summary["practice"]) if x) or "—"
    output.fields("Handover bundle", [
        ("from", f"{summary['from']} ({sender})"),
        ("fingerprint", summary["fingerprint"]), ("made", local_time(summary["created"])), ("reason", summary["reason"]),
        ("bundle", summary["bundle"]), ("members", f"{summary['members']} ({summary['bytes']:,} bytes)")])
    output.table(f"{len(summary['clients'])} clients", ["id", "client", "attachments", "ground", "note"],
                 [[c["id"][:8], c["name"], c["attachments"],
                   "consent" if c["consent"] else f"without consent: {c['without_consent_reason']}",
                   _duties(c)] for c in summary["clients"]])


def _duties(c: dict) -> str:
    """What the receiving coach must honour (CSR 5.4), and whether the client is there already."""
    notes = ["already in your vault"] if c["in_vault"] else []
    if c.get("destruction"):
        notes.append(f"destruction requested {c['destruction']['received']}: destroy by {c['destruction']['deadline']}")
    if c.get("hold"):
        notes.append(f"legal hold since {c['hold']['placed']}: keep it ({c['hold']['reason']})")
    return "; ".join(notes)


@handover_app.command("verify")
def verify(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The bundle file."),
    json_: bool = typer.Option(False, "--json", help="JSON for scripts."),
):
    """Decrypt a bundle, check every member's hash and the signature against your contacts,
    and show what it holds. Nothing is imported."""
    from dossier.handover import verify as check

    with opened(ctx) as vault, output.progress_bar("checking", _size(file)) as bar:
        summary = check(vault, file, progress=bar)
    if json_:
        return output.emit_json(summary)
    _show(summary)
    output.ok(f"the bundle is complete and signed by your contact {summary['from']}")


@handover_app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The bundle file."),
    json_: bool = typer.Option(False, "--json", help="JSON for scripts."),
):
    """Import every client of a verified bundle, or none; each keeps where it came from."""
    from dossier.handover import import_bundle

    with opened(ctx) as vault, output.progress_bar("importing", _size(file)) as bar:
        summary = import_bundle(vault, file, progress=bar)
    if json_:
        return output.emit_json(summary)
    _show(summary)
    n = len(summary["clients"])
    output.ok(f"{n} client{'s' if n != 1 else ''} imported from {summary['from']}")


def _size(file: Path) -> int | None:
    try:
        return Path(file).stat().st_size
    except OSError:
        return None
