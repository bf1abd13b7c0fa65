#!/usr/bin/env bash
# The near cache on every server a Moodle site meets:
#   redis-7.0        Debian's redis-server
#   valkey-8.0.1     the engine ElastiCache runs (built from ../shared/servers)
#   valkey-acl       the same with CLIENT TRACKING denied by ACL (-client|tracking),
#                    as ElastiCache was reported to answer: nothing may depend on it
#   redis-7.4.1      hash-field expiry (the store then keeps TTLs on the server)
#   cluster          3 masters + 3 replicas (Debian's redis-server)
# On each standalone server: test_listener (Check) and the near-cache phpt
# tests against it, then the coherence stress (two "nodes", separate process
# trees with their own shared memory, 3 writers + 3 readers each, checking
# that a read after a returned set and a sync never sees an older value):
# run 1 plain, run 2 with a random worker of node B kill -9ed every 700 ms
# and the server killed and restarted; the writers must have announced
# quietly (quiet.h) on a standalone server, never in the cluster.  On the cluster: the cluster
# near-cache phpt, then the same stress with a master kill -9ed mid-run.
# Expected skip: the entries built from ../shared/servers when it is absent
# (printed).  Bounded: about 6 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
source tests/integration/cluster-lib.sh
scripts/build-extension >/dev/null
make -C tests/unit bin/test_listener >/dev/null

work=$(mktemp -d /tmp/moodlecache-near.XXXXXX)
pidfile=$work/server.pid
cleanup() {
  mc_stop_tree -9 $(jobs -p) || true
  mc_stop_pidfile -9 "$pidfile" || true
  cluster_stop "$work/cluster" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# a private copy: a rebuild of modules/ during the run must not pull the
# code from under running processes
cp modules/moodlecache.so "$work/moodlecache.so"
passed=0 failed=0
result() { # STATUS NAME
  if [ "$1" = 0 ]; then passed=$((passed + 1)); echo "ok   $2"; else failed=$((failed + 1)); echo "FAIL $2"; fi
}

# ---- servers --------------------------------------------------------------------
server_bin=redis-server acl=
start_server() { # PORT
  "$server_bin" --port "$1" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --daemonize yes --pidfile "$pidfile" --logfile "$work/server.log"
  for _ in $(seq 100); do redis-cli -p "$1" ping >/dev/null 2>&1 && break; sleep 0.05; done
  if [ -n "$acl" ]; then
    # shellcheck disable=SC2086
    redis-cli -p "$1" ACL SETUSER default $acl >/dev/null
  fi
}
stop_server() {
  mc_stop_pidfile -9 "$pidfile"
  rm -f "$pidfile"
}

# ---- the checks ------------------------------------------------------------------
phpt() { # LABEL TESTS...
  local label=$1 out=$work/phpt.txt run_tests
  shift
  run_tests=$(ls /usr/lib/php/*/build/run-tests.php | tail -n 1)
  php "$run_tests" -P -q --show-diff -d "extension=$work/moodlecache.so" -d moodlecache.near_cache_enable_cli=1 \
    "$@" > "$out" 2>&1 || true
  grep -E '^Tests (passed|failed|skipped)' "$out" | sed "s/^/    $label /"
  if ! tests/harness/skips 50-near-cache "$out" || grep -qE '^Tests failed *: *[1-9]' "$out" \
     || ! grep -qE '^Tests passed *: *[1-9]' "$out"; then
    grep -E 'FAIL|SKIP' "$out" | head -10
    grep -A30 '=====DIFF' "$out" | head -60
    return 1
  fi
}

php_node() {   # pcntl is built into Debian's CLI, posix is a module; -n keeps other ini files out
  php -n -d extension=posix -d extension="$work/moodlecache.so" -d moodlecache.near_cache_enable_cli=1 \
    tests/near_cache/node.php --prefix stress_ --keys 20 "$@"
}

tally() { # runs check.php on a run's results and counts its ok/FAIL lines
  local out
  out=$(php tests/near_cache/check.php "$@" || true)
  echo "$out"
  passed=$((passed + $(grep -c '^ok' <<<"$out" || true)))
  failed=$((failed + $(grep -c '^FAIL' <<<"$out" || true)))
}

# Two stress runs; WHERE is "--port P" or "--cluster SEEDS"; DISRUPT is a
# function that breaks the server 8 s into run 2.
stress() { # LABEL DISRUPT WHERE...
  local label=$1 disrupt=$2
  shift 2
  echo "--- $label run 1: two nodes, 3 writers + 3 readers each, 12 s"
  php_node "$@" --name A --writers 3 --readers 3 --key-offset 0 --seconds 12 --result "$work/a1.json" &
  php_node "$@" --name B --writers 3 --readers 3 --key-offset 20 --seconds 12 --result "$work/b1.json" &
  wait
  tally "$label run1" "--quiet=$quiet" "$work/a1.json" "$work/b1.json"
  echo "--- $label run 2: kill -9 of node B's workers every 700 ms, $disrupt at 8 s, 20 s"
  php_node "$@" --name A --writers 3 --readers 3 --key-offset 0 --seconds 20 --result "$work/a2.json" &
  local pa=$!
  php_node "$@" --name B --writers 3 --readers 3 --key-offset 20 --seconds 20 --chaos-ms 700 --result "$work/b2.json" &
  local pb=$!
  sleep 8
  "$disrupt"
  wait "$pa" "$pb"
  tally "$label run2" --redis-restarted "--quiet=$quiet" "$work/a2.json" "$work/b2.json"
  local kills
  kills=$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["kills"] ?? 0;' "$work/b2.json" 2>/dev/null || echo 0)
  [ "$kills" -ge 10 ]; result $? "$label run2: node B lost $kills workers to kill -9"
}

port=
quiet=yes       # writers announce on their node's own channel: standalone servers only
restart_server() { stop_server; sleep 0.5; start_server "$port"; echo "server killed and restarted"; }

standalone() { # LABEL BINARY [ACL RULES]
  local label=$1
  server_bin=$2 acl=${3:-}
  port=$(cluster_free_port)
  start_server "$port"
  echo "=== $label: $("$server_bin" --version | head -1)${acl:+ (ACL: $acl)}"
  local out rc=0
  out=$(MC_TEST_REDIS_SERVER=$server_bin tests/unit/bin/test_listener 2>&1) || rc=$?
  grep -E '^[0-9]+%|after|refusal|connections' <<<"$out" | sed 's/^/    /'
  result $rc "$label: test_listener"
  rc=0
  MOODLECACHE_TEST_REDIS_PORT=$port MOODLECACHE_TEST_REDIS_SERVER=$server_bin phpt "$label" tests/near_cache_*.phpt || rc=$?
  result $rc "$label: near-cache phpt"
  stress "$label" restart_server --port "$port"
  stop_server
}

kill_master() { # the master of the stress test's definition
  local p1=${CLUSTER_PORTS%% *} slot port
  slot=$(redis-cli -p "$p1" cluster keyslot '{stress_:d}')
  port=$(redis-cli -p "$p1" cluster nodes | awk -v s="$slot" '/master/ && !/fail/ {
    for (i = 9; i <= NF; i++) { split($i, r, "-"); if (r[2] == "") r[2] = r[1]; if (s >= r[1] && s <= r[2]) { split($2, a, "[:@]"); print a[2] } } }')
  kill -9 "$(cat "$work/cluster/$port/redis.pid")"
  echo "master $port of slot $slot killed at $(date +%s.%3N)"
}

clustered() {
  mkdir -p "$work/cluster"
  cluster_start "$work/cluster"
  echo "=== cluster: 3 masters + 3 replicas, $(redis-server --version | head -1)"
  local rc=0
  MOODLECACHE_TEST_CLUSTER_SEEDS=$CLUSTER_SEEDS phpt cluster tests/cluster_near_cache.phpt || rc=$?
  result $rc "cluster: near-cache phpt"
  quiet=no stress cluster kill_master --cluster "$CLUSTER_SEEDS"
  cluster_stop "$work/cluster"
}

standalone redis-7.0 redis-server
shared_build=$root/../shared/servers/build.sh
if [ -x "$shared_build" ]; then
  valkey_bin=$("$shared_build" valkey-8.0.1)/valkey-server
  standalone valkey-8.0.1 "$valkey_bin"
  standalone valkey-acl "$valkey_bin" "on nopass ~* &* +@all -client|tracking"
  standalone redis-7.4.1 "$("$shared_build" redis-7.4.1)/redis-server"
else
  mc_skip 50-near-cache "valkey-8.0.1, valkey-acl and redis-7.4.1" "../shared/servers/build.sh (the server builds) not found" \
    || failed=$((failed + 1))
fi
clustered

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
