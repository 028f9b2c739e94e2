#!/usr/bin/env python3
"""scenarios/check_exercise.py: a participant's run answers an exercise or
does not, and a folder that is not a run is a clear error (exit 2)."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCRIPT = os.path.join(ROOT, "scenarios", "check_exercise.py")
sys.path.insert(0, os.path.join(ROOT, "scenarios"))
import check_exercise  # noqa: E402


def write_run(folder, name, peak_queue, enabled=False):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "summary.json"), "w") as f:
        json.dump({"db": {"peak_queue_depth": peak_queue}}, f)
    with open(os.path.join(folder, "scenario.resolved.json"), "w") as f:
        json.dump({"name": name, "cache": {"enabled": enabled}}, f)


def run(*args):
    return subprocess.run([sys.executable, SCRIPT] + list(args), capture_output=True, text=True)


class CheckExercise(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        # The exercise on basics/cache-aside: its no-cache variant without a queue.
        exercises = check_exercise.load_exercises()
        index = [x["lesson"] for x in exercises].index("basics/cache-aside.json")
        self.n = str(index + 1)
        self.name = check_exercise.scenario_name(exercises[index]["lesson"])

    def test_a_run_that_shows_the_effect_passes(self):
        write_run(self.dir, self.name, 0)
        r = run(self.n, self.dir)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("yes: this run answers exercise %s" % self.n, r.stdout)

    def test_a_run_that_does_not_is_not_yet(self):
        write_run(self.dir, self.name, 17)
        r = run(self.n, self.dir)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not  db.peak_queue_depth == 0  (17 == 0)", r.stdout)
        self.assertIn("not yet: change /database/connections", r.stdout)

    def test_changing_something_else_does_not_count(self):
        write_run(self.dir, self.name, 0, enabled=True)  # turned the cache on instead
        self.assertEqual(run(self.n, self.dir).returncode, 1)
        write_run(self.dir, "another-scenario", 0)  # ran another lesson
        self.assertEqual(run(self.n, self.dir).returncode, 1)

    def test_bad_arguments_and_folders_are_exit_2(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("x", self.dir).returncode, 2)
        r = run("999", self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no exercise 999", r.stderr)
        r = run(self.n, os.path.join(self.dir, "missing"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("no summary.json here", r.stderr)
        os.makedirs(os.path.join(self.dir, "bad"))
        with open(os.path.join(self.dir, "bad", "summary.json"), "w") as f:
            f.write("{not json")
        with open(os.path.join(self.dir, "bad", "scenario.resolved.json"), "w") as f:
            f.write("{}")
        r = run(self.n, os.path.join(self.dir, "bad"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("not readable JSON", r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1)


if __name__ == "__main__":
    unittest.main()
