#!/usr/bin/env python3
"""Benchmark the handover bundle (TB 2.28): create, verify and import against the age command-line tool.

    python benchmarks/bench_handover.py [--gib 2] [--runs 3] [--clients 20] [--file-mib 100]
                                        [--workdir DIR] [--keep]

Setup (not timed): a sender vault A with --clients clients, each with a substitute-coach consent,
and --gib GiB of attachments of random bytes (files of --file-mib MiB, so nothing compresses),
spread over the clients. Each run then makes a fresh recipient vault B (B's identity a new contact
of A, A's identity a contact of B) and times, as subprocesses of the real CLI: `handover create
--to B --all`, `handover verify` and `handover import` (into the fresh B). On the same disk, the
age tool (`age`, the reference of the issue) then decrypts that very bundle with B's key (`age -d`)
and encrypts the tar it yields again to B (`age -r`): the same bytes both ways. Each child's wall
time and peak RSS (through GNU time, or a small launcher) are kept; the table gives medians over --runs. Targets of the issue:
peak RSS under 300 MB whatever the size; throughput at least half of age's (create against
age -e, import against age -d). MB = 10^6 bytes. dossier fsyncs the bundle and every blob it
writes, age does not: the "age + fsync" rows show what that costs. The vaults use the cheapest KDF,
so the figures are the handover, not Argon2id; the temp folder (on disk, not RAM) is removed.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PASSPHRASE = "benchmark passphrase for a throw-away vault"
PY = sys.executable
MB = 10**6
MiB = 2**20
TARGETS = {"rss_mb": 300.0, "ratio": 0.5}
AGE, AGE_KEYGEN = shutil.which("age"), shutil.which("age-keygen")


# -- running a child, with its wall time and peak RSS -----------------------------------------------
# A child's ru_maxrss starts at the RSS of the process it was forked from (Linux keeps the old
# high-water mark across exec), so this process, grown by the setup, must not be the parent of what
# is measured: a small launcher is. GNU time (KiB since 1.8) if present, else a bare Python.
TIME = shutil.which("time", path="/usr/bin:/bin")
_LAUNCHER = ("import os, sys\n"
             "pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)\n"
             "status, usage = os.wait4(pid, 0)[1:]\n"
             "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
             "sys.exit(os.waitstatus_to_exitcode(status))\n")
_current: subprocess.Popen | None = None  # killed if the benchmark is interrupted


def run(cmd: list[str], env: dict, log: Path) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one subprocess (stdout discarded, stderr to ``log``);
    a failure stops the benchmark."""
    global _current
    rss_file = log.with_suffix(".rss")
    launcher = [TIME, "-f", "%M", "-o", str(rss_file)] if TIME else [PY, "-I", "-S", "-c", _LAUNCHER, str(rss_file)]
    os.sync()  # untimed: no step pays for the write-back of the one before
    with open(log, "wb") as err:
        t0 = time.perf_counter()
        _current = p = subprocess.Popen(launcher + cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=err)
        p.wait()
        elapsed = time.perf_counter() - t0
    _current = None
    if p.returncode:
        sys.exit(f"failed ({p.returncode}): {' '.join(cmd)}\n{log.read_text(errors='replace')[-4000:]}")
    return elapsed, int(rss_file.read_text().split()[-1]) * 1024 / MB  # ru_maxrss is in KiB on Linux


def fsync_time(path: Path) -> float:
    t0 = time.perf_counter()
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return time.perf_counter() - t0


# -- setup ------------------------------------------------------------------------------------------
def make_sender(work: Path, args) -> tuple[Path, Path, int, int]:
    """Vault A with clients, consents and attachments; returns its path, its public identity
    file, the attachment bytes and the number of files."""
    from dossier import crypto, identity
    from dossier.practice import set_practice
    from dossier.records.attachments import MAX_BYTES, attach
    from dossier.records.clients import add_client
    from dossier.rights import consent
    from dossier.vault import Vault

    path = work / "A"
    vault, _ = Vault.create(path, PASSPHRASE, crypto.KdfParams.TEST_ONLY_MINIMUM)
    try:
        set_practice(vault, {"coach": "Anne de Wit", "practice": "Praktijk De Wit", "email": "anne@example.nl"})
        ids = []
        for i in range(args.clients):
            cid = add_client(vault, {"first_name": f"Client{i:03d}", "last_name": f"Benchmark {i:03d}"})
            consent.grant(vault, cid, "substitute", how="written")
            ids.append(cid)
        total = int(args.gib * 2**30)
        piece = min(int(args.file_mib * MiB), MAX_BYTES)
        n_files, left = 0, total
        src = work / "scan.bin"
        while left > 0:
            size = min(piece, left)
            src.write_bytes(os.urandom(size))
            attach(vault, ids[n_files % len(ids)], src, "other")
            left -= size
            n_files += 1
        src.unlink(missing_ok=True)
        public = work / "A.identity.json"
        identity.export_public(vault, public)
    finally:
        vault.close()
    return path, public, total, n_files


def make_recipient(work: Path, run_no: int, sender: Path, sender_public: Path) -> tuple[Path, str, Path]:
    """A fresh vault B for one run, A's contact under a new name; returns its path, the contact
    name in A, and a file with B's age secret key (so that age itself can open the bundle)."""
    from dossier import crypto, identity
    from dossier.practice import set_practice
    from dossier.vault import Vault

    path, name = work / f"B{run_no}", f"B{run_no}"
    public = work / f"B{run_no}.identity.json"
    vault, _ = Vault.create(path, PASSPHRASE, crypto.KdfParams.TEST_ONLY_MINIMUM)
    try:
        set_practice(vault, {"coach": f"Bart Collega {run_no}", "email": "bart@example.nl"})
        identity.export_public(vault, public)
        identity.add_contact(vault, "A", sender_public)
        key = work / f"B{run_no}.age-key.txt"
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(identity._secret(vault)["age_secret"] + "\n")
    finally:
        vault.close()
    with Vault.open(sender, PASSPHRASE) as a:
        identity.add_contact(a, name, public)
    return path, name, key


def check_imported(recipient: Path, expect: tuple[int, int]) -> None:
    """B holds every client and attachment of A, and the attachment bytes add up."""
    from dossier.vault import Vault

    with Vault.open(recipient, PASSPHRASE) as b:
        got = (b.db.one("SELECT count(*) FROM clients")[0], b.db.one("SELECT count(*) FROM attachments")[0])
        blobs = sum(f.stat().st_size for f in (recipient / "blobs").iterdir())
    if got != expect or blobs < expect[1]:
        sys.exit(f"the import is incomplete: {got[0]} clients and {got[1]} attachments, expected {expect}")


def age_recipient(key: Path) -> str:
    return subprocess.run([AGE_KEYGEN, "-y", str(key)], check=True, capture_output=True, text=True).stdout.strip()


# -- the benchmark ----------------------------------------------------------------------------------
STEPS = ["create", "verify", "import", "age -e", "age -e + fsync", "age -d", "age -d + fsync"]


def one_run(work: Path, run_no: int, sender: Path, sender_public: Path, env: dict, floor: list,
            expect: tuple[int, int]) -> dict:
    """One run: fresh B, the three CLI steps, then age both ways on the same bytes. Big files
    are removed before returning."""
    recipient, name, key = make_recipient(work, run_no, sender, sender_public)
    bundle, tar_out, age_out, log = work / "bundle.age", work / "age-plain.tar", work / "age-again.age", work / "err.txt"
    out: dict = {}
    try:
        out["create"] = run([PY, "-m", "dossier", "--vault", str(sender), "handover", "create", "--to", name, "--all",
                             "--out", str(bundle)], env, log)
        out["bytes"] = bundle.stat().st_size
        out["verify"] = run([PY, "-m", "dossier", "--vault", str(recipient), "handover", "verify", str(bundle)], env, log)
        out["import"] = run([PY, "-m", "dossier", "--vault", str(recipient), "handover", "import", str(bundle)], env, log)
        floor.append(run([PY, "-m", "dossier", "--vault", str(recipient), "contacts", "list"], env, log)[0])
        check_imported(recipient, expect)
        shutil.rmtree(recipient)  # its blobs weigh as much as the bundle
        secs, rss = run([AGE, "-d", "-i", str(key), "-o", str(tar_out), str(bundle)], env, log)
        out["age -d"], out["age -d + fsync"] = (secs, rss), (secs + fsync_time(tar_out), rss)
        out["tar bytes"] = tar_out.stat().st_size
        secs, rss = run([AGE, "-r", age_recipient(key), "-o", str(age_out), str(tar_out)], env, log)
        out["age -e"], out["age -e + fsync"] = (secs, rss), (secs + fsync_time(age_out), rss)
        out["age bytes"] = age_out.stat().st_size
    finally:
        for f in (bundle, tar_out, age_out):
            f.unlink(missing_ok=True)
        shutil.rmtree(recipient, ignore_errors=True)
    return out


def bench(work: Path, args, env: dict) -> None:
    import sqlcipher3
    from importlib.metadata import version

    need = int(args.gib * 2**30) * 4.3 + 2 * 2**30  # A's blobs, the bundle, B's blobs or age's tar, age's file
    free = shutil.disk_usage(work).free
    if free < need:
        sys.exit(f"{work}: {free / 2**30:.1f} GiB free, the benchmark needs about {need / 2**30:.1f} GiB; "
                 "use --workdir on a larger disk")
    t0 = time.perf_counter()
    sender, sender_public, total, n_files = make_sender(work, args)
    print(f"workdir {work}; sender vault: {args.clients} clients with a substitute consent, {total / 2**30:.2f} GiB "
          f"of random attachments in {n_files} files of at most {args.file_mib:g} MiB; set up in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    runs, floor = [], []
    for i in range(args.runs):
        t0 = time.perf_counter()
        r = one_run(work, i + 1, sender, sender_public, env, floor, (args.clients, n_files))
        runs.append(r)
        print(f"run {i + 1}/{args.runs} ({time.perf_counter() - t0:.0f} s): " + ", ".join(
            f"{s} {r[s][0]:.1f} s / {r[s][1]:.0f} MB" for s in ("create", "verify", "import", "age -e", "age -d")),
            flush=True)

    med = {s: (statistics.median(r[s][0] for r in runs), statistics.median(r[s][1] for r in runs)) for s in STEPS}
    peak = {s: max(r[s][1] for r in runs) for s in STEPS}
    nbytes = statistics.median(r["bytes"] for r in runs)
    mbs = {s: nbytes / MB / med[s][0] for s in STEPS}
    versus = {"create": "age -e", "verify": "age -d", "import": "age -d"}
    targeted = {"create", "import"}  # "bundled and imported"; verify is shown against age -d for information

    print(f"\nSUMMARY (medians of {args.runs} run{'s' if args.runs != 1 else ''}; MB = 10^6 bytes)")
    age_version = subprocess.run([AGE, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} CPUs (nproc), Python {platform.python_version()}, age {age_version} ({AGE}), "
          f"pyrage {version('pyrage')}, PyNaCl {version('PyNaCl')}, SQLCipher "
          f"{sqlcipher3.connect(':memory:').execute('PRAGMA cipher_version').fetchone()[0]}, {platform.platform()}")
    print(f"bundle: {nbytes:,.0f} bytes ({nbytes / 2**30:.3f} GiB; the tar inside {runs[0]['tar bytes']:,} bytes, "
          f"attachments {total:,}); every row's MB/s is of these bytes")
    print(f"CLI floor (start + unlock + a no-op command): {statistics.median(floor):.2f} s, included in each dossier row\n")
    head = f"{'step':<16} {'bytes':>15} {'seconds':>8} {'MB/s':>8} {'peak RSS MB':>12} {'max RSS MB':>11}  " \
           f"{'vs age':>16}  targets"
    print(head)
    print("-" * len(head))
    verdicts = []
    for s in STEPS:
        secs, rss = med[s]
        line = f"{s:<16} {nbytes:>15,.0f} {secs:>8.2f} {mbs[s]:>8.0f} {rss:>12.0f} {peak[s]:>11.0f}  "
        if s in versus:
            ratio = mbs[s] / mbs[versus[s]]
            line += f"{ratio:>6.2f} x {versus[s]:<6}  "
            marks = [f"RSS < {TARGETS['rss_mb']:.0f} MB: {'PASS' if peak[s] < TARGETS['rss_mb'] else 'MISS'}"]
            if s in targeted:
                ok = ratio >= TARGETS["ratio"]
                marks.append(f"ratio >= {TARGETS['ratio']}: {'PASS' if ok else 'MISS'}")
                verdicts.append((f"{s} throughput vs {versus[s]}", f"{ratio:.2f}", ok))
            verdicts.append((f"{s} peak RSS", f"{peak[s]:.0f} MB", peak[s] < TARGETS["rss_mb"]))
            line += "; ".join(marks)
        else:
            line += f"{'':>16}  (reference)"
        print(line)
    print(f"\nratios against age + fsync (dossier syncs what it writes): create {mbs['create'] / mbs['age -e + fsync']:.2f}, "
          f"import {mbs['import'] / mbs['age -d + fsync']:.2f}")
    print("\nTARGETS (RSS: the largest of the runs)")
    for what, value, ok in verdicts:
        print(f"  {what:<32} {value:>8}  {'PASS' if ok else 'MISS'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gib", type=float, default=2.0, help="GiB of attachments (the issue's case: 2; quick: 0.25)")
    ap.add_argument("--runs", type=int, default=3, help="runs per median")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--file-mib", type=float, default=100, help="size of each attachment (limit 200 MiB)")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="parent of the temp folder (default: the system's; on disk, not RAM)")
    ap.add_argument("--keep", action="store_true", help="keep the temp folder (vault A keeps its GiB of blobs; bundles are always removed)")
    args = ap.parse_args()
    if not (AGE and AGE_KEYGEN):
        sys.exit("the age command-line tool (age, age-keygen) is needed as the reference")
    if args.gib <= 0 or args.runs < 1 or args.clients < 1:
        sys.exit("--gib, --runs and --clients must be positive")
    work = Path(tempfile.mkdtemp(prefix="bench-handover-", dir=args.workdir)).resolve()  # XDG paths must be absolute
    if _on_ram(work):
        shutil.rmtree(work)
        sys.exit(f"{work} is on a RAM-backed file system; give --workdir on disk (the files weigh several GiB)")
    os.environ["XDG_CONFIG_HOME"] = str(work / "config")  # the mirror of the audit head goes here
    os.environ["XDG_DATA_HOME"] = str(work / "data")
    env = dict(os.environ, DOSSIER_PASSPHRASE=PASSPHRASE, PYTHONPYCACHEPREFIX=str(work / "pycache"))
    for var in ("DOSSIER_PASSCOMMAND", "DOSSIER_VAULT", "PYTHONDONTWRITEBYTECODE"):
        env.pop(var, None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # so that the clean-up below runs
    try:
        bench(work, args, env)
    finally:
        if _current is not None and _current.returncode is None:
            _current.kill()
            _current.wait()
        if args.keep:
            for big in work.glob("*.age"):
                big.unlink(missing_ok=True)
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _on_ram(path: Path) -> bool:
    """Whether ``path`` lives on tmpfs/ramfs (from /proc/mounts: the longest mount point above it)."""
    try:
        mounts = [line.split()[1:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return False
    best = max((m for m in mounts if str(path).startswith(m[0].rstrip("/") + "/") or str(path) == m[0]),
               key=lambda m: len(m[0]), default=None)
    return bool(best) and best[1] in ("tmpfs", "ramfs")


if __name__ == "__main__":
    main()
