#!/usr/bin/env bash
# The Redis store on the servers users run besides Debian's Redis 7.0 (suite
# 20): Valkey 8.0.1 (ElastiCache's engine) and Redis 7.4.1 (hash-field
# expiry: the store then keeps TTLs on the server, without scripts).  On
# each: test_redis and test_listener (Check) and every RedisStore phpt test
# (tests/redis_*.phpt, tests/node_stats.phpt) against a private server.
# Expected skips: the TTL layout test of the other kind of server, and the
# TLS and Unix-socket tests' own servers are started by them.  Both servers
# are built from ../shared/servers; without that folder the suite says so
# and passes (expected).  About 3 minutes (plus 2.5 the first time a server
# is built).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
scripts/build-extension >/dev/null
make -s -C tests/unit bin/test_redis bin/test_listener >/dev/null

shared_build=$root/../shared/servers/build.sh
if [ ! -x "$shared_build" ]; then
  echo "skipped (expected): $shared_build not found"
  echo "0 passed, 0 failed"
  exit 0
fi

work=$(mktemp -d /tmp/moodlecache-25.XXXXXX)
pidfile=$work/server.pid
cleanup() {
  [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cp modules/moodlecache.so "$work/moodlecache.so"
run_tests=$(ls /usr/lib/php/*/build/run-tests.php | tail -n 1)
passed=0 failed=0
result() { # STATUS NAME
  if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi
}

matrix() { # LABEL BINARY EXPECTED-SKIP
  local label=$1 bin=$2 expected_skip=$3 port out rc=0
  port=$(php -r '$s=stream_socket_server("tcp://127.0.0.1:0"); $n=stream_socket_get_name($s,false); echo substr($n, strrpos($n, ":")+1);')
  "$bin" --port "$port" --bind 127.0.0.1 --unixsocket "$work/server.sock" --unixsocketperm 700 --save '' \
    --appendonly no --dir "$work" --daemonize yes --pidfile "$pidfile" --logfile "$work/server.log"
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  echo "=== $label: $("$bin" --version | head -1)"
  for t in test_redis test_listener; do
    rc=0
    out=$(MC_TEST_REDIS_SERVER=$bin "tests/unit/bin/$t" 2>&1) || rc=$?
    grep -E '^[0-9]+%' <<<"$out" | sed 's/^/    /'
    [ $rc = 0 ] || grep -E ':[FE]:' <<<"$out" | head -5
    result $rc "$label: $t"
  done
  rc=0
  MOODLECACHE_TEST_REDIS_PORT=$port MOODLECACHE_TEST_REDIS_SOCKET=$work/server.sock MOODLECACHE_TEST_REDIS_SERVER=$bin \
    php "$run_tests" -P -q --show-diff -d "extension=$work/moodlecache.so" -d moodlecache.near_cache_enable_cli=1 \
    tests/redis_*.phpt tests/node_stats.phpt > "$work/phpt.txt" 2>&1 || true
  grep -E '^Tests (passed|failed|skipped)' "$work/phpt.txt" | sed "s/^/    /"
  local skips
  skips=$(grep -oE '\[tests/[a-z_0-9]+\.phpt\] reason' "$work/phpt.txt" | sed 's/.*\[tests\/\(.*\)\.phpt.*/\1/' | sort | tr '\n' ' ')
  if grep -qE '^Tests failed *: *[1-9]' "$work/phpt.txt" || ! grep -qE '^Tests passed *: *[1-9]' "$work/phpt.txt"; then
    grep -A30 '=====DIFF' "$work/phpt.txt" | head -60
    rc=1
  fi
  if [ "$skips" != "$expected_skip " ]; then
    echo "    skipped: ${skips:-none}; expected: $expected_skip"
    rc=1
  fi
  result $rc "$label: RedisStore phpt (expected skip: $expected_skip)"
  kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile" "$work/server.sock"
}

matrix valkey-8.0.1 "$("$shared_build" valkey-8.0.1)/valkey-server" redis_ttl_field_expiry
matrix redis-7.4.1 "$("$shared_build" redis-7.4.1)/redis-server" "redis_ttl_frame_expiry redis_ttl_reap_interval redis_ttl_reap_node"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
