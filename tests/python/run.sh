#!/bin/sh
# Runs the Python tests, the example, or the installed-package check for ctest
# (python/CMakeLists.txt), and exits 77 (ctest: skipped) when the module was
# not built (no pybind11-dev or python3-dev, or a sanitizer build) or the
# interpreter lacks pytest or pandas; any other failure fails the test.
#
#   run.sh PYTHON ARGS...                        PYTHON ARGS... with the module on PYTHONPATH
#   run.sh --install PREFIX BUILD_DIR PYTHON CMAKE
#                                                cmake --install into PREFIX, then import the
#                                                package from PREFIX/lib/python3/dist-packages
set -u
if [ "${CACHELAB_PYTHON_MODULE:-OFF}" != "ON" ]; then
  echo "skipped: the cachelab Python module was not built (pybind11-dev, python3-dev)"
  exit 77
fi

if [ "$1" = "--install" ]; then
  prefix=$2 build=$3 python=$4 cmake=$5
  rm -rf "$prefix" && "$cmake" --install "$build" --prefix "$prefix" >/dev/null || exit 1
  site="$prefix/lib/python3/dist-packages"
  cd / && PYTHONPATH="$site" "$python" -c '
import sys
import cachelab
assert cachelab.__file__.startswith(sys.argv[1]), cachelab.__file__
print("imported", cachelab.__file__, "default scenario:", cachelab.load()["name"])
' "$site"
  exit $?
fi

python=$1
if ! "$python" -c "import pytest, pandas" 2>/dev/null; then
  echo "skipped: $python lacks pytest or pandas (python3-pytest, python3-pandas)"
  exit 77
fi
exec "$@"
