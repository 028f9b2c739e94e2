#!/bin/sh
# `cachelab live` from the outside: bad input exits 2 with one line and
# writes nothing; Ctrl-C mid-run exits 130, writes nothing, and leaves no
# server running and no folder behind. Skipped (77) without the servers.
# usage: live_cli_test.sh CACHELAB SCENARIOS_LIVE_DIR
set -u
B=$1
S=$2
[ -x /usr/bin/redis-server ] || command -v redis-server >/dev/null 2>&1 || exit 77
[ -x /usr/lib/postgresql/15/bin/initdb ] || exit 77
T=$(mktemp -d)
mkdir "$T/tmp"
chmod 755 "$T" "$T/tmp"  # PostgreSQL runs as `postgres` when we are root
export TMPDIR="$T/tmp"  # the private servers' folders go here
trap 'rm -rf "$T"' EXIT
fail() {
  echo "FAIL: $*"
  cat "$T/err" 2>/dev/null
  exit 1
}

# Expects exit 2, one line on stderr containing $1, no output folder, nothing left in TMPDIR.
expect_input_error() {
  want=$1
  shift
  "$B" live "$@" --out "$T/out" >/dev/null 2>"$T/err"
  rc=$?
  [ "$rc" = 2 ] || fail "live $*: exit $rc, expected 2"
  [ "$(wc -l <"$T/err")" = 1 ] || fail "live $*: more than one line on stderr"
  grep -q -- "$want" "$T/err" || fail "live $*: stderr does not say '$want'"
  [ ! -e "$T/out" ] || fail "live $*: wrote an output folder"
  [ -z "$(ls -A "$T/tmp")" ] || fail "live $*: left $(ls "$T/tmp") behind"
}

expect_input_error 'no live form' "$S/cache-aside.json" --set /cache/eviction=fifo
expect_input_error 'slow' "$S/cache-aside.json" \
  --set '/cache/faults=[{"kind":"slow","start":"1s","duration":"1s","factor":2}]'
expect_input_error '127.0.0.1:1' "$S/cache-aside.json" --redis redis://127.0.0.1:1
# A Redis of someone else's, too small for the scenario's cache.
redis-server --port 0 --unixsocket "$T/r.sock" --maxmemory 10mb --save '' >/dev/null 2>&1 &
rpid=$!
i=0
until [ -S "$T/r.sock" ]; do
  i=$((i + 1))
  [ "$i" -lt 100 ] || fail "the test's redis-server did not start"
  sleep 0.1
done
expect_input_error 'does not fit' "$S/cache-aside.json" --redis "unix://$T/r.sock"
kill "$rpid"
wait "$rpid" 2>/dev/null
expect_input_error 'in use' "$S/cache-aside.json" --redis-port "$(python3 -c '
import socket, os, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
if os.fork() == 0:  # holds the port a while, without holding this pipe
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    import time; time.sleep(20); sys.exit(0)
')"

# Ctrl-C while it runs: exit 130, nothing written, no server left.
"$B" live "$S/cache-aside.json" --set /duration=60s --verbose --out "$T/out" >/dev/null 2>"$T/err" &
pid=$!
i=0
until grep -q '^live: running' "$T/err" 2>/dev/null; do
  i=$((i + 1))
  [ "$i" -lt 600 ] || fail "the live run did not start within 60 s"
  kill -0 "$pid" 2>/dev/null || fail "the live run ended before it started"
  sleep 0.1
done
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
[ "$rc" = 130 ] || fail "interrupted live run: exit $rc, expected 130"
grep -q 'interrupted' "$T/err" || fail "the interrupt is not reported"
[ ! -e "$T/out" ] || fail "the interrupted run wrote an output folder"
[ -z "$(ls -A "$T/tmp")" ] || fail "the interrupted run left $(ls "$T/tmp") behind"
if pgrep -f "$T/tmp" >/dev/null 2>&1; then fail "a server of the interrupted run is still running"; fi
echo "ok"
