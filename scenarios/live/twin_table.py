#!/usr/bin/env python3
"""Runs `cachelab twin` on every case of the README's "Simulated vs real"
table and prints the table (Markdown) on stdout.

usage: python3 scenarios/live/twin_table.py [--cachelab build/release/cachelab]
                                            [--out results/twin] [--only NAME]

Each case is one scenario of scenarios/live/ with the overrides that select
the pattern; the stampede and race cases emulate the scenario's expensive
queries inside PostgreSQL (--emulate-db-service). Every twin folder is kept
under --out, so `cachelab report <folder>` overlays its two time series.
"""
import argparse
import json
import os
import subprocess
import sys

CASES = [
    # name, scenario, overrides, emulate the DB service time
    ("cache-aside + TTL", "cache-aside.json", [], False),
    ("cache-aside + TTL, 20 ms queries", "cache-aside.json", [], True),
    ("hot-key expiry, no guard", "hot-key-expiry.json", ["/policies/guard=none"], True),
    ("hot-key expiry, lock", "hot-key-expiry.json", ["/policies/guard=lock"], True),
    ("hot-key expiry, lease", "hot-key-expiry.json", ["/policies/guard=lease"], True),
    ("hot-key expiry, xfetch", "hot-key-expiry.json", ["/policies/guard=xfetch"], True),
    ("delete/fill race, no guard", "delete-fill-race.json", ["/policies/guard=none"], True),
    ("delete/fill race, lease", "delete-fill-race.json", ["/policies/guard=lease"], True),
    ("write-behind, cache restart", "write-behind-restart.json", ["/policies/write=write-behind"], False),
    ("write-through, cache restart", "write-behind-restart.json", ["/policies/write=write-through"], False),
    ("TTL invalidation only", "ttl-vs-events.json", ["/policies/invalidation=ttl"], False),
    ("event invalidation (pub/sub)", "ttl-vs-events.json", ["/policies/invalidation=event"], False),
]

COLUMNS = [
    ("hit ratio", "{:.4f}"),
    ("DB queries", "{:.0f}"),
    ("max concurrent loads", "{:.0f}"),
    ("stale reads", "{:.0f}"),
    ("lost writes", "{:.0f}"),
    ("p50 ms", "{:.2f}"),
    ("p99 ms", "{:.2f}"),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--cachelab", default="build/release/cachelab")
    ap.add_argument("--out", default="results/twin")
    ap.add_argument("--only", default=None, help="run only the cases whose name contains this")
    args = ap.parse_args()
    header = "| case | " + " | ".join(f"{c} sim / live" for c, _ in COLUMNS) + " | judged |"
    print(header)
    print("|" + "---|" * (len(COLUMNS) + 2))
    for name, file, sets, emulate in CASES:
        if args.only and args.only not in name:
            continue
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower()).strip("-")
        out = os.path.join(args.out, slug)
        cmd = [args.cachelab, "twin", os.path.join(here, file), "--quiet", "--json", "--out", out]
        for s in sets:
            cmd += ["--set", s]
        if emulate:
            cmd.append("--emulate-db-service")
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()}")
        twin = json.loads(done.stdout)
        rows = {r["metric"]: r for r in twin["rows"]}
        cells = []
        for metric, fmt in COLUMNS:
            r = rows[metric]
            cells.append(f"{fmt.format(r['simulated'])} / {fmt.format(r['live'])}")
        judged = [r for r in twin["rows"] if r["tolerance"]]
        bad = [r["metric"] for r in judged if not r["ok"]]
        verdict = "all inside" if not bad else "outside: " + ", ".join(bad)
        print(f"| {name} | " + " | ".join(cells) + f" | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
