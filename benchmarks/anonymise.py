#!/usr/bin/env python3
"""Benchmark the anonymiser on the labelled corpus (examples/anonymisation/cases), side by side
with deduce alone.

    python benchmarks/anonymise.py [--corpus DIR] [--no-deduce] [--show-leaks]

Per tool: the share of must-disappear strings that leaked, by kind (goal 0), the share of
must-remain words kept (goal >= 95%), quasi-identifiers flagged or generalised, ordinary
words blanked (goal <= 3%), words per second, and the time to the first result including
start-up. Then `dossier anonymise` end to end on a 50-session dossier (target < 2 s).
deduce's lookup cache (a pickle it executes on load) is built in a fresh 0700 folder.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def load(corpus: Path) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(corpus.glob("*.json"))]


def texts_of(client: dict) -> list[str]:
    out = [client.get("background") or "", (client.get("assignment") or {}).get("goal") or ""]
    for s in client.get("sessions") or []:
        out += [s.get("notes") or "", s.get("findings") or ""]
    return [t for t in out if t]


def ours(case: dict) -> tuple[str, list[str]]:
    from dossier.anonymise.core import anonymise

    r = anonymise(case["client"], secret=b"benchmark")
    text = "\n".join(s.get("text", "") + "\n" + s.get("notes", "") + "\n" + s.get("findings", "")
                     for s in r.sections)
    return text, r.risks


def score(case: dict, output: str, risks: list[str], stats: dict) -> list[str]:
    leaks = []
    for item in case["must_disappear"]:
        stats["total"][item["kind"]] += 1
        if re.search(rf"(?<!\w){re.escape(item['text'])}(?!\w)", output):  # as a word, not inside one
            stats["leaked"][item["kind"]] += 1
            leaks.append(f"{case['id']}: {item['kind']} {item['text']!r}")
    for word in case["must_remain"]:
        stats["remain_total"] += 1
        stats["remain_kept"] += word in output
    for q in case.get("quasi", []):
        stats["quasi_total"] += 1
        stats["quasi_done"] += (q not in output) or any(q.lower() in r for r in risks)
    original = "\n".join(texts_of(case["client"]))
    for item in case["must_disappear"]:
        original = original.replace(item["text"], " ")
    words = collections.Counter(re.findall(r"[a-zà-ÿ]{3,}", original.lower()))
    kept = collections.Counter(re.findall(r"[a-zà-ÿ]{3,}", output.lower()))
    stats["ordinary"] += sum(words.values())
    stats["blanked"] += sum(max(0, n - kept[w]) for w, n in words.items())
    return leaks


def report(name: str, stats: dict, seconds: float, n_words: int, first: float) -> None:
    leaked, total = stats["leaked"], stats["total"]
    print(f"\n== {name}")
    for kind in sorted(total):
        print(f"  {kind:<8} leaked {leaked[kind]:>3} of {total[kind]:>3}  ({100 * leaked[kind] / total[kind]:5.1f}%)")
    print(f"  all      leaked {sum(leaked.values()):>3} of {sum(total.values()):>3}  "
          f"({100 * sum(leaked.values()) / max(1, sum(total.values())):5.1f}%)")
    print(f"  must-remain kept: {100 * stats['remain_kept'] / max(1, stats['remain_total']):.1f}%  "
          f"({stats['remain_kept']} of {stats['remain_total']})")
    print(f"  quasi-identifiers flagged or generalised: {stats['quasi_done']} of {stats['quasi_total']}")
    print(f"  ordinary words blanked: {100 * stats['blanked'] / max(1, stats['ordinary']):.1f}%")
    print(f"  speed: {n_words / seconds:,.0f} words/s; time to first result incl. start-up: {first:.2f} s")


def new_stats() -> dict:
    return {"total": collections.Counter(), "leaked": collections.Counter(), "remain_total": 0, "remain_kept": 0,
            "quasi_total": 0, "quasi_done": 0, "ordinary": 0, "blanked": 0}


def first_result(code: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=str(ROOT / "examples" / "anonymisation" / "cases"))
    ap.add_argument("--no-deduce", action="store_true")
    ap.add_argument("--show-leaks", action="store_true")
    args = ap.parse_args()
    cases = load(Path(args.corpus))
    n_words = sum(len(" ".join(texts_of(c["client"])).split()) for c in cases)
    print(f"corpus: {len(cases)} cases, {n_words} words, "
          f"{sum(len(c['must_disappear']) for c in cases)} must-disappear strings")

    stats, leaks = new_stats(), []
    t = time.perf_counter()
    for case in cases:
        out, risks = ours(case)
        leaks += score(case, out, risks, stats)
    seconds = time.perf_counter() - t
    first = first_result(f"import json,sys; sys.path.insert(0,{str(ROOT / 'benchmarks')!r}); import anonymise as b; "
                         f"b.ours(json.load(open({str(sorted(Path(args.corpus).glob('*.json'))[0])!r})))")
    report("dossier anonymise", stats, seconds, n_words, first)
    if args.show_leaks:
        print("\n".join("  " + line for line in leaks))

    if not args.no_deduce:
        with tempfile.TemporaryDirectory() as cache:
            os.chmod(cache, 0o700)
            t = time.perf_counter()
            from deduce import Deduce

            deduce = Deduce(cache_path=Path(cache))
            load_s = time.perf_counter() - t
            stats, leaks = new_stats(), []
            t = time.perf_counter()
            for case in cases:
                out = "\n".join(deduce.deidentify(x).deidentified_text for x in texts_of(case["client"]))
                leaks += score(case, out, [], stats)
            report(f"deduce 3.0.6 alone (lookup load {load_s:.1f} s, first use builds its cache)", stats,
                   time.perf_counter() - t, n_words, load_s)
            if args.show_leaks:
                print("\n".join("  " + line for line in leaks[:60]))

    print("\n== dossier anonymise end to end, 50-session dossier (subprocess, cheapest KDF)")
    print(f"  median of 5: {end_to_end():.2f} s (target < 2 s)")


def end_to_end() -> float:
    from bench_vault import make_practice

    from dossier import crypto
    from dossier.records.document import import_document
    from dossier.vault import Vault

    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        env = {**os.environ, "XDG_CONFIG_HOME": str(work / "config"), "DOSSIER_PASSPHRASE": "bench pass phrase x"}
        os.environ["XDG_CONFIG_HOME"] = env["XDG_CONFIG_HOME"]
        doc, _ = make_practice(1, 50)
        v, _ = Vault.create(work / "v", env["DOSSIER_PASSPHRASE"], crypto.KdfParams.TEST_ONLY_MINIMUM,
                            check_strength=False)
        import_document(v, doc)
        v.close()
        times = []
        for i in range(5):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "dossier", "--vault", str(work / "v"), "anonymise",
                            doc["clients"][0]["id"], "--out", str(work / f"case{i}.md"), "--yes"],
                           env=env, check=True, capture_output=True)
            times.append(time.perf_counter() - t)
        return statistics.median(times)


if __name__ == "__main__":
    main()
