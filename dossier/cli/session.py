"""dossier session add | list, and dossier result add (questionnaires, HRV; CSR 9.1, CSR 5.3)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from dossier.cli import output
from dossier.cli.unlock import opened

app = typer.Typer(help="Sessions: notes, and the coach's findings kept apart (CSR 5.3).", no_args_is_help=True)
result_app = typer.Typer(help="Questionnaire and HRV measurement results (CSR 9.1).", no_args_is_help=True)


def _read_text(path: Path) -> str:
    from dossier.paths import read_user_text

    return sys.stdin.read() if str(path) == "-" else read_user_text(path)


@app.command("add")
def add(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    date: Optional[str] = typer.Option(None, "--date", help="YYYY-MM-DD (default: today)."),
    duration: Optional[int] = typer.Option(None, "--duration", help="Minutes."),
    notes_file: Optional[Path] = typer.Option(None, "--notes-file",
                                              help="Notes from a UTF-8 file ('-' for stdin); without it $EDITOR opens."),
    findings_file: Optional[Path] = typer.Option(None, "--findings-file", help="The coach's findings from a file."),
    resume: bool = typer.Option(False, "--resume", help="Open the text that was kept when saving it failed, "
                                                        "in the editor, and save it."),
):
    """Record a session. Without --notes-file, $EDITOR opens on a private file in RAM that is removed afterwards.

    When saving fails after the editor closed (the disk is full, the vault refuses the write),
    the text is kept encrypted in the vault folder; --resume brings it back.
    """
    from dossier.cli.editor import edit_session
    from dossier.errors import UsageError
    from dossier.format import fields as F
    from dossier.records import drafts
    from dossier.records.clients import resolve
    from dossier.records.sessions import default_date

    if resume and (notes_file or findings_file or date or duration is not None):
        raise UsageError("--resume takes the date, duration and text that were kept; give no other options")
    date = default_date(date)
    F.check_int("--duration", duration, 1, 24 * 60)  # before the passphrase is asked (and the editor)
    with opened(ctx) as vault:
        cid = resolve(vault.db, client)
        vault.refuse_if_rolled_back()  # before the coach types anything
        resumed, record = (drafts.latest(vault.path, vault.auth_key, cid) if resume else
                           (None, {"date": date, "duration_min": duration, "notes": "",
                                   "findings": _read_text(findings_file) if findings_file else ""}))
        if notes_file:
            record["notes"] = _read_text(notes_file)
        else:
            record["notes"], record["findings"] = edit_session(record["date"], record["notes"], record["findings"])
        # Text typed in the editor or piped in is kept when saving fails; a file still has it.
        sid = drafts.save_session(vault, cid, record, keep=not notes_file or str(notes_file) == "-", resumed=resumed)
    output.out.print(sid)
    output.ok(f"session of {record['date']} saved")


@app.command("list")
def list_(ctx: typer.Context, client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
          json_: bool = typer.Option(False, "--json", help="JSON records for scripts.")):
    """List a client's sessions."""
    from dossier.records.clients import resolve
    from dossier.records.sessions import list_sessions

    with opened(ctx) as vault:
        rows = list_sessions(vault.db, resolve(vault.db, client))
    if json_:
        return output.emit_json(rows)
    output.table(f"{len(rows)} sessions", ["id", "date", "min", "notes", "findings"],
                 [[r["id"][:8], r["date"], r["duration_min"], _first_line(r["notes"]), _first_line(r["findings"])]
                  for r in rows])


def _first_line(text: str, width: int = 60) -> str:
    line = (text or "").strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


@result_app.command("add")
def result_add(
    ctx: typer.Context,
    client: str = typer.Argument(..., help="Id, unique id prefix, or name."),
    questionnaire: Optional[str] = typer.Option(None, "--questionnaire", help="Questionnaire name, e.g. 4DKL."),
    measurement: Optional[str] = typer.Option(None, "--measurement", help="Measurement kind, e.g. HRV."),
    date: Optional[str] = typer.Option(None, "--date", help="YYYY-MM-DD."),
    value: Optional[List[str]] = typer.Option(None, "--value", help="NAME=VALUE, repeatable (distress=24)."),
):
    """Record questionnaire results or an HRV measurement as a readable table of values."""
    from dossier.cli.common import pairs, value as parse_value
    from dossier.errors import UsageError
    from dossier.records.clients import resolve
    from dossier.records.sessions import add_result

    if bool(questionnaire) == bool(measurement):
        raise UsageError("give exactly one of --questionnaire and --measurement")
    results = {k: parse_value(v) for k, v in pairs(value, "--value").items()}
    with opened(ctx) as vault:
        rid = add_result(vault, resolve(vault.db, client), "questionnaire" if questionnaire else "measurement",
                         questionnaire or measurement, date, results)
    output.out.print(rid)
    output.ok(f"{len(results)} results saved")
