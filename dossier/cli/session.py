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
    from dossier.records import drafts
    from dossier.records.clients import resolve
    from dossier.records.sessions import add_session, default_date

    if resume and (notes_file or findings_file or date or duration is not None):
        raise UsageError("--resume takes the date, duration and text that were kept; give no other options")
    from dossier.format import fields as F

    date = default_date(date)
    F.check_int("--duration", duration, 1, 24 * 60)  # before the passphrase is asked (and the editor)
    with opened(ctx) as vault:
        cid = resolve(vault.db, client)
        if vault.rollback:  # refused before the coach types anything
            from dossier.errors import RollbackDetected

            raise RollbackDetected(vault.rollback, "check your backups, then run 'dossier verify --accept-rollback'")
        auth = vault.auth_key
        kept = None
        if resume:
            kept, draft = drafts.latest(vault.path, auth, cid)
            date, duration = draft["date"], draft["duration_min"]
            notes, findings = edit_session(date, notes=draft["notes"], findings=draft["findings"])
        else:
            findings = _read_text(findings_file) if findings_file else ""
            if notes_file:
                notes = _read_text(notes_file)
            else:
                notes, findings = edit_session(date, findings=findings)
        try:
            sid = add_session(vault, cid, date, duration, notes, findings)
        except Exception as e:
            if notes_file and str(notes_file) != "-" and not resume:
                raise  # the text is still in its file
            raise _kept(vault.path, auth, cid, {"date": date, "duration_min": duration, "notes": notes,
                                                "findings": findings}, e) from None
        if kept is not None:
            drafts.discard(kept)
    output.out.print(sid)
    output.ok(f"session of {date} saved")


def _kept(vault_path: Path, auth: bytes, client_id: str, record: dict, e: Exception):
    """The error to show when a session the coach typed could not be saved: the text is kept
    (encrypted in the vault folder) and the message says how to get it back."""
    from dossier.errors import DossierError, FileProblem
    from dossier.records import drafts

    why = str(e) if isinstance(e, DossierError) else (getattr(e, "strerror", None) or type(e).__name__)
    try:
        drafts.keep(vault_path, auth, client_id, record)
    except OSError as again:
        return FileProblem(f"the session could not be saved ({why}), and keeping your text failed too "
                           f"({again.strerror or type(again).__name__})",
                           "nothing was saved; your text is still in the editor's file only if the editor kept a "
                           "backup of its own")
    hint = (f"your text is kept, encrypted in the vault folder; when the problem is solved: "
            f"dossier session add {client_id[:8]} --resume")
    if isinstance(e, DossierError):
        e.hint = hint
        return e
    return FileProblem(f"the session could not be saved ({why})", hint)


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
