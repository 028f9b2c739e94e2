#!/usr/bin/env python3
"""Tells a workshop participant whether a run answers an exercise.

Usage: python3 scenarios/check_exercise.py N RESULT_DIR

N is the exercise's number in scenarios/EXERCISES.md; RESULT_DIR the folder
`cachelab run ... --out RESULT_DIR` wrote. The exercise's checks
(scenarios/exercises.json, in the claim language of scenarios/claims.py) are
evaluated on the run's summary.json, with its scenario.resolved.json under
`resolved`; the run must be of the exercise's scenario. Prints every check
with the run's numbers. Exit 0 when all hold, 1 when some do not, 2 when the
arguments or the folder are not usable.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import claims  # noqa: E402


def load_exercises():
    with open(os.path.join(HERE, "exercises.json"), encoding="utf-8") as f:
        return json.load(f)


def scenario_name(lesson):
    with open(os.path.join(HERE, lesson), encoding="utf-8") as f:
        return json.load(f)["name"]


def checks_of(exercise):
    """The exercise's checks, preceded by the one that the run is of its scenario."""
    return ['resolved.name == "%s"' % scenario_name(exercise["lesson"])] + exercise["checks"]


def load_run(folder):
    """{"run": summary with the resolved scenario under "resolved"}; raises ValueError."""
    result = {}
    for name in ("summary.json", "scenario.resolved.json"):
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise ValueError("%s: no %s here; expected the folder of `cachelab run ... --out %s`"
                             % (folder, name, folder))
        try:
            with open(path, encoding="utf-8") as f:
                result[name] = json.load(f)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise ValueError("%s: not readable JSON (%s)" % (path, e)) from e
    summary = result["summary.json"]
    if not isinstance(summary, dict):
        raise ValueError("%s: expected a JSON object" % os.path.join(folder, "summary.json"))
    summary = dict(summary)
    summary["resolved"] = result["scenario.resolved.json"]
    return {"run": summary}


def check(exercise, folder):
    """[(claim, ok, detail)] of the exercise on the run in `folder`."""
    run = load_run(folder)
    out = []
    for text in checks_of(exercise):
        try:
            ok, detail = claims.check(text, run)
        except claims.ClaimError as e:
            ok, detail = False, str(e)
        out.append((text, ok, detail))
    return out


def main(argv):
    if len(argv) != 3 or not argv[1].isdigit():
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    exercises = load_exercises()
    n = int(argv[1])
    if not 1 <= n <= len(exercises):
        print("check_exercise: no exercise %d (they are 1..%d)" % (n, len(exercises)),
              file=sys.stderr)
        return 2
    try:
        results = check(exercises[n - 1], argv[2])
    except ValueError as e:
        print("check_exercise: %s" % e, file=sys.stderr)
        return 2
    for text, ok, detail in results:
        print("%s %s  (%s)" % ("ok  " if ok else "not ", text, detail))
    if all(ok for _, ok, _ in results):
        print("yes: this run answers exercise %d" % n)
        return 0
    print("not yet: change %s and run again" % exercises[n - 1]["change"])
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
