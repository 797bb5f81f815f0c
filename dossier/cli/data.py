"""dossier search, import, export: full text, and the canonical dossier/1 JSON."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from dossier.cli import output
from dossier.cli.unlock import opened


def search(
    ctx: typer.Context,
    text: str = typer.Argument(..., help="Words to find (all must occur; the last may be a prefix)."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000),
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts."),
):
    """Find clients and sessions by full text (FTS5 inside the encrypted database)."""
    from dossier.records.search import search as run, words

    words(text)  # before the passphrase is asked
    with opened(ctx) as vault:
        hits = run(vault.db, text, limit, highlight=not json_)
    if json_:
        return output.emit_json(hits)
    output.table(f"{len(hits)} matches", ["kind", "client", "date", "id", "where"],
                 [[h["kind"], f"{h['first_name']} {h['last_name']}", h["date"], h["id"][:8], output.snippet(h["snippet"])]
                  for h in hits])


def import_(ctx: typer.Context, file: Path = typer.Argument(..., help="A dossier/1 JSON file.")):
    """Import a dossier/1 JSON file: all of it or, on any error, nothing."""
    from dossier.records.document import import_document, read_document

    doc = read_document(file)
    with opened(ctx) as vault:
        ids = import_document(vault, doc)
    output.ok(f"imported {len(ids)} clients")


def export(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="The JSON file to write (mode 0600)."),
    all_: bool = typer.Option(False, "--all", help="Every client in the vault."),
    client: Optional[List[str]] = typer.Option(None, "--client", help="One client (id, prefix or name), repeatable."),
    no_attachments: bool = typer.Option(False, "--no-attachments", help="Leave attachments out."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
):
    """Export clients as a dossier/1 JSON file (GDPR Art. 20; each export is logged)."""
    from dossier.errors import UsageError
    from dossier.records.document import write_export
    from dossier.records.clients import resolve

    if all_ == bool(client):
        raise UsageError("give --all or at least one --client, not both")
    with opened(ctx) as vault:
        ids = None if all_ else [resolve(vault.db, c) for c in client]
        count = write_export(vault, file, ids, with_attachments=not no_attachments, overwrite=force)
    output.ok(f"exported {count} clients to {file} (mode 0600)")
