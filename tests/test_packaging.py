"""The wheel holds every package and data file of the source tree (pyproject.toml lists the
packages by hand, so a new folder must be added there; this test says which). Built offline
from the test environment's setuptools, as `pip install .` would build it."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                           "-w", str(out), str(ROOT)], capture_output=True, text=True, cwd=build, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PIP_NO_INPUT": "1", "HOME": str(build),
                               "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Deprecat" not in done.stdout + done.stderr  # the install prints no warnings of its own
    (path,) = out.glob("dossier-*.whl")
    return zipfile.ZipFile(path)


def _source_files() -> set[str]:
    """What the wheel must hold: every .py, .json and .typ under dossier/, and the example practice."""
    files = {p.relative_to(ROOT).as_posix() for p in (ROOT / "dossier").rglob("*")
             if p.suffix in (".py", ".json", ".typ") and "__pycache__" not in p.parts}
    return files | {f"dossier/examples/{p.name}" for p in (ROOT / "examples").glob("*.json")}


def test_the_wheel_holds_every_package_and_data_file(wheel):
    held = set(wheel.namelist())
    assert _source_files() - held == set(), "add the missing package or data file to pyproject.toml"
    assert {"dossier/format/dossier-1.schema.json", "dossier/render/copy.typ", "dossier/examples/praktijk.json",
            "dossier/vault/ledger.py"} <= held


def test_the_wheel_holds_nothing_else_of_the_repository(wheel):
    outside = [n for n in wheel.namelist() if not n.startswith(("dossier/", "dossier-"))]
    assert outside == []
