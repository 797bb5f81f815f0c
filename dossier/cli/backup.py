"""dossier backup [--to DIR] | backup list | backup prune, and dossier restore (CSR 5.4; TB 2.13-2.15)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dossier.cli import output
from dossier.clock import local_time
from dossier.cli.unlock import opened

TO_HELP = "The backup folder (default: the one remembered from 'dossier backup --to DIR')."

# The group's help is the callback's docstring (typer would let a help= here hide it).
backup_app = typer.Typer(invoke_without_command=True)


@backup_app.callback()
def backup(
    ctx: typer.Context,
    to: Optional[Path] = typer.Option(None, "--to", metavar="DIR",
                                      help="Where to write the backup; remembered for next time (made 0700)."),
):
    """Make a backup (no subcommand), or list and prune them: backups that cannot bring back
    a destroyed dossier (CSR 5.4; TB 2.13-2.15).

    A backup holds the database under a key of its own, the attachment files and a manifest
    (no names, no content), in a new folder inside DIR. The records stay encrypted; it opens
    with today's passphrase (TB 2.13-2.15).
    CSR 5.4: a later destruction is carried into every backup in the folder, and a restore
    re-applies every destruction it knows of, so a backup never brings a dossier back.
    """
    if ctx.invoked_subcommand is not None:
        ctx.obj["backup_to"] = to  # 'dossier backup --to DIR list' means that folder too
        return
    from dossier.retention.backups import make_backup

    with opened(ctx) as vault:
        path = make_backup(vault, to)
    output.out.print(output.safe(path), soft_wrap=True)  # a path stays one line
    output.ok(f"backup written to {path}")


def _folder(ctx: typer.Context, to: Optional[Path]) -> Path:
    """The folder given, else the remembered one (that needs the vault unlocked)."""
    to = to or ctx.obj.get("backup_to")
    if to is not None:
        return to
    from dossier.retention.backups import backup_folder, require_folder

    with opened(ctx) as vault:
        return require_folder(backup_folder(vault))


@backup_app.command("list")
def list_(
    ctx: typer.Context,
    to: Optional[Path] = typer.Option(None, "--to", metavar="DIR", help=TO_HELP),
    json_: bool = typer.Option(False, "--json", help="JSON records for scripts."),
):
    """List the backups, oldest first, each checked file by file against its manifest.

    With --to no passphrase is needed: manifests hold no names and no content (TB 2.13).
    """
    from dossier.retention.backups import list_backups

    backups = list_backups(_folder(ctx, to))
    if json_:
        return output.emit_json(backups)
    output.table(f"{len(backups)} backups", ["name", "created", "clients", "status"],
                 [[b["name"], local_time(b["created"]), "" if b["clients"] is None else b["clients"],
                   "ok" if b["ok"] else f"DAMAGED: {b['problem']}"] for b in backups])
    if any(not b["ok"] for b in backups):
        output.warn("a damaged backup may still hold destroyed dossiers (CSR 5.4): remove it when you have "
                    "a sound one")


@backup_app.command("prune")
def prune(
    ctx: typer.Context,
    keep: int = typer.Option(..., "--keep", metavar="N", help="How many of the newest sound backups to keep (1 or more)."),
    to: Optional[Path] = typer.Option(None, "--to", metavar="DIR", help=TO_HELP),
):
    """Remove all but the newest N sound backups; damaged ones are left and reported.

    CSR 5.4 and the practice's retention: fewer old copies, fewer places a dossier lives on.
    """
    from dossier.retention.backups import prune as prune_backups

    result = prune_backups(_folder(ctx, to), keep)
    for name in result["removed"]:
        output.out.print(output.safe(name), soft_wrap=True)
    output.ok(f"removed {len(result['removed'])} backup(s), kept {len(result['kept'])}")
    for d in result["damaged"]:
        output.warn(f"left in place: {d['problem']}")


def restore(
    ctx: typer.Context,
    backup: Path = typer.Argument(..., help="A backup folder (dossier-backup-…)."),
    to: Path = typer.Option(..., "--to", metavar="PATH", help="A new or empty folder for the restored vault."),
):
    """Restore a backup as a new vault at PATH, without the dossiers destroyed since (CSR 5.4).

    The passphrase is the vault's passphrase on the day of the backup, or of the last
    destruction that rewrote it (DOSSIER_PASSPHRASE, DOSSIER_PASSCOMMAND or a hidden prompt). Every destruction recorded since (in the backups
    beside it and beside the vault's rollback mirror) is applied again before the restored
    vault is used. It gets a vault id of its own (TB 2.13-2.15: the original stays intact).
    """
    from dossier.retention.backups import restore as restore_backup
    from dossier.cli import unlock

    result = restore_backup(backup, to, unlock.passphrase())
    output.out.print(output.safe(result["path"]), soft_wrap=True)  # a path stays one line
    output.ok(f"restored {result['clients']} client(s) from {result['backup']} into {result['path']}")
    for name in result.get("refused_ledgers", []):
        output.warn(f"ignored the ledger of {name}: this vault did not sign it (forged, or from another vault); "
                    "it deleted nothing")
    if result["reapplied"]:
        output.ok(f"destroyed again, as recorded in the ledger: {', '.join(result['reapplied'])}")
    output.note(f"use it with: dossier --vault {result['path']} …")
