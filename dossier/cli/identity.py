"""dossier identity show | export, dossier contacts add | list | remove (TB 2.28: handover)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dossier.cli import output
from dossier.clock import local_time
from dossier.cli.unlock import opened

identity_app = typer.Typer(help="Your public identity for receiving and signing handover bundles (TB 2.28).",
                           no_args_is_help=True)
contacts_app = typer.Typer(help="Colleagues' public identities: who you can hand clients over to.",
                           no_args_is_help=True)


@identity_app.command("show")
def show(ctx: typer.Context, json_: bool = typer.Option(False, "--json", help="JSON for scripts.")):
    """Print your age public key, your signing key and the fingerprint to read out over the phone."""
    from dossier.handover.identity import public

    with opened(ctx) as vault:
        identity = public(vault)
    if json_:
        return output.emit_json(identity)
    output.fields("Your identity", [("age key", identity["age"]), ("signing key", identity["ed25519"]),
                                    ("fingerprint", identity["fingerprint"])])


@identity_app.command("export")
def export(
    ctx: typer.Context,
    public: Path = typer.Option(..., "--public", help="The file to write your public identity to."),
    force: bool = typer.Option(False, "--force", help="Replace the file."),
):
    """Write your public identity (no secrets) for a colleague: dossier contacts add NAME FILE."""
    from dossier.handover.identity import export_public

    with opened(ctx) as vault:
        identity = export_public(vault, public, force)
    output.ok(f"public identity written to {public}; fingerprint {identity['fingerprint']}")


@contacts_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="What you call this colleague."),
    file: Optional[Path] = typer.Argument(None, help="Their public identity file (dossier identity export)."),
    age: Optional[str] = typer.Option(None, "--age", help="Or only their age public key (age1…, from age-keygen)."),
):
    """Keep a colleague's public identity; check the fingerprint with them over the phone."""
    from dossier.handover.identity import add_contact

    with opened(ctx) as vault:
        contact = add_contact(vault, name, file, age)
    output.ok(f"contact {contact['name']} added; fingerprint {contact['fingerprint']}: check it with them")


@contacts_app.command("list")
def list_(ctx: typer.Context, json_: bool = typer.Option(False, "--json", help="JSON records for scripts.")):
    """Your contacts, with their fingerprints."""
    from dossier.handover.identity import list_contacts

    with opened(ctx) as vault:
        rows = list_contacts(vault.db)
    if json_:
        return output.emit_json(rows)
    output.table(f"{len(rows)} contacts", ["name", "fingerprint", "signs", "added"],
                 [[r["name"], r["fingerprint"], "yes" if r["ed25519"] else "no (age only)", local_time(r["added"])[:10]]
                  for r in rows])


@contacts_app.command("remove")
def remove(ctx: typer.Context, name: str = typer.Argument(..., help="The contact's name.")):
    """Forget a contact."""
    from dossier.handover.identity import remove_contact

    with opened(ctx) as vault:
        remove_contact(vault, name)
    output.ok(f"contact {name} removed")
