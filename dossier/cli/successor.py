"""dossier successor setup | unlock | revoke | show (TB 2.28; CSR 2.5)."""

from __future__ import annotations

import os
from typing import List, Optional

import typer

from dossier.cli import output
from dossier.cli.unlock import opened

successor_app = typer.Typer(help="Successor access for incapacity (TB 2.28): shares of a key, K of N needed.",
                            no_args_is_help=True)


@successor_app.command("setup")
def setup(
    ctx: typer.Context,
    shares: int = typer.Option(..., "--shares", help="How many shares (N), at most 16."),
    threshold: int = typer.Option(..., "--threshold", help="How many shares open the vault together (K, at least 2)."),
    to: Optional[List[str]] = typer.Option(None, "--to", help="Who gets each share (repeat N times; recorded)."),
):
    """Split a new successor key into N shares (SLIP-39 word lists); any K open the vault.

    The shares are printed once, here, and kept nowhere: print them and hand one to each
    trusted colleague or a notary. A new setup makes the old shares useless.
    """
    from dossier.handover.successor import check_setup, setup

    check_setup(shares, threshold, to or [])  # before the passphrase is asked
    with opened(ctx) as vault:
        words = setup(vault, shares, threshold, to or [])
    for i, share in enumerate(words, 1):
        holder = f" (for {to[i - 1]})" if to else ""
        output.out.print(output.safe(f"Share {i} of {shares}{holder}, {threshold} needed:"))  # names from --to
        output.out.print(f"    {share}\n", soft_wrap=True)  # one line: a share is copied whole
    output.ok(f"successor access set up: {threshold} of {shares} shares open the vault; recorded without the shares")


@successor_app.command("unlock")
def unlock(ctx: typer.Context):
    """Open the vault with K shares and set a new passphrase.

    The shares come from DOSSIER_SUCCESSOR_SHARES (one per line) or are asked one by one
    (an empty answer ends); the new passphrase from DOSSIER_NEW_PASSPHRASE or a prompt.
    """
    from dossier.cli.unlock import set_new_passphrase
    from dossier.handover.successor import combine
    from dossier.vault import Vault

    env = os.environ.get("DOSSIER_SUCCESSOR_SHARES")
    if env:
        shares = env.splitlines()
    else:
        shares = []
        while True:
            try:
                share = typer.prompt(f"Share {len(shares) + 1} (empty when done)", default="", show_default=False,
                                     hide_input=True, err=True)
            except (typer.Abort, EOFError):
                break
            if not share.strip():
                break
            shares.append(share)
    with Vault.open_with_successor(ctx.obj["vault"], combine(shares)) as vault:
        set_new_passphrase(vault)
    output.ok("vault opened with the successor shares; new passphrase set")


@successor_app.command("revoke")
def revoke(ctx: typer.Context):
    """Make every successor share useless (the successor key slot is removed)."""
    from dossier.handover.successor import revoke

    with opened(ctx) as vault:
        revoke(vault)
    output.ok("successor access revoked; old shares no longer open this vault")


@successor_app.command("show")
def show(ctx: typer.Context, json_: bool = typer.Option(False, "--json", help="JSON for scripts.")):
    """Whether successor access is set up: date, N, K, holders (never the shares)."""
    from dossier.handover.successor import status

    with opened(ctx) as vault:
        info = status(vault)
    if json_:
        return output.emit_json(info)
    if not info:
        output.note("no successor access set up")
        return
    output.fields("Successor access (TB 2.28)", [("set up", info["date"]), ("shares", info["shares"]),
                                                  ("needed", info["threshold"]),
                                                  ("holders", ", ".join(info["holders"]) or "(not recorded)"),
                                                  ("active", info["active"])])
