"""Golden CLI transcripts (tests/transcripts/README.md): the main journeys as a coach sees
them, stdout, stderr, exit codes and the files left behind, run as real subprocesses."""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EXAMPLE, PASSPHRASE, make_vault
from dossier.records.document import import_document

HERE = Path(__file__).resolve().parent / "transcripts"
UPDATE = os.environ.get("DOSSIER_UPDATE_TRANSCRIPTS") == "1"
_MONTHS = ("januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december|January|"
           "February|March|April|May|June|July|August|September|October|November|December")


def _normalise(text: str, work: Path) -> str:
    today = dt.date.today().isoformat()
    text = text.replace(str(work), "<work>")
    text = re.sub(r"(fingerprint:?\s+)[0-9A-Za-z][0-9A-Za-z -]{15,}[0-9A-Za-z]", r"\1<fingerprint>", text)
    text = re.sub(r"AGE-SECRET-KEY-1[0-9A-Z]+|(?:[0-9A-Z]{4,}-){3,}[0-9A-Z]{4,}", "<recovery-key>", text)
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
    text = re.sub(r"\b[0-9a-f]{64}\b|\b[0-9a-f]{16}\b", "<bundle>", text)
    text = re.sub(r"\b\d{2}:\d{2} [+-]\d{2}:\d{2}\b", "<time>", text)
    text = text.replace(today, "<today>")
    text = re.sub(r"\d{4}-\d{2}-\d{2}", "<date>", text)
    text = re.sub(rf"\b\d{{1,2}} (?:{_MONTHS}) \d{{4}}\b", "<long-date>", text)
    text = re.sub(r"(?<![0-9a-z-])[0-9a-f]{8}(?![0-9a-z-])", "<id8>", text)
    text = re.sub(r"Argon2id: \d+ passes over \d+ MiB", "Argon2id: <n> passes over <n> MiB", text)
    text = re.sub(r"\(\d[\d,]* bytes\)", "(<size> bytes)", text)  # a bundle's size: its PDFs vary in length
    return text


def _make(kind: str, path: Path) -> None:
    vault, _ = make_vault(path)
    if kind == "practice":
        import json

        import_document(vault, json.loads(EXAMPLE.read_text(encoding="utf-8")))
    vault.close()


def _files(work: Path, vaults: list[str]) -> list[str]:
    out = []
    for p in sorted(work.rglob("*")):
        rel = p.relative_to(work)
        if rel.parts[0] in vaults and len(rel.parts) > 1 or not p.is_file():
            continue
        out.append(f"{stat.filemode(p.stat().st_mode)} {rel.as_posix()}")
    return out


def _run(script: str, work: Path) -> str:
    """Run the commands of ``script``; return the transcript as it should read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOSSIER_")}
    env.update(DOSSIER_PASSPHRASE=PASSPHRASE, DOSSIER_VAULT=str(work / "vault"), COLUMNS="100", NO_COLOR="1")
    vaults: list[str] = []
    out: list[str] = []
    for line in script.splitlines():
        if line.startswith(("> ", "! ", "? ", "-", "files:")) or line in (">", "!"):
            continue  # the expected output, made anew below
        if line.startswith("vaults:"):
            for name, kind in zip(("vault", "b"), line.split(":", 1)[1].split()):
                _make(kind, work / name)
                vaults.append(name)
        out.append(line)
        if line.startswith("$ dossier "):
            args = line[len("$ dossier "):].split()
            done = subprocess.run([sys.executable, "-m", "dossier", *args], cwd=work, env=env, capture_output=True,
                                  text=True, timeout=120)
            out += [f"> {x}".rstrip() for x in done.stdout.splitlines()]
            out += [f"! {x}".rstrip() for x in done.stderr.splitlines()]
            out.append(f"? {done.returncode}")
    while out and not out[-1].strip():
        out.pop()
    out += ["", "files:", *_files(work, vaults + ["vault"])]
    return _normalise("\n".join(out) + "\n", work)


@pytest.mark.parametrize("name", sorted(p.name for p in HERE.glob("*.txt")))
def test_transcript(name, tmp_path):
    path = HERE / name
    expected = path.read_text(encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    (work / "praktijk.json").write_bytes(EXAMPLE.read_bytes())
    got = _run(expected, work)
    if UPDATE:
        path.write_text(got, encoding="utf-8")
    assert got == expected, f"{name} changed; if on purpose: DOSSIER_UPDATE_TRANSCRIPTS=1 (then read the diff)"


def test_placeholders_hide_what_varies_and_keep_what_a_coach_reads(tmp_path):
    """Only run-dependent values become placeholders; names, words and counts stay as written."""
    line = (f"{tmp_path}/brieven/vernietiging-noelle-dijkstra-{dt.date.today().isoformat()}.pdf "
            "request 1b4e28ba-2fa1-11d2-883f-0016d3cca427 (1b4e28ba), deadline 2026-03-01; "
            "Noëlle Dijkstra, 4 sessions, 0 bytes of attachments, 17 december 2025")
    assert _normalise(line, tmp_path) == ("<work>/brieven/vernietiging-noelle-dijkstra-<today>.pdf request <id> "
                                          "(<id8>), deadline <date>; Noëlle Dijkstra, 4 sessions, "
                                          "0 bytes of attachments, <long-date>")
