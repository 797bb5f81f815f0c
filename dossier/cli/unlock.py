"""Getting the passphrase and opening the vault for a command.

The passphrase comes from DOSSIER_PASSPHRASE, from the output of DOSSIER_PASSCOMMAND (like
borg's BORG_PASSCOMMAND, for `pass` or the OS keychain), or from a hidden prompt; never from
the command line, where other users and shell history could read it.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import subprocess

import typer

from dossier.errors import NoPassphrase


def _from_command(var: str) -> str | None:
    command = os.environ.get(var, "").strip()
    if not command:
        return None
    try:
        result = subprocess.run(shlex.split(command, posix=os.name != "nt"), capture_output=True, timeout=120)
    except (OSError, ValueError, subprocess.TimeoutExpired) as e:
        raise NoPassphrase(f"{var} could not be run ({type(e).__name__})") from None
    if result.returncode != 0:
        raise NoPassphrase(f"{var} failed with exit code {result.returncode}")
    try:
        text = result.stdout.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError:
        raise NoPassphrase(f"{var} printed something that is not UTF-8 text") from None
    if not text:
        raise NoPassphrase(f"{var} printed nothing")
    return text


def _prompt(label: str, confirm: bool = False) -> str:
    import getpass
    import sys
    import warnings

    if not sys.stdin.isatty():  # a pipe (a script, a test): one line each, without getpass's "may be echoed"
        return _read_lines(label, confirm)
    try:
        with warnings.catch_warnings():
            # Without a terminal getpass warns, with its own file path, that it may echo; there
            # is no terminal to echo to, and the user sees one clear error below instead.
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            return typer.prompt(label, hide_input=True, confirmation_prompt=confirm, err=True)
    except (typer.Abort, EOFError):
        raise NoPassphrase(f"no {label.lower()} given",
                           "type it at the prompt, or set DOSSIER_PASSPHRASE or DOSSIER_PASSCOMMAND") from None


def _read_lines(label: str, confirm: bool) -> str:
    import sys

    def line(text: str) -> str:
        sys.stderr.write(f"{text}: ")
        sys.stderr.flush()
        got = sys.stdin.readline()
        if not got:
            raise NoPassphrase(f"no {label.lower()} given",
                               "type it at the prompt, or set DOSSIER_PASSPHRASE or DOSSIER_PASSCOMMAND")
        return got.rstrip("\r\n")

    value = line(label)
    if confirm and line("Repeat for confirmation") != value:
        raise NoPassphrase("the two entries of the new passphrase differ; nothing was changed")
    if not value:
        raise NoPassphrase(f"no {label.lower()} given",
                           "type it at the prompt, or set DOSSIER_PASSPHRASE or DOSSIER_PASSCOMMAND")
    return value


def passphrase() -> str:
    """The current passphrase: DOSSIER_PASSPHRASE, DOSSIER_PASSCOMMAND, or a hidden prompt."""
    value = os.environ.get("DOSSIER_PASSPHRASE")
    if value:
        return value
    return _from_command("DOSSIER_PASSCOMMAND") or _prompt("Passphrase")


def new_passphrase(env_var: str) -> str:
    """A new passphrase: from ``env_var`` (for scripts) or asked twice at a hidden prompt."""
    value = os.environ.get(env_var)
    if value:
        return value
    return _prompt("New passphrase", confirm=True)


def set_new_passphrase(vault) -> None:
    """Ask for a new passphrase (DOSSIER_NEW_PASSPHRASE, or twice at a hidden prompt) and set it;
    the coach's and the practice's names count as guessable words. One rule for passwd,
    unlock-with-recovery and successor unlock (init has no practice yet)."""
    from dossier.practice import get_practice

    names = get_practice(vault.db)
    vault.change_passphrase(new_passphrase("DOSSIER_NEW_PASSPHRASE"), names=(names["coach"], names["practice"]))


def recovery_key() -> str:
    value = os.environ.get("DOSSIER_RECOVERY_KEY")
    if value:
        return value
    try:
        return typer.prompt("Recovery key", hide_input=True, err=True)
    except (typer.Abort, EOFError):
        raise NoPassphrase("no recovery key given") from None


def slots_dropped(kinds: list[str]) -> None:
    """Say which key slots a key change had to drop (slots made by a dossier before key-slot
    format /3 cannot take a new master key without their secret)."""
    from dossier.cli import output

    if "recovery" in kinds:
        output.warn("your recovery key no longer opens the vault (it was made by an older dossier and could not "
                    "follow the new key); make a new one now: dossier recovery-key")
    if "successor" in kinds:
        output.warn("successor access no longer opens the vault (made by an older dossier); set it up again: "
                    "dossier successor setup")


@contextlib.contextmanager
def opened(ctx: typer.Context):
    """The unlocked vault of this invocation; closed afterwards, whatever happens."""
    from dossier.cli import output
    from dossier.vault import Vault

    from dossier.vault import keyslots

    keyslots.read_slots(ctx.obj["vault"])  # no vault there, or a damaged one: said before the passphrase is asked
    vault = Vault.open(ctx.obj["vault"], passphrase())
    try:
        if vault.unlogged:
            output.warn(f"{vault.unlogged}: this unlock could not be written to the audit log; reading works, "
                        "changes are refused until it can be written")
        if vault.rollback:  # not migrated either: it may lack the tables of what is due
            output.warn(vault.rollback)
            output.warn("the vault is read-only until you confirm it: dossier verify --accept-rollback")
        else:
            from dossier.errors import DossierError
            from dossier.retention.destroy import finish_pending
            from dossier.retention.due import overdue_count

            try:
                finished = None if vault.unlogged else finish_pending(vault)
            except (DossierError, OSError) as e:  # (a full disk): the command itself still runs
                finished = None
                output.warn(f"a destruction is not finished, and finishing it failed now "
                            f"({getattr(e, 'strerror', None) or e}); the next dossier command tries again")
            if finished is not None:
                ids = ", ".join(e["client_id"][:8] for e in finished["entries"])
                if finished["steps"]:
                    output.warn(f"a destruction ({ids}) is not finished ({', '.join(finished['steps'])}): "
                                + "; ".join(f"{n}: {why}" for n, why in finished["backups"]["failed"]))
                    output.warn("the next dossier command tries again (a backup disk that is not plugged in: plug it in)")
                else:
                    output.ok(f"finished an interrupted destruction ({ids}): backups rewritten, new keys, files erased")
                slots_dropped(finished["dropped_slots"])

            with contextlib.suppress(OSError):  # attachment files a killed or refused write left (an hour old)
                if not vault.unlogged:
                    vault.sweep_leftovers()
            overdue = overdue_count(vault.db)
            if overdue:
                output.warn(f"{overdue} destruction(s) overdue (CSR 5.4); see: dossier due")
        yield vault
        if vault.mirror_problem:
            output.warn(vault.mirror_problem)
    finally:
        vault.close()
