"""The terminal rules, in one place (the only module that imports rich).

Data to stdout, messages to stderr (so ``--json`` pipes cleanly). Everything that came from
the vault is shown through :func:`safe`: rich markup prints literally and control characters
(ANSI escape codes, C1 codes) are shown as visible escapes, never sent to the terminal.
"""

from __future__ import annotations

import json
import re
import sys

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

out = Console(highlight=False, soft_wrap=False)
err = Console(stderr=True, highlight=False, soft_wrap=True)  # one message, one line

# C0 and C1 controls (ANSI escapes), line separators, and bidi controls that reorder what follows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def visible(value) -> str:
    """Text with every control character (except newline and tab) written as an escape."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1] if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def safe(value, style: str = "") -> Text:
    """A rich Text that shows ``value`` literally: no markup, no escape codes."""
    if isinstance(value, bool):
        value = "ja" if value else "nee"
    return Text(visible(value), style=style)


def snippet(value: str) -> Text:
    """A search snippet with matches (between \\x02 and \\x03) highlighted."""
    text = Text()
    for i, part in enumerate(re.split(r"[\x02\x03]", value or "")):
        text.append(visible(part), style="bold yellow" if i % 2 else "")
    return text


_NO_WRAP = {"id", "date", "born", "added", "time", "seq", "status", "last session", "received", "deadline",
            "granted", "withdrawn", "type", "kind", "age"}


def table(title: str | None, columns: list[str], rows: list[list]) -> None:
    t = Table(title=safe(title) if title else None, title_justify="left", show_lines=False, box=box.SIMPLE_HEAD,
              padding=(0, 1), pad_edge=False, collapse_padding=True, show_edge=False)
    for c in columns:
        t.add_column(c, no_wrap=c in _NO_WRAP)
    for r in rows:
        t.add_row(*[cell if isinstance(cell, Text) else safe(cell) for cell in r])
    out.print(t)


def fields(title: str, pairs: list[tuple[str, object]]) -> None:
    """A two-column block of label / value."""
    t = Table(title=safe(title), title_justify="left", show_header=False, box=None, pad_edge=False)
    t.add_column(style="bold")
    t.add_column()
    for label, value in pairs:
        t.add_row(label, safe(value))
    out.print(t)
    out.print()


def paragraph(label: str, value: str) -> None:
    out.print(Text(label, style="bold"))
    out.print(safe(value or "—"))
    out.print()


def emit_json(obj) -> None:
    """JSON on stdout; C1 control characters are escaped too (json escapes only C0)."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    text = re.sub(r"[\x7f-\x9f\u200e\u200f\u2028-\u202e\u2066-\u2069]", lambda m: f"\\u{ord(m.group()):04x}", text)
    sys.stdout.write(text + "\n")


def note(message: str) -> None:
    err.print(safe(message))


def ok(message: str) -> None:
    err.print(Text("✓ ", style="green") + safe(message))


def warn(message: str) -> None:
    err.print(Text("dossier: warning: ", style="bold red") + safe(message, "red"))


def error(message: str, hint: str | None = None) -> None:
    err.print(Text("dossier: error: ", style="bold red") + safe(message))
    if hint:
        err.print(Text("dossier: hint: ", style="yellow") + safe(hint))


class progress_bar:
    """A byte progress bar on stderr, shown only on a terminal; call the object to advance it."""

    def __init__(self, description: str, total: int | None):
        from rich.progress import (BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn,
                                   TransferSpeedColumn)

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                                  TransferSpeedColumn(), TimeRemainingColumn(), console=err, transient=True,
                                  disable=not err.is_terminal)
        self._task = self._progress.add_task(description, total=total)

    def __enter__(self):
        self._progress.start()
        return self

    def __exit__(self, *exc):
        self._progress.stop()

    def __call__(self, n: int, total: int | None = None) -> None:
        if total is not None:
            self._progress.update(self._task, total=total or None)
        if n:
            self._progress.advance(self._task, n)
