"""``dossier demo``: the main job, end to end, in a throw-away vault.

Builds a vault in a private temporary folder (RAM-backed where possible), imports the
fictional practice from ``examples/`` and runs the real commands in this process, printing
each one before its output. Everything is removed afterwards, the mirror of its audit head
included.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import json
import os
import secrets
import shlex

from dossier import clock, paths
from dossier.errors import DossierError
from dossier.vault import audit

NOTES = """Tweede gesprek. Eva slaapt slecht sinds de reorganisatie en ligt 's nachts te piekeren over
de deadlines van haar team. We hebben de stressreactie uitgelegd (spanning en herstel) en een
ademhalingsoefening van zes ademhalingen per minuut geoefend met de HRV-sensor.
Afspraak: elke dag twee keer tien minuten oefenen en een slaapdagboek bijhouden."""
FINDINGS = "Herstel schiet tekort door piekeren in de avond; ademhalingstraining lijkt goed aan te slaan."


def _steps(example: str, notes: str, findings: str, out: str) -> list[tuple[str, list[str]]]:
    today = clock.today()
    return [
        ("Create a vault (the passphrase comes from DOSSIER_PASSPHRASE here; normally a hidden prompt)", ["init"]),
        ("Import the fictional practice (dossier/1 JSON, all or nothing)", ["import", example]),
        ("List the clients", ["client", "list"]),
        ("Add a new client with her assignment and a third person", [
            "client", "add", "--first-name", "Eva", "--last-name", "Jansen", "--birth-date", "1984-05-17",
            "--email", "eva.jansen@example.nl", "--phone", "06 12345678", "--employer", "Gemeente Voorbeeldstad",
            "--goal", "Weer energie krijgen en leren grenzen aan te geven", "--person", "Karin Mulder=leidinggevende",
            "--set", "commissioner.organisation=Gemeente Voorbeeldstad", "--set", "agreement.date=" + today,
            "--set", "agreement.code_handed_over=ja", "--set", "agreement.complaints_procedure_explained=ja"]),
        ("Record a session: notes and the coach's findings, kept apart (CSR 5.3)", [
            "session", "add", "Eva Jansen", "--date", today, "--duration", "60",
            "--notes-file", notes, "--findings-file", findings]),
        ("Search the whole practice (full text inside the encrypted database)", ["search", "slaap"]),
        ("Show the dossier", ["client", "show", "Eva Jansen"]),
        ("Your practice's details, for the cover of client documents", [
            "practice", "set", "coach=Anne de Wit", "practice=Praktijk Vooruit", "email=anne@vooruit.example.nl"]),
        ("Eva asks for a copy of her dossier (GDPR Art. 15: answer within one month)", [
            "requests", "add", "Eva Jansen", "--kind", "copy"]),
        ("... and for a correction of her phone number (CSR 5.3)", [
            "correction", "request", "Eva Jansen", "--field", "phone", "--proposed", "06 87654321",
            "--reason", "Nieuw nummer"]),
        ("The open requests of the practice, with their deadlines", ["requests"]),
        ("Give Eva her copy: a PDF written for her, and the same as JSON (CSR 5.1)", [
            "copy", "Eva Jansen", "--out", out]),
        ("An anonymised case of another client for intervision: every replacement is shown first (TB 2.16)", [
            "anonymise", "Noëlle Dijkstra", "--sessions", "1-2", "--out", out + "/casus.md", "--yes"]),
        ("Prove the audit trail unbroken (every unlock, change and export, never content)", ["audit", "verify"]),
    ]


def run_demo(cli, echo=print) -> None:
    """Run the demo's steps through ``cli``, the root command (cli/app.py passes it: this module
    does not import the app, which imports it)."""
    example = importlib.resources.files("dossier.examples") / "praktijk.json"
    with paths.private_tempdir() as tmp, importlib.resources.as_file(example) as example_path, \
            _env("DOSSIER_PASSPHRASE", "demo " + secrets.token_urlsafe(18)):
        vault = tmp / "vault"
        (tmp / "notes.txt").write_text(NOTES, encoding="utf-8")
        (tmp / "findings.txt").write_text(FINDINGS, encoding="utf-8")
        echo(f"A throw-away vault in {vault}; it is removed at the end.\n")
        try:
            for title, args in _steps(str(example_path), str(tmp / "notes.txt"), str(tmp / "findings.txt"),
                                      str(tmp / "afschrift")):
                echo(f"\n== {title}\n$ dossier {shlex.join(args)}")
                code = cli.main(args=["--vault", str(vault), *args], prog_name="dossier", standalone_mode=False)
                if code not in (None, 0):
                    raise DossierError(f"the demo stopped: 'dossier {args[0]}' exited with code {code}")
        finally:
            _forget_mirror(vault)
        echo("\nDone. The demo vault is removed now; create your own with: dossier init")


def _forget_mirror(vault) -> None:
    with contextlib.suppress(OSError, ValueError, KeyError):
        audit.forget_mirror(json.loads((vault / "keyslots.json").read_text())["vault_id"])


@contextlib.contextmanager
def _env(name: str, value: str):
    old = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = old
