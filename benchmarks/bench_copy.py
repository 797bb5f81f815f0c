#!/usr/bin/env python3
"""Benchmark the client copy (dossier copy): rendering the PDF, and the whole command.

    python benchmarks/bench_copy.py [--sessions 1,50,200] [--repeat N] [--workdir DIR]

For each dossier size (sessions of about 300 words, from the same generator as
bench_vault.py) it prints medians of: the PDF render alone (Typst; first render in a
fresh process, and the same input again, which Typst memoises), make_copy in-process
(load, render, write PDF and JSON, log; the input changes each time, as the copies log grows), and `dossier copy` as a subprocess. The vault uses
the cheapest KDF so that the subprocess figure is the command itself, not Argon2id.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_vault import make_practice, median_time  # noqa: E402

PASSPHRASE = "benchmark passphrase for a throw-away vault"
_CHILD = """import json, sys, time
from dossier.render import render_copy
d = json.load(open(sys.argv[1]))
t0 = time.perf_counter()
render_copy(d["client"], practice=d["practice"], generated="2026-11-23")
print(time.perf_counter() - t0)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", default="1,50,200")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-copy-", dir=args.workdir))
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")
    try:
        print(f"{'sessions':>8} {'pages':>5} {'PDF KiB':>8} {'render ms':>10} {'again ms':>9} {'make_copy ms':>13} "
              f"{'CLI ms':>8}")
        for n in [int(x) for x in args.sessions.split(",")]:
            print(f"{n:>8} " + bench(work / f"s{n}", n, args.repeat), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(work: Path, n_sessions: int, repeat: int) -> str:
    from dossier import crypto
    from dossier.records.document import import_document
    from dossier.practice import set_practice
    from dossier.records.document import load_client
    from dossier.render import render_copy
    from dossier.rights.copies import make_copy
    from dossier.vault import Vault

    doc, _ = make_practice(1, n_sessions)
    cid = doc["clients"][0]["id"]
    vault, _ = Vault.create(work / "vault", PASSPHRASE, crypto.KdfParams.TEST_ONLY_MINIMUM)
    import_document(vault, doc)
    set_practice(vault, {"coach": "Anne de Wit", "email": "anne@example.nl"})
    client = load_client(vault.db, cid, with_attachment_content=False)
    practice = {"coach": "Anne de Wit", "practice": "", "email": "anne@example.nl", "phone": "", "address": "",
                "postcode": "", "city": "", "website": ""}
    pdf = render_copy(client, practice=practice, generated="2026-11-23")
    # Typst memoises layout within a process, so the same input again costs almost nothing:
    # time the first render in a fresh process, as a command meets it.
    (work / "client.json").write_text(json.dumps({"client": client, "practice": practice}))
    render = statistics.median(float(subprocess.run([sys.executable, "-c", _CHILD, str(work / "client.json")],
                                                    check=True, capture_output=True, text=True).stdout)
                               for _ in range(repeat))
    warm = median_time(lambda: render_copy(client, practice=practice, generated="2026-11-23"), repeat)
    k = iter(range(10**6))
    inproc = median_time(lambda: make_copy(vault, cid, work / f"out{next(k)}"), repeat)
    vault.close()
    env = {**os.environ, "DOSSIER_PASSPHRASE": PASSPHRASE}
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "dossier", "--vault", str(work / "vault"), "copy", cid,
                        "--out", str(work / f"cli{i}")], env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    pages = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    pages = next((line.split()[1] for line in pages.splitlines() if line.startswith("Pages:")), "?")
    return (f"{pages:>5} {len(pdf) / 1024:>8.0f} {render * 1000:>10.0f} {warm * 1000:>9.0f} {inproc * 1000:>13.0f} "
            f"{statistics.median(times) * 1000:>8.0f}")


if __name__ == "__main__":
    main()
