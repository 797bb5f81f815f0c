"""dossier audit list | verify: the append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Optional

import typer

from dossier.cli import output
from dossier.clock import local_time
from dossier.cli.unlock import opened

app = typer.Typer(help="The audit log: every unlock, change, export and disclosure (no content).",
                  no_args_is_help=True)


@app.command("list")
def list_(ctx: typer.Context,
          client: Optional[str] = typer.Option(None, "--client", help="Only entries about this client."),
          json_: bool = typer.Option(False, "--json", help="JSON records for scripts.")):
    """List audit entries, oldest first."""
    from dossier.records.clients import resolve

    with opened(ctx) as vault:
        entries = [e.as_dict() for e in vault.audit_entries(resolve(vault.db, client) if client else None)]
    if json_:
        return output.emit_json(entries)
    output.table(f"{len(entries)} audit entries", ["seq", "time", "action", "client", "detail"],
                 [[e["seq"], local_time(e["at"]), e["action"], (e["client_id"] or "")[:8], e["detail"]] for e in entries])


@app.command("verify")
def verify(ctx: typer.Context):
    """Prove the audit chain unbroken: each entry holds the hash of the one before it."""
    with opened(ctx) as vault:
        seq = vault.check(audit_only=True)
    output.ok(f"audit chain unbroken: {seq} entries")
