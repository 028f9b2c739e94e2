#!/usr/bin/env python3
"""Checks the include order of the project's layers (ARCHITECTURE.md, "Layers").

Top level: sim <- policies <- analysis <- app (an arrow points at what may be
included): sim includes only sim, policies only sim and policies, analysis
anything but app. bench/ and tests/ may include every layer.

Inside analysis/, folders are ranked
  common <- trace <- scenario <- outputs <- {replay, models, experiments} <- {live, report}
and a file may include its own folder and lower-ranked folders only; the
folders of one rank do not include each other.

Prints every violation as FILE:LINE: message and exits 1 when there is one.
Usage: python3 .ci/check_layers.py [ROOT]
"""
import os
import re
import sys

TOP = {"sim": {"sim"}, "policies": {"sim", "policies"},
       "analysis": {"sim", "policies", "analysis"},
       "app": {"sim", "policies", "analysis", "app"},
       # The Python module sits beside the CLI, above analysis, never in app.
       "python": {"sim", "policies", "analysis", "python"}}
ANALYSIS_RANK = {"common": 0, "trace": 1, "scenario": 2, "outputs": 3,
                 "replay": 4, "models": 4, "experiments": 4, "live": 5, "report": 5}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def analysis_folder(path):
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "analysis" else None


def check(root):
    problems = []
    for layer in TOP:
        for dirpath, _, files in os.walk(os.path.join(root, layer)):
            for name in sorted(files):
                if not name.endswith((".h", ".cc", ".in")):
                    continue
                path = os.path.relpath(os.path.join(dirpath, name), root)
                here = analysis_folder(path)
                if layer == "analysis" and here not in ANALYSIS_RANK:
                    problems.append(f"{path}:1: analysis files live in one of the folders "
                                    f"{', '.join(ANALYSIS_RANK)}")
                    continue
                with open(os.path.join(root, path), encoding="utf-8") as f:
                    for number, line in enumerate(f, 1):
                        m = INCLUDE.match(line)
                        if not m:
                            continue
                        target = m.group(1)
                        target_layer = target.split("/")[0]
                        if target_layer not in TOP and target_layer not in ("tests", "bench"):
                            continue  # a generated or third-party header
                        if target_layer not in TOP[layer]:
                            problems.append(f"{path}:{number}: {layer}/ must not include "
                                            f"{target} ({target_layer}/ is a higher layer)")
                            continue
                        there = analysis_folder(target)
                        if layer != "analysis" or target_layer != "analysis" or there == here:
                            continue
                        if there not in ANALYSIS_RANK:
                            problems.append(f"{path}:{number}: {target} is not in a ranked folder")
                        elif ANALYSIS_RANK[there] >= ANALYSIS_RANK[here]:
                            problems.append(
                                f"{path}:{number}: analysis/{here}/ must not include {target} "
                                f"(order: common <- trace <- scenario <- outputs <- "
                                f"{{replay, models, experiments}} <- report)")
    return problems


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    problems = check(os.path.abspath(root))
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} include(s) against the layer order")
        return 1
    print("layer order: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
