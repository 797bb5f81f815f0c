"""Writing session notes in the coach's own editor without leaving plaintext behind.

The file lives in a private 0700 folder on a RAM-backed filesystem where there is one
(/dev/shm), and is overwritten and removed afterwards, whatever happens (TB 2.13-2.15,
CSR 6.6: no plaintext of the dossier on disk).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time

from dossier import paths
from dossier.errors import EditorFailed, FileProblem

DETACHED_S = 1.0  # an editor that returns sooner, with the file unchanged, did not wait for the coach
FINDINGS_MARK = "# === Bevindingen van de coach"
TEMPLATE = f"""# Notities van de sessie op {{date}}. Regels die met '#' beginnen worden genegeerd.
# Schrijf hieronder wat er in de sessie gebeurde; sla op en sluit de editor.

{{notes}}

{FINDINGS_MARK} (CSR 5.3: uw eigen conclusies, apart bewaard) ===

{{findings}}
"""


def split_command(value: str, windows: bool = os.name == "nt") -> list[str]:
    """``VISUAL``/``EDITOR`` split as the platform's shell would: POSIX rules, or on Windows
    ``"C:\\Program Files\\Notepad++\\notepad++.exe" -multiInst`` (backslashes are path
    separators, double quotes group and are removed)."""
    if not windows:
        return shlex.split(value)
    parts = shlex.split(value, posix=False)
    return [p[1:-1] if len(p) >= 2 and p[0] == p[-1] == '"' else p for p in parts]


def editor_command() -> list[str]:
    for var in ("VISUAL", "EDITOR"):
        value = os.environ.get(var, "").strip()
        if value:
            try:
                return split_command(value)
            except ValueError:
                raise EditorFailed(f"{var} cannot be read as a command (an unclosed quote?)",
                                   "set it to the editor's path and options, or pass --notes-file") from None
    if os.name == "nt":
        return ["notepad"]
    for name in ("nano", "vi"):
        if shutil.which(name):
            return [name]
    raise EditorFailed("no editor found", "set EDITOR, or pass --notes-file")


def parse(text: str) -> tuple[str, str]:
    """(notes, findings) from the edited file; comment lines are dropped."""
    notes_part, _, findings_part = text.partition(FINDINGS_MARK)
    findings_part = findings_part.split("\n", 1)[1] if "\n" in findings_part else ""

    def clean(part: str) -> str:
        return "\n".join(line for line in part.splitlines() if not line.lstrip().startswith("#")).strip()

    return clean(notes_part), clean(findings_part)


SECRET_VARS = ("DOSSIER_PASSPHRASE", "DOSSIER_NEW_PASSPHRASE", "DOSSIER_RECOVERY_KEY", "DOSSIER_SUCCESSOR_SHARES")


def _without_secrets(environ) -> dict:
    """The editor (and its plug-ins) never see a passphrase from the environment."""
    return {k: v for k, v in environ.items() if k not in SECRET_VARS}


def edit_session(date: str, notes: str = "", findings: str = "") -> tuple[str, str]:
    """Open the editor on a private temporary file; returns (notes, findings)."""
    command = editor_command()
    with paths.private_tempdir() as folder:
        path = folder / "sessie.txt"
        start = TEMPLATE.format(date=date, notes=notes, findings=findings)
        paths.write_private_file(path, start.encode("utf-8"))
        began = time.monotonic()
        try:
            result = subprocess.run([*command, str(path)], env=_without_secrets(os.environ),
                                    stdin=sys.stdin if sys.stdin.isatty() else None)
        except OSError as e:
            raise EditorFailed(f"cannot start the editor {command[0]!r} ({e.strerror})", "set EDITOR") from None
        if result.returncode != 0:
            raise EditorFailed(f"the editor exited with code {result.returncode}; nothing was saved")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise FileProblem("the edited notes could not be read back as UTF-8 text; nothing was saved") from None
        if text == start and time.monotonic() - began < DETACHED_S:
            raise EditorFailed(f"the editor {command[0]!r} returned at once without a change: it probably opened a "
                               "window of its own and did not wait for you (Notepad on Windows 11, 'code' "
                               "without --wait); nothing was saved",
                               "set EDITOR to an editor that waits, for example 'code --wait' or "
                               "'notepad++ -multiInst -nosession', or pass --notes-file")
    notes, findings = parse(text)
    if not notes and not findings:
        raise EditorFailed("no notes or findings were written; nothing was saved")
    return notes, findings
