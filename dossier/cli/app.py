"""The root command, error handling in one place, and the registry of every command module."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import Optional

import typer
from typer.core import TyperGroup

from dossier.cli import output
from dossier.errors import DossierError

INTERNAL_ERROR = 70


class DossierGroup(TyperGroup):
    """Turns every failure into one error line and an exit code (style.md habit 2)."""

    def invoke(self, ctx):
        interrupted: list[bool] = []
        try:
            with _noting_interrupts(interrupted):
                return super().invoke(ctx)
        except (DossierError, typer.Abort) as e:
            if interrupted:  # Ctrl-C at a prompt (click makes it Abort, dossier a missing passphrase)
                output.error("interrupted; nothing was changed")
                raise typer.Exit(130) from None
            if isinstance(e, typer.Abort):
                raise
            output.error(str(e), e.hint)
            raise typer.Exit(e.exit_code) from None
        except KeyboardInterrupt:
            output.error("interrupted; the last change was not saved")
            raise typer.Exit(130) from None
        except OSError as e:  # a path the coach gave that the system refuses (too long, no such folder, ...)
            where = f"{str(e.filename)[:80]}{'…' if len(str(e.filename)) > 80 else ''}: " if e.filename else ""
            output.error(f"{where}{e.strerror or type(e).__name__}", "check the path, and that the disk is there and "
                                                                       "writable; nothing was written there")
            raise typer.Exit(1) from None
        except Exception as e:
            # typer's (or click's) own exits and usage errors pass through unchanged
            if type(e).__module__.split(".")[0] in ("typer", "click") or (ctx.obj or {}).get("debug"):
                raise
            from dossier.store import DatabaseError

            if isinstance(e, DatabaseError) and "full" in str(e):  # SQLITE_FULL: the disk (or a quota)
                output.error("the disk is full: nothing was changed", "free some space, then run the command again")
                raise typer.Exit(1) from None
            if isinstance(e, DatabaseError):
                output.error(f"the vault database refused this: {str(e).splitlines()[0][:160] if str(e) else type(e).__name__}",
                             "run 'dossier verify'")
                raise typer.Exit(5) from None
            output.error(f"unexpected internal error ({type(e).__name__}); nothing was changed",
                         "run again with --debug to see the traceback, and report it")
            raise typer.Exit(INTERNAL_ERROR) from None


@contextlib.contextmanager
def _noting_interrupts(interrupted: list):
    """Note a Ctrl-C (SIGINT) in ``interrupted`` before it becomes a KeyboardInterrupt, so that
    a prompt that turns it into something else (Abort, "no passphrase given") is still told
    apart from a closed input: Ctrl-C is exit 130, "interrupted", everywhere."""
    def on_interrupt(signum, frame):
        interrupted.append(True)
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGINT, on_interrupt)
    except ValueError:  # not the main thread (a test runner's): nothing to note
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


app = typer.Typer(
    cls=DossierGroup,
    name="dossier",
    help="A local-first, encrypted client-dossier vault for coaches (CSR Centrum, TotalBalance).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,  # locals may hold passphrases
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool):
    if value:
        from dossier import __version__

        typer.echo(f"dossier {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    vault: Optional[Path] = typer.Option(None, "--vault", envvar="DOSSIER_VAULT", metavar="PATH",
                                         help="The vault folder (default: the platform's user data folder)."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks of unexpected errors (may show client data)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
):
    """Keep client dossiers encrypted, and keep the promises of the codes of conduct.

    The passphrase is typed at a hidden prompt, or comes from DOSSIER_PASSPHRASE or from
    the output of DOSSIER_PASSCOMMAND; never from an argument.
    """
    from dossier import paths

    ctx.obj = {"vault": vault or paths.default_vault(), "debug": debug}


def demo():
    """Walk through the main job in a throw-away vault built from the examples.

    Adds a client and a session, searches and shows, printing each command it runs.
    """
    from dossier.cli.demo import run_demo

    run_demo(cli)


def _register() -> None:
    from dossier.cli import (anonymise, attachment, audit, backup, client, consent, data, destroy, handover, identity,
                             practice, rights, session, successor, vault)

    app.command()(vault.init)
    app.command()(vault.passwd)
    app.command("unlock-with-recovery")(vault.unlock_with_recovery)
    app.command("recovery-key")(vault.recovery_key)
    app.command()(vault.verify)
    app.command()(demo)

    app.add_typer(client.app, name="client")
    app.add_typer(session.app, name="session")
    app.add_typer(session.result_app, name="result")
    app.add_typer(attachment.app, name="attachment")
    app.add_typer(audit.app, name="audit")
    app.command("attach")(attachment.attach)
    app.command("search")(data.search)
    app.command("import")(data.import_)
    app.command("export")(data.export)
    app.command("copy")(rights.copy)
    app.add_typer(rights.correction_app, name="correction")
    app.add_typer(rights.statement_app, name="statement")
    app.add_typer(rights.requests_app, name="requests")
    app.add_typer(consent.consent_app, name="consent")
    app.command("disclose")(consent.disclose)
    app.command("disclosures")(consent.disclosures)
    app.command("report")(consent.report)
    app.add_typer(practice.practice_app, name="practice")
    app.add_typer(destroy.destroy_app, name="destroy")
    app.add_typer(destroy.retention_app, name="retention")
    app.command("due")(destroy.due)
    app.command("close")(client.close)
    app.add_typer(backup.backup_app, name="backup")
    app.command("restore")(backup.restore)
    app.command("anonymise")(anonymise.anonymise)
    app.add_typer(successor.successor_app, name="successor")
    app.add_typer(identity.identity_app, name="identity")
    app.add_typer(identity.contacts_app, name="contacts")
    app.add_typer(handover.handover_app, name="handover")


_register()
cli = typer.main.get_command(app)


def main() -> None:
    cli(prog_name="dossier")
