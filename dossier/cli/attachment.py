"""dossier attach, dossier attachment list | get: files kept encrypted inside the vault."""

from __future__ import annotations

from pathlib import Path

import typer

from dossier.cli import output
from dossier.clock import local_time
from dossier.cli.unlock import opened

app = typer.Typer(help="Attachments stored encrypted in the vault (questionnaire PDFs, HRV reports, letters).",
                  no_args_is_help=True)


def attach(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    file: Path = typer.Argument(..., help="The file to store."),
    kind: str = typer.Option(..., "--kind", help="questionnaire, hrv, letter or other."),
):
    """Store a file encrypted inside the vault (CSR 9.1: questionnaire and HRV results)."""
    from dossier.format import fields as F
    from dossier.records.attachments import attach as attach_file
    from dossier.records.clients import resolve

    F.check_enum("--kind", kind, F.ATTACHMENT_KINDS)  # before the passphrase is asked
    with opened(ctx) as vault:
        aid = attach_file(vault, resolve(vault.db, client), file, kind)
    output.out.print(aid)
    output.ok(f"{file.name} stored encrypted in the vault")


@app.command("list")
def list_(ctx: typer.Context, client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
          json_: bool = typer.Option(False, "--json", help="JSON records for scripts.")):
    """List a client's attachments."""
    from dossier.records.attachments import list_attachments
    from dossier.records.clients import resolve

    with opened(ctx) as vault:
        rows = list_attachments(vault.db, resolve(vault.db, client))
    if json_:
        return output.emit_json(rows)
    output.table(f"{len(rows)} attachments", ["id", "kind", "file", "bytes", "added"],
                 [[r["id"][:8], r["kind"], r["filename"], r["size"], local_time(r["added"])] for r in rows])


@app.command("get")
def get(
    ctx: typer.Context,
    attachment: str = typer.Argument(..., help="Attachment id or unique prefix (4+ characters)."),
    out: Path = typer.Option(..., "--out", help="File (or folder) to write; created with mode 0600."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
):
    """Write an attachment out of the vault, on request (logged)."""
    from dossier.records.attachments import write_attachment

    with opened(ctx) as vault:
        meta = write_attachment(vault, attachment, out, overwrite=force)
    output.ok(f"written to {meta['path']} ({meta['size']} bytes, mode 0600)")
