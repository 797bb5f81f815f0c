"""dossier init | passwd | recovery-key | unlock-with-recovery | verify: the vault itself (TB 2.13-2.15, CSR 6.6)."""

from __future__ import annotations

import typer

from dossier.cli import output

def init(ctx: typer.Context):
    """Create a vault: a passphrase (asked twice), Argon2id, and a one-time recovery key.

    TB 2.13-2.15, CSR 6.6: records are kept encrypted, always. The new passphrase comes from
    DOSSIER_PASSPHRASE for scripts, else from a hidden prompt.
    """
    from dossier import crypto
    from dossier.cli import unlock
    from dossier.vault import Vault, check_new_location
    from dossier.vault.passphrase import check_passphrase_strength

    path = ctx.obj["vault"]
    check_new_location(path)  # before asking anything
    passphrase = unlock.new_passphrase("DOSSIER_PASSPHRASE")
    check_passphrase_strength(passphrase)
    with output.err.status("Calibrating the key derivation (Argon2id, about half a second)…"):
        kdf = crypto.calibrate()
    vault, recovery = Vault.create(path, passphrase, kdf, check_strength=False)
    vault.close()
    output.ok(f"vault created at {path} (Argon2id: {kdf.opslimit} passes over {kdf.memlimit // 2**20} MiB)")
    _show_recovery(recovery)


def passwd(ctx: typer.Context):
    """Change the passphrase (the data key is rewrapped; the data is not re-encrypted).

    The new passphrase comes from DOSSIER_NEW_PASSPHRASE for scripts, else it is asked twice.
    """
    from dossier.cli import unlock

    with unlock.opened(ctx) as vault:
        unlock.set_new_passphrase(vault)
    output.ok("passphrase changed")


def recovery_key(ctx: typer.Context):
    """Make a new recovery key (shown once); the old one stops opening the vault.

    For a recovery key that was lost or seen by someone else, or one that a key change could
    not follow (a vault made by an older dossier). TB 2.13-2.15, CSR 6.6.
    """
    from dossier.cli import unlock

    with unlock.opened(ctx) as vault:
        recovery = vault.new_recovery_key()
    output.ok("new recovery key made; the old one no longer opens the vault")
    _show_recovery(recovery)


def _show_recovery(recovery: str) -> None:
    output.out.print("\nRecovery key (shown once; print it or write it down and keep it somewhere safe):\n")
    output.out.print(f"    {recovery}\n", style="bold")
    output.out.print("With it, 'dossier unlock-with-recovery' sets a new passphrase if you forget yours.")


def unlock_with_recovery(ctx: typer.Context):
    """Set a new passphrase with the recovery key printed by 'dossier init'.

    The recovery key comes from DOSSIER_RECOVERY_KEY or a hidden prompt; the new passphrase
    from DOSSIER_NEW_PASSPHRASE or a hidden prompt (asked twice).
    """
    from dossier.cli import unlock
    from dossier.vault import Vault

    with Vault.open_with_recovery(ctx.obj["vault"], unlock.recovery_key()) as vault:
        unlock.set_new_passphrase(vault)
    output.ok("new passphrase set with the recovery key")


def verify(
    ctx: typer.Context,
    accept_rollback: bool = typer.Option(False, "--accept-rollback",
                                         help="Accept the vault as it is now after a restore (logged)."),
):
    """Check the whole vault: every page's MAC, SQLite's integrity, the audit chain, rollback,
    and that no destruction is left unfinished (CSR 5.4).

    Exit code 5 when something is wrong, 6 when the vault is older than its mirror, 1 when
    the vault is sound but a destruction still has steps left (a backup out of reach).
    """
    from dossier.cli import unlock
    from dossier.errors import DestroyUnfinished
    from dossier.retention.destroy import pending

    with unlock.opened(ctx) as vault:  # (which first tries to finish an unfinished destruction)
        if accept_rollback and vault.rollback:
            output.warn("accepted: " + vault.accept_rollback())
        entries = vault.check()
        left = pending(vault.db).get("steps") if vault.rollback is None else None
        leftovers = vault.leftovers()
    if leftovers:
        output.warn(f"{len(leftovers)} attachment file(s) without a row in blobs/ (left by an interrupted or "
                    "refused import; unreadable without their keys): removed by a dossier command once they "
                    "are an hour old")
    if left:
        raise DestroyUnfinished(f"the vault is sound ({entries} audit entries), but a destruction is not finished: "
                                f"{', '.join(left)} still to do",
                                "plug in the backup disk (dossier backup list shows the folder); the next dossier "
                                "command finishes it")
    output.ok(f"vault verified: pages, integrity and {entries} audit entries in an unbroken chain")
