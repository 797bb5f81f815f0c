"""dossier practice set | show: the practice's own details, printed on the client copy and
letters so that the client knows where to ask for inspection, correction or destruction
(CSR 5.1-5.4; GDPR Art. 12, 13)."""

from __future__ import annotations

from typing import List

import typer

from dossier.cli import output
from dossier.cli.common import pairs
from dossier.cli.unlock import opened

practice_app = typer.Typer(help="Your practice's details, printed on the client copy and letters.",
                           no_args_is_help=True)


@practice_app.command("set")
def practice_set(
    ctx: typer.Context,
    details: List[str] = typer.Argument(..., help="KEY=VALUE; keys: coach, practice, email, phone, address, "
                                                  "postcode, city, website, and letters (the folder "
                                                  "'destroy run' writes its letters to by default; not printed)."),
):
    """Set your practice's details (shown on the client copy's cover page)."""
    from dossier.practice import check_practice, set_practice

    check_practice(pairs(details, "DETAILS"))  # before the passphrase is asked
    with opened(ctx) as vault:
        changed = set_practice(vault, pairs(details, "DETAILS"))
    output.ok("practice details set: " + ", ".join(changed))


@practice_app.command("show")
def practice_show(ctx: typer.Context, json_: bool = typer.Option(False, "--json", help="JSON for scripts.")):
    """Show your practice's details."""
    from dossier.practice import get_practice

    with opened(ctx) as vault:
        details = get_practice(vault.db)
    if json_:
        return output.emit_json(details)
    output.fields("Practice", list(details.items()))
