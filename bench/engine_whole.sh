#!/usr/bin/env bash
# The timed engine beside the minimal coroutine DES (bench/yardstick/mini_des.cc)
# on the engine issue's model (bench/engine_model.json): whole processes, CPU
# seconds (user + sys), the commands interleaved RUNS times so that a noisy
# neighbour slows both alike. Reports each command's best and median CPU
# seconds, simulated requests per CPU-second, peak RSS, the hit ratios (they
# must agree within 0.001) and the ratio cachelab / DES of the best and of the
# median runs.
#
# Usage: bench/engine_whole.sh [BUILD_DIR] [RUNS] [SCENARIO...]
#   defaults: build/release, 5, bench/engine_model.json. Extra scenarios are
#   run (and reported) beside the two, e.g. a second build's binary is not
#   supported, but any scenario is.
set -euo pipefail

build=${1:-build/release}
runs=${2:-5}
shift $(($# > 2 ? 2 : $#))
extra=("$@")
cachelab="$build/cachelab"
des="$build/cachelab_mini_des"
model=bench/engine_model.json
for bin in "$cachelab" "$des"; do
  [[ -x $bin ]] || { echo "engine_whole.sh: $bin not built" >&2; exit 2; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

names=(cachelab mini-des)
for s in "${extra[@]}"; do names+=("$s"); done
run_one() {  # name -> appends "cpu_s peak_kb" to $work/<i>.times
  local name=$1 i=$2 t="$work/time"
  case $name in
    cachelab)
      /usr/bin/time -f "%U %S %M" -o "$t" "$cachelab" run "$model" --out "$work/out" > /dev/null
      python3 -c "import json,sys; s=json.load(open('$work/out/summary.json')); print(s['cache']['hit_ratio'])" > "$work/$i.hit"
      python3 -c "import json,sys; s=json.load(open('$work/out/summary.json')); print(s['requests']['total'])" > "$work/$i.req"
      ;;
    mini-des)
      /usr/bin/time -f "%U %S %M" -o "$t" "$des" > "$work/des.out"
      awk '{print $3}' "$work/des.out" > "$work/$i.hit"
      awk '{print $1}' "$work/des.out" > "$work/$i.req"
      ;;
    *)
      /usr/bin/time -f "%U %S %M" -o "$t" "$cachelab" run "$name" --out "$work/out" > /dev/null
      python3 -c "import json,sys; s=json.load(open('$work/out/summary.json')); print(s['cache']['hit_ratio'])" > "$work/$i.hit"
      python3 -c "import json,sys; s=json.load(open('$work/out/summary.json')); print(s['requests']['total'])" > "$work/$i.req"
      ;;
  esac
  awk '{printf "%.2f %d\n", $1 + $2, $3}' "$t" >> "$work/$i.times"
  rm -rf "$work/out"
}

for ((r = 0; r < runs; ++r)); do
  for i in "${!names[@]}"; do run_one "${names[$i]}" "$i"; done
done

printf '%-34s %7s %7s %12s %12s %9s %9s\n' command best_s med_s Mreq/cpu_s_best Mreq/cpu_s_med peak_MB hit_ratio
for i in "${!names[@]}"; do
  sort -n "$work/$i.times" > "$work/$i.sorted"
  best=$(head -1 "$work/$i.sorted" | awk '{print $1}')
  med=$(awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}' "$work/$i.sorted")
  kb=$(sort -n -k2 "$work/$i.times" | tail -1 | awk '{print $2}')
  req=$(cat "$work/$i.req")
  printf '%-34s %7.2f %7.2f %12.2f %12.2f %9.1f %9.4f\n' "${names[$i]}" "$best" "$med" \
    "$(echo "$req / $best / 1000000" | bc -l)" "$(echo "$req / $med / 1000000" | bc -l)" \
    "$(echo "$kb / 1024" | bc -l)" "$(cat "$work/$i.hit")"
  echo "$best $med $req" > "$work/$i.sum"
done
read -r cb cm creq < "$work/0.sum"
read -r db dm dreq < "$work/1.sum"
printf 'cachelab / mini-des, requests per CPU-second: best %.2fx, median %.2fx\n' \
  "$(echo "($creq / $cb) / ($dreq / $db)" | bc -l)" "$(echo "($creq / $cm) / ($dreq / $dm)" | bc -l)"
