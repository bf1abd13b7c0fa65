#!/usr/bin/env bash
# Issue 3: MemcachedStore and Redis Cluster against real servers on 127.0.0.1.
# Starts two memcached and a Redis Cluster of 3 masters + 3 replicas (node
# timeout 1 s) in a temp dir, then checks:
#   - the memcached and cluster phpt tests (tests/memcached_*.phpt, tests/cluster_*.phpt);
#   - resharding: 2000 slots move (redis-cli --cluster reshard) while a reader
#     writes and reads 100 definitions: every answer must be the last write;
#   - cluster failover: kill -9 of the master of the test definition during a
#     bounded read/write loop: misses until a replica is promoted, then hits,
#     no wrong value, no exception;
#   - memcached failover: kill -9 of one memcached, restart 1.5 s later: same rules;
#   - a second cluster of 3 masters on TLS only (bus included): tls:// seeds.
# Figures (miss window, error counts) are printed as JSON, never asserted on time.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
source tests/harness/servers.sh

work=$(mktemp -d /tmp/moodlecache-45.XXXXXX)
cleanup() {
  cluster_stop "$work/cluster" 2>/dev/null || true
  cluster_stop "$work/tlscluster" 2>/dev/null || true
  mc_stop_pidfile -9 "$work"/memcached-*.pid || true
  rm -rf "$work"
}
trap cleanup EXIT

scripts/build-extension
php=(php -d "extension=$root/modules/moodlecache.so")
passed=0 failed=0
check() { # NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); echo "PASS $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}

mc_start_memcached "$work" 2
export MOODLECACHE_TEST_MEMCACHED_SERVERS=$MC_MEMCACHED_SERVERS

mkdir -p "$work/cluster"
cluster_start "$work/cluster"
export MOODLECACHE_TEST_CLUSTER_SEEDS=$CLUSTER_SEEDS
echo "memcached: $MOODLECACHE_TEST_MEMCACHED_SERVERS; cluster seeds: $CLUSTER_SEEDS"

phpt() {
  local out=$work/phpt.txt run_tests
  run_tests=$(ls /usr/lib/php/*/build/run-tests.php | tail -n 1)
  "${php[@]}" "$run_tests" -P -q --show-diff -d "extension=$root/modules/moodlecache.so" \
    tests/memcached_*.phpt tests/cluster_*.phpt > "$out" 2>&1 || true
  grep -E "^(PASS|FAIL|SKIP|BORK|WARN|LEAK)|^Tests" "$out"
  tests/harness/skips 45-memcached-cluster "$out" && ! grep -qE '^Tests failed *: *[1-9]' "$out" \
    && grep -qE '^Tests passed *: *[1-9]' "$out" \
    || { grep -A30 '=====DIFF' "$out" | head -60; return 1; }
}
check "phpt (memcached, cluster)" phpt

reshard() {
  local p1 from to
  p1=${CLUSTER_PORTS%% *}
  from=$(redis-cli -p "$p1" cluster nodes | awk '/master/ && !/fail/ {print $1}' | sed -n 1p)
  to=$(redis-cli -p "$p1" cluster nodes | awk '/master/ && !/fail/ {print $1}' | sed -n 2p)
  "${php[@]}" tests/integration/failover.php cluster-reshard "$CLUSTER_SEEDS" "$work/reshard.stop" > "$work/reshard.json" &
  local reader=$!
  sleep 0.5
  local rc=0
  redis-cli --cluster reshard "127.0.0.1:$p1" --cluster-from "$from" --cluster-to "$to" --cluster-slots 2000 \
    --cluster-yes --cluster-replace > "$work/reshard.log" 2>&1 || rc=$?
  touch "$work/reshard.stop"
  wait "$reader" || rc=$?
  cat "$work/reshard.json"
  [ $rc = 0 ] || tail -5 "$work/reshard.log"
  return $rc
}
check "resharding 2000 slots while reading" reshard

check "cluster failover (kill -9 of a master)" \
  "${php[@]}" tests/integration/failover.php cluster-failover "$CLUSTER_SEEDS" "$work/cluster"

check "memcached failover (kill -9, restart)" \
  "${php[@]}" tests/integration/failover.php memcached-failover "$MOODLECACHE_TEST_MEMCACHED_SERVERS" "$work/memcached-1.pid"

tls_cluster() {
  mkdir -p "$work/certs" "$work/tlscluster"
  cluster_make_certs "$work/certs" || return 1
  CLUSTER_TLS=$work/certs cluster_start "$work/tlscluster" 0 || return 1
  "${php[@]}" tests/integration/tls-check.php "$CLUSTER_SEEDS" "$work/certs/ca.crt"
}
check "cluster over TLS (tls:// seeds)" tls_cluster

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
