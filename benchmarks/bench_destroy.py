#!/usr/bin/env python3
"""Benchmark destruction (issues 4, 13): one client out of 2,000 with 2 GB of attachments and one backup.

    python benchmarks/bench_destroy.py [--clients 2000] [--sessions 50] [--attachments-mb 2048]
                                       [--repeat 3] [--workdir DIR] [--quick]

Builds the practice of bench_vault.py (fixed seed), imports it, attaches files of 10 MiB of
random bytes spread over the clients until --attachments-mb is reached, makes one backup in a
backup folder, then prints medians of: the destruction of one client that has an attachment
(everything included: the deleting transaction with the index merge, the re-encryption under a
new key with the slot file, the attachment files erased, the backup rewritten), its parts, and
`dossier due` beyond the unlock. The vault uses the cheapest KDF so that the figures are the
destruction itself. Targets: destroy < 15 s; due < 100 ms beyond unlock.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_vault import make_practice  # noqa: E402

PASSPHRASE = "benchmark passphrase for a throw-away vault"
CHUNK = 10 * 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--attachments-mb", type=int, default=2048)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--quick", action="store_true", help="200 clients x 10 sessions, 100 MB of attachments")
    args = ap.parse_args()
    if args.quick:
        args.clients, args.sessions, args.attachments_mb = 200, 10, 100
    work = Path(tempfile.mkdtemp(prefix="bench-destroy-", dir=args.workdir))
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")
    try:
        bench(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def bench(work: Path, args) -> None:
    from dossier import clock, crypto
    from dossier.retention import backups, destroy, due, erase
    from dossier.records.document import import_document
    from dossier.records.attachments import attach
    from dossier.vault import Vault

    t0 = time.perf_counter()
    doc, _ = make_practice(args.clients, args.sessions)
    vault, _ = Vault.create(work / "vault", PASSPHRASE, crypto.KdfParams.TEST_ONLY_MINIMUM)
    import_document(vault, doc)
    ids = [c["id"] for c in doc["clients"]]
    del doc
    rng = random.Random(7)
    n_files = max(1, args.attachments_mb * 2**20 // CHUNK)
    with_files = rng.sample(ids, min(len(ids), n_files))
    src = work / "scan.pdf"
    for i in range(n_files):
        src.write_bytes(os.urandom(CHUNK))
        attach(vault, with_files[i % len(with_files)], src, "other")
    src.unlink()
    db_mb = (work / "vault" / "vault.db").stat().st_size / 2**20
    blob_mb = sum(f.stat().st_size for f in (work / "vault" / "blobs").iterdir()) / 2**20
    print(f"practice: {args.clients} clients x {args.sessions} sessions; vault.db {db_mb:.0f} MiB, "
          f"blobs {blob_mb:.0f} MiB in {n_files} files; built in {time.perf_counter() - t0:.0f} s", flush=True)

    t = time.perf_counter()
    backups.make_backup(vault, work / "backups")
    print(f"one backup made in {time.perf_counter() - t:.1f} s", flush=True)
    totals, parts = [], {"delete (one transaction)": [], "index merge": [], "rewrite the backup": [],
                         "re-encrypt + slot file": [], "erase files": []}
    victims = with_files[: args.repeat]
    for cid in victims:  # destroy.complete's steps, one by one, in its order
        t = time.perf_counter()
        with vault.write():
            blobs = erase.delete_client(vault, cid)
            vault.db.execute("INSERT INTO ledger (client_id, destroyed) VALUES (?, ?)", (cid, clock.today()))
            t1 = time.perf_counter()
            erase.purge_index(vault.db)
        t2 = time.perf_counter()
        next_master = crypto.random_key()
        result = backups.erase_from_backups(vault, [{"client_id": cid, "destroyed": clock.today()}],
                                            new_master=next_master)
        assert result["rewritten"] and not result["failed"], result
        t3 = time.perf_counter()
        vault.rekey(master=next_master)
        t4 = time.perf_counter()
        for b in blobs:
            vault.db.blobs.erase(b)
        t5 = time.perf_counter()
        for name, value in zip(parts, (t1 - t, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
            parts[name].append(value)
        totals.append(t5 - t)
    real = []
    for cid in with_files[args.repeat:2 * args.repeat]:  # the real entry point: the backups rewritten
        t = time.perf_counter()                           # in a second thread while the vault is rekeyed
        out = destroy.destroy(vault, [cid])
        assert out["steps"] == [] and out["backups"]["rewritten"], out
        real.append(time.perf_counter() - t)
    due_ms = []
    for _ in range(7):
        t = time.perf_counter()
        due.due(vault.db)
        due.overdue_count(vault.db)
        due_ms.append((time.perf_counter() - t) * 1000)
    vault.close()
    for name, values in parts.items():
        print(f"  {name:<28} {statistics.median(values):8.2f} s")
    print(f"  the steps above one after another: median {statistics.median(totals):.2f} s (n={len(totals)})")
    print(f"destroy one client, everything included (destroy.destroy, backups in parallel): "
          f"median {statistics.median(real):.2f} s (n={len(real)}; target <= 15 s)")
    print(f"dossier due (due + overdue check, in-process, beyond unlock): median {statistics.median(due_ms):.1f} ms "
          f"(target < 100 ms)")


if __name__ == "__main__":
    main()
