"""dossier anonymise: a case for intervision or supervision that peers cannot trace back to the
client (TB 2.16; CSR 5.2, 6.8, 6.9)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from dossier.cli import output
from dossier.cli.unlock import opened


def anonymise(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    out: Path = typer.Option(..., "--out", help="The file to write (.md, .pdf or .json; mode 0600)."),
    sessions: Optional[str] = typer.Option(None, "--sessions", help="Which sessions, by number in date order: "
                                                                    "1-4 or 2,5-7 (default: all)."),
    purpose: str = typer.Option("intervision", "--purpose", help="intervision, supervision or teaching "
                                                                 "(teaching needs written consent, CSR 6.8)."),
    fmt: Optional[str] = typer.Option(None, "--format", help="md, pdf or json (default: from --out's extension)."),
    keep: Optional[List[str]] = typer.Option(None, "--keep", help="Text not to replace, repeatable."),
    also: Optional[List[str]] = typer.Option(None, "--also", help="More text to replace, repeatable."),
    yes: bool = typer.Option(False, "--yes", help="Skip the review (for scripts)."),
    force: bool = typer.Option(False, "--force", help="Replace an existing file."),
):
    """Export an anonymised case: every replacement and the residual risks are shown for review first.

    Names, contact details, identifiers, organisations and places are replaced by consistent
    placeholders; dates become weeks of the coaching, ages ten-year bands. Logged (purpose,
    sessions; never content).
    """
    from dossier.anonymise import export
    from dossier.errors import Refused
    from dossier.records.clients import resolve

    with opened(ctx) as vault:
        cid = resolve(vault.db, client)
        result, store = export.prepare(vault, cid, sessions=sessions, purpose=purpose, keep=keep or [],
                                       also=also or [], out=out, fmt=fmt, overwrite=force, reviewed=not yes)
        _review(result)
        if result.exposed:
            output.warn(f"--keep {', '.join(result.exposed)} leaves the client's own name in the case")
        if not yes and not typer.confirm("Write this case?", default=False, err=True):
            raise Refused("not confirmed; nothing was written", "adjust with --keep TEXT or --also TEXT and run again")
        path = export.write(vault, cid, result, store, out, purpose, fmt, force)
    output.ok(f"anonymised case written to {path} (sessions: {len(result.sessions)}; logged)")


def _review(result) -> None:
    rows = [[kind, original, placeholder] for kind, found in sorted(result.replacements.items())
            for original, placeholder in sorted(found.items())]
    output.table(f"{len(rows)} replacements (shown here only; never written)", ["kind", "found", "replaced by"], rows)
    for risk in result.risks:
        output.warn("residual risk: " + risk)
