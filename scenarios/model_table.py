#!/usr/bin/env python3
"""Prints README's "model vs simulation" table: `cachelab model --json` on every
scenario of the catalog (scenarios/catalog.json, each file as it is, without
its --vary variants), one Markdown row per scenario with the model's and the
simulation's hit ratio, DB utilization, mean DB wait and p99 over the model's
window (the steady window, or the run's second half).

Usage: python3 scenarios/model_table.py --cachelab build/release/cachelab
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = [("hit ratio", "{:.4f}"), ("DB utilization", "{:.4f}"),
           ("DB mean wait (ms)", "{:.3f}"), ("latency p99 (ms)", "{:.2f}")]


def cell(row, key, fmt):
    value = row.get(key)
    return "n/a" if value is None else fmt.format(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cachelab", required=True, help="path of the cachelab binary")
    args = parser.parse_args()
    with open(os.path.join(HERE, "catalog.json"), encoding="utf-8") as f:
        catalog = json.load(f)
    header = ["scenario"] + [f"{q}: model / sim" for q, _ in COLUMNS] + ["why n/a"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for entry in catalog:
        path = os.path.join(HERE, entry["file"])
        out = subprocess.run([args.cachelab, "model", path, "--json"], check=True,
                             capture_output=True, text=True).stdout
        report = json.loads(out)
        rows = {r["quantity"]: r for r in report["rows"]}
        cells = [f"`{entry['file']}`"]
        why = []
        for quantity, fmt in COLUMNS:
            r = rows[quantity]
            cells.append(f"{cell(r, 'model', fmt)} / {cell(r, 'simulated', fmt)}")
            if r["model"] is None and r["note"] not in why:
                why.append(r["note"])
        cells.append("; ".join(why).replace("|", "/"))
        print("| " + " | ".join(cells) + " |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
