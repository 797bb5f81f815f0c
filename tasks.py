#!/usr/bin/env python3
"""Set-up in one step, on a machine that has only Python 3.11+.

    python3 tasks.py demo    # create .venv, install dossier, run 'dossier demo'
    python3 tasks.py test    # create .venv, install dossier with its test tools, run the tests

Extra arguments after 'test' go to pytest (python3 tasks.py test -k vault).
"""

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def sh(*args, env=None) -> None:
    print("+", " ".join(map(str, args)), flush=True)
    subprocess.run(list(map(str, args)), check=True, cwd=ROOT, env=env)


def install(extra: str = "") -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"dossier needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PYTHON.exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    sh(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    # Editable, so that the command runs this folder's code. setuptools (80 and later) prints a
    # 12-line notice at every editable install, which reads to a coach like a failed install:
    # it is filtered by its message (a category filter would need setuptools importable here).
    sh(PYTHON, "-m", "pip", "install", "--quiet", "-e", f".{extra}",
       env={**os.environ, "PYTHONWARNINGS": "ignore:Editable installation"})


def main(argv: list[str]) -> int:
    task = argv[0] if argv else ""
    if task == "demo":
        install()
        return subprocess.run([str(PYTHON), "-m", "dossier", "demo"], cwd=ROOT).returncode
    if task == "test":
        install("[test]")
        return subprocess.run([str(PYTHON), "-m", "pytest", *argv[1:]], cwd=ROOT).returncode
    print(__doc__)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except subprocess.CalledProcessError as e:
        sys.exit(f"tasks.py: '{' '.join(map(str, e.cmd))}' failed with exit code {e.returncode}")
