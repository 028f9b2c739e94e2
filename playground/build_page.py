#!/usr/bin/env python3
"""Assemble the playground page: one self-contained HTML file that opens
from file:// offline.

It inlines the page's style and script (playground/page/), the WebAssembly
CLI (the build's cachelab.js, wasm embedded) followed by the worker's script,
and the lessons: for each catalog entry its scenario, variants, metrics,
claims and text rendered with the reference results (results/baselines/),
and the exercises.

Usage: playground/build_page.py --cachelab-js build/wasm/cachelab.js --out FILE
"""

import argparse
import json
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "scenarios"))
import catalog  # noqa: E402
import claims  # noqa: E402

PAGE = os.path.join(ROOT, "playground", "page")
DEFAULT_LESSON = "basics/cache-aside.json"


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def reference_results(entry):
    """The lesson's baseline summaries by label, as the catalog checked them."""
    base = os.path.join(ROOT, "results", "baselines", entry["file"][:-len(".json")])
    return {catalog.result_key(label): summary for label, summary in catalog.result_rows(entry, base)}


def lessons():
    out = []
    for entry in json.loads(read(os.path.join(ROOT, "scenarios", "catalog.json"))):
        text = read(os.path.join(ROOT, "scenarios", entry["file"]))
        trace = json.loads(text).get("workload", {}).get("trace")
        # A trace file is not in the page (and .zst traces need the native
        # build), nor is `plan`'s search: the lesson is shown, with its
        # reference numbers, not run.
        native_only = ""
        if trace:
            native_only = ("it replays the trace file %s, which the playground does not carry; "
                           "run it with the native CLI" % trace["path"])
        elif entry.get("plan"):
            native_only = ("it runs `cachelab plan --minimize cost`, a search over many runs that "
                           "the playground does not offer; run it with the native CLI")
        out.append({
            "native_only": native_only,
            "file": entry["file"],
            "title": entry["title"],
            "article": entry["article"],
            "description": json.loads(text).get("description", ""),
            "scenario": text,
            "vary": entry["vary"],
            "metrics": [m for m in entry["metrics"] if m != "alerts"],
            "expect": entry.get("expect", []),
            "text": claims.render_text(entry["lesson"], reference_results(entry)),
        })
    return out


def script_safe(text, what):
    """Text inside a <script> element must not close it."""
    if "</script" in text.lower() or "<!--" in text:
        raise SystemExit("%s contains </script or <!--; it cannot be inlined" % what)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cachelab-js", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    data = {
        "default": DEFAULT_LESSON,
        "lessons": lessons(),
        "exercises": json.loads(read(os.path.join(ROOT, "scenarios", "exercises.json"))),
    }
    # JSON in a script element: '<' escaped, so no string can close the element.
    lessons_json = json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
    worker = script_safe(read(a.cachelab_js), a.cachelab_js) + "\n" + script_safe(
        read(os.path.join(PAGE, "worker.js")), "worker.js")
    parts = {"STYLE": read(os.path.join(PAGE, "playground.css")),
             "LESSONS": lessons_json,
             "WORKER": worker,
             "CLAIMS": script_safe(read(os.path.join(PAGE, "claims.js")), "claims.js"),
             "SCRIPT": script_safe(read(os.path.join(PAGE, "playground.js")), "playground.js")}
    page = read(os.path.join(PAGE, "playground.html"))
    for marker in parts:
        if page.count("/*%s*/" % marker) != 1:
            raise SystemExit("playground.html must hold /*%s*/ once" % marker)
    # One pass, so that no inserted text is searched for markers.
    page = re.sub(r"/\*(STYLE|LESSONS|WORKER|CLAIMS|SCRIPT)\*/", lambda m: parts[m.group(1)], page)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    tmp = a.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(page)
    os.replace(tmp, a.out)
    print("playground: %s (%.2f MB, %d lessons)" % (a.out, os.path.getsize(a.out) / 1e6, len(data["lessons"])))


if __name__ == "__main__":
    main()
