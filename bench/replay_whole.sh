#!/usr/bin/env bash
# Whole-process replay speed and peak memory on the eviction issue's workload:
# a 20M-request oracleGeneral trace over 1M keys, Zipf 1.0, a 100K-object
# cache with sizes ignored, one thread, the trace in the page cache. Each
# command runs RUNS times, the commands interleaved so that a noisy neighbour
# slows all of them alike; the best (shortest) run of each is reported, and
# the plain LRU loop (bench/yardstick/plain_lru.cc) is measured beside them.
#
# Usage: bench/replay_whole.sh [BUILD_DIR] [TRACE] [RUNS]
#   defaults: build/release, /tmp/zipf20m.bin (generated when missing), 5
set -euo pipefail

build=${1:-build/release}
trace=${2:-/tmp/zipf20m.bin}
runs=${3:-5}
objects=100000
cachelab="$build/cachelab"
plain="$build/cachelab_plain_lru"
for bin in "$cachelab" "$plain"; do
  [[ -x $bin ]] || { echo "replay_whole.sh: $bin not built" >&2; exit 2; }
done
if [[ ! -f $trace ]]; then
  "$cachelab" gen-trace "$trace" --requests 20000000 --keys 1000000 --alpha 1.0
fi
cat "$trace" > /dev/null  # into the page cache

names=(reader-only lru fifo sieve s3fifo plain-loop)
command_of() {
  case $1 in
    reader-only) echo "$cachelab replay $trace --format oracle --read-only" ;;
    plain-loop) echo "$plain $trace $objects" ;;
    *) echo "$cachelab replay $trace --format oracle --policy $1 --size $objects --ignore-size" ;;
  esac
}

declare -A best_s best_kb
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for ((r = 0; r < runs; ++r)); do
  for name in "${names[@]}"; do
    # shellcheck disable=SC2046
    /usr/bin/time -f "%e %M" -o "$tmp" $(command_of "$name") > /dev/null
    read -r secs kb < "$tmp"
    if [[ -z ${best_s[$name]:-} ]] || awk -v a="$secs" -v b="${best_s[$name]}" 'BEGIN{exit !(a < b)}'; then
      best_s[$name]=$secs
    fi
    if [[ -z ${best_kb[$name]:-} ]] || ((kb < best_kb[$name])); then best_kb[$name]=$kb; fi
  done
done

requests=$(( $(stat -c %s "$trace") / 24 ))
printf '%-12s %9s %12s %12s %16s\n' run best_s M_req/s peak_MB B/object_over_reader
for name in "${names[@]}"; do
  awk -v n="$name" -v s="${best_s[$name]}" -v kb="${best_kb[$name]}" -v rkb="${best_kb[reader-only]}" \
      -v req="$requests" -v obj="$objects" 'BEGIN {
    over = (n == "reader-only" || n == "plain-loop") ? "-" : sprintf("%.0f", (kb - rkb) * 1024 / obj)
    printf "%-12s %9.2f %12.1f %12.1f %16s\n", n, s, req / s / 1e6, kb / 1024, over }'
done
