#!/bin/sh
# `mpirun -n K cachelab sweep` (app/sweep_mpi.h), registered in CMakeLists.txt
# only when CACHELAB_MPI is enabled. Usage:
#   sweep_mpi_test.sh CACHELAB SCENARIO identical|resume|bad-input [MPIEXEC]
# identical: 3 ranks write sweep.csv and sweep.json byte-identical to one
#   process (and rank 0 alone prints the summary).
# resume: an MPI sweep interrupted after its points reuses the surviving stored
#   points, under a different number of ranks, and still matches.
# bad-input: bad input under mpirun is exit 2 with one error line, never a
#   hang (timeout), whether every rank or only some find it.
set -u
CACHELAB=$1
SCENARIO=$2
MODE=$3
MPIEXEC=${4:-mpirun}

# Open MPI in a container, as root: allow root, more ranks than cores, no
# binding (ranks use threads), and no cross-memory attach (often forbidden).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl_vader_single_copy_mechanism=none
MPIRUN="timeout 120 $MPIEXEC --oversubscribe --bind-to none"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cachelab-mpi-XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT
cd "$WORK" || exit 1

fail() {
  echo "FAIL: $*" >&2
  for f in *.out *.err; do [ -f "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done
  exit 1
}

SWEEP="sweep $SCENARIO --grid /cache/capacity=32KiB..256KiB:x2 --grid /workload/write_fraction=0,0.1 --replications 3"

same_outputs() {  # DIR_A DIR_B
  cmp "$1/sweep.csv" "$2/sweep.csv" || fail "$1/sweep.csv differs from $2/sweep.csv"
  cmp "$1/sweep.json" "$2/sweep.json" || fail "$1/sweep.json differs from $2/sweep.json"
}

case $MODE in
identical)
  "$CACHELAB" $SWEEP --out single >single.out 2>single.err || fail "single-process sweep failed"
  $MPIRUN -n 3 "$CACHELAB" $SWEEP --threads 2 --out mpi >mpi.out 2>mpi.err ||
    fail "mpirun -n 3 sweep exited $?"
  same_outputs mpi single
  [ "$(grep -c '^output: ' mpi.out)" = 1 ] || fail "expected one summary (rank 0's)"
  grep -q '8 points x 3 replications (24 runs, 0 points reused)' mpi.out ||
    fail "unexpected summary"
  [ ! -e mpi.partial ] || fail "mpi.partial left behind"
  ;;
resume)
  "$CACHELAB" $SWEEP --out fresh >fresh.out 2>fresh.err || fail "single-process sweep failed"
  # "out" is a file: every point is stored, then the final folder cannot be written.
  echo "in the way" >out
  $MPIRUN -n 3 "$CACHELAB" $SWEEP --out out >first.out 2>first.err
  [ $? = 1 ] || fail "interrupted MPI sweep: expected exit 1"
  [ "$(ls out.partial/points | wc -l)" = 8 ] || fail "expected 8 stored points"
  rm -f out out.partial/points/1-* out.partial/points/4-* out.partial/points/6-*
  $MPIRUN -n 2 "$CACHELAB" $SWEEP --out out >resumed.out 2>resumed.err ||
    fail "resumed MPI sweep exited $?"
  grep -q 'reused 5 of 8 points' resumed.err || fail "expected 5 reused points"
  grep -q '(9 runs, 5 points reused)' resumed.out || fail "expected 3 points x 3 runs"
  same_outputs out fresh
  [ ! -e out.partial ] || fail "out.partial left behind"
  ;;
bad-input)
  expect_input_error() {  # NAME WORDS... ; the command's output in $1.out/$1.err
    name=$1
    shift
    [ "$code" = 2 ] || fail "$name: expected exit 2, got $code"
    [ "$(grep -c '^cachelab: error: ' "$name.err")" = 1 ] || fail "$name: expected one error line"
    for w in "$@"; do
      grep '^cachelab: error: ' "$name.err" | grep -qF -- "$w" || fail "$name: message lacks '$w'"
    done
    [ -z "$(ls -d out* 2>/dev/null)" ] || fail "$name: wrote an output folder"
  }
  # Found by every rank before MPI starts (the command line).
  $MPIRUN -n 3 "$CACHELAB" $SWEEP --replications 0 --out out >usage.out 2>usage.err
  code=$?
  expect_input_error usage --replications
  # Found by every rank while building the plan.
  $MPIRUN -n 3 "$CACHELAB" sweep "$SCENARIO" --grid /cache/capacityy=1MiB --out out \
    >grid.out 2>grid.err
  code=$?
  expect_input_error grid --grid /cache/capacityy
  # Found by ranks 1 and 2 only: their working folder lacks the scenario.
  mkdir here elsewhere && cp "$SCENARIO" here/s.json
  $MPIRUN -n 1 -wdir "$WORK/here" "$CACHELAB" sweep s.json --grid /cache/capacity=1MiB,2MiB \
    --out "$WORK/out" : -n 2 -wdir "$WORK/elsewhere" "$CACHELAB" sweep s.json \
    --grid /cache/capacity=1MiB,2MiB --out "$WORK/out" >some.out 2>some.err
  code=$?
  expect_input_error some "rank 1" s.json
  ;;
*)
  fail "unknown mode $MODE"
  ;;
esac
echo "ok: $MODE"
