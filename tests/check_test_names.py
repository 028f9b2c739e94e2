#!/usr/bin/env python3
"""Catch2 test names that ctest cannot run: catch_discover_tests passes a
name back to the test binary as a filter, so a name starting with '-' is read
as an option and one holding ';' or '[' splits or becomes a tag; the test then
fails in ctest though it passes when run by hand. Prints every offending
TEST_CASE with its file and line; exit 1 when there is one.

Usage: python3 tests/check_test_names.py TESTS_DIR
"""
import os
import re
import sys

NAME = re.compile(r'TEST_CASE\(\s*"((?:[^"\\]|\\.)*)"')


def main(root):
    bad = []
    for dirpath, _, files in os.walk(root):
        for f in sorted(files):
            if not f.endswith(".cc"):
                continue
            path = os.path.join(dirpath, f)
            with open(path, encoding="utf-8") as fh:
                text = fh.read()
            for m in NAME.finditer(text):
                name = m.group(1)
                if name.startswith("-") or ";" in name or "[" in name:
                    line = text.count("\n", 0, m.start()) + 1
                    bad.append("%s:%d: %r" % (path, line, name))
    for b in bad:
        print("test name ctest cannot run: " + b)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "tests"))
