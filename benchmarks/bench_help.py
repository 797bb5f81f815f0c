#!/usr/bin/env python3
"""How long `dossier --help` takes against a bare typer app of the same shape.

    python benchmarks/bench_help.py [--runs 21]

Writes a typer app with no-op commands in the same nested shape as dossier's (every group and
command, counted from dossier's own click group) to a temporary file, then runs
`python -m dossier --help` and `python BARE --help` in turn, pair by pair, and prints the
median of each and the median of the per-pair ratios. Start-up is what a coach feels on every
command: the CLI imports the core only inside the commands, so --help measures the layer above.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dossier.cli import cli


def _shape(group, prefix: str = "app") -> tuple[list[str], int]:
    lines, count = [], 0
    for name, cmd in group.commands.items():
        ident = f"{prefix}_{name.replace('-', '_')}"
        if hasattr(cmd, "commands"):  # a group (typer vendors click)
            lines.append(f"{ident} = typer.Typer()\n{prefix}.add_typer({ident}, name={name!r})")
            sub, n = _shape(cmd, ident)
            lines += sub
            count += n
        else:
            lines.append(f"@{prefix}.command({name!r})\ndef {ident}():\n    pass")
            count += 1
    return lines, count


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    runs = ap.parse_args().runs
    lines, count = _shape(cli)
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text("import typer\napp = typer.Typer()\n" + "\n".join(lines) + "\napp()\n")
        commands = {"dossier": [sys.executable, "-m", "dossier", "--help"], "bare": [sys.executable, str(bare), "--help"]}
        times: dict[str, list[float]] = {k: [] for k in commands}
        for _ in range(runs + 1):  # the first pair warms the file cache and is not counted
            for name, cmd in commands.items():
                start = time.perf_counter()
                subprocess.run(cmd, capture_output=True, check=True)
                times[name].append(time.perf_counter() - start)
    d, b = times["dossier"][1:], times["bare"][1:]
    print(f"{count} commands; {runs} pairs")
    print(f"dossier --help: median {statistics.median(d) * 1000:.0f} ms")
    print(f"bare typer app: median {statistics.median(b) * 1000:.0f} ms")
    print(f"ratio (median of the pairs): {statistics.median(x / y for x, y in zip(d, b)):.2f}")


if __name__ == "__main__":
    main()
