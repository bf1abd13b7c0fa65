#!/usr/bin/env bash
# Near cache coherence under stress: two "nodes" (separate PHP process trees,
# each with its own shared memory, workers forked from it) against one
# private redis-server on 127.0.0.1.  Writers on both nodes, readers on both
# checking the coherence rule (a read after a returned set and a sync never
# sees the older value).  Run 1: plain.  Run 2: node B kill -9s a random
# worker (listener included) every 700 ms, and Redis is killed and restarted
# in the middle.  Bounded: about 45 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build-extension >/dev/null

work=$(mktemp -d /tmp/moodlecache-near.XXXXXX)
redis_pid=
cleanup() {
  [ -n "$redis_pid" ] && kill -9 "$redis_pid" 2>/dev/null || true
  jobs -p | xargs -r kill -9 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# a private copy: a rebuild of modules/ during the run must not pull the
# code from under running processes
cp modules/moodlecache.so "$work/moodlecache.so"
port=$(php -r '$s=stream_socket_server("tcp://127.0.0.1:0"); $n=stream_socket_get_name($s,false); echo substr($n, strrpos($n, ":")+1);')
start_redis() {
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
  redis_pid=$(cat "$work/redis.pid")
}
start_redis

php_node() {   # pcntl is built into Debian's CLI, posix is a module; -n keeps other ini files out
  php -n -d extension=posix -d extension="$work/moodlecache.so" -d moodlecache.near_cache_enable_cli=1 tests/near_cache/node.php \
    --port "$port" --prefix stress_ --keys 20 "$@"
}

passed=0 failed=0
tally() { # runs check.php on a run's results and counts its ok/FAIL lines
  local out
  out=$(php tests/near_cache/check.php "$@" || true)
  echo "$out"
  passed=$((passed + $(grep -c '^ok' <<<"$out" || true)))
  failed=$((failed + $(grep -c '^FAIL' <<<"$out" || true)))
}

echo "--- run 1: two nodes, 3 writers + 3 readers each, 12 s"
php_node --name A --writers 3 --readers 3 --key-offset 0 --seconds 12 --result "$work/a1.json" &
php_node --name B --writers 3 --readers 3 --key-offset 20 --seconds 12 --result "$work/b1.json" &
wait
tally run1 "$work/a1.json" "$work/b1.json"

echo "--- run 2: kill -9 of node B's workers every 700 ms, Redis killed and restarted at 8 s, 20 s"
php_node --name A --writers 3 --readers 3 --key-offset 0 --seconds 20 --result "$work/a2.json" &
pa=$!
php_node --name B --writers 3 --readers 3 --key-offset 20 --seconds 20 --chaos-ms 700 --result "$work/b2.json" &
pb=$!
sleep 8
kill -9 "$redis_pid"
sleep 0.5
start_redis
echo "redis restarted"
wait "$pa" "$pb"
tally run2 --redis-restarted "$work/a2.json" "$work/b2.json"
kills=$(php -r 'echo json_decode(file_get_contents($argv[1]), true)["kills"] ?? 0;' "$work/b2.json" 2>/dev/null || echo 0)
if [ "$kills" -ge 10 ]; then echo "ok   run2: node B lost $kills workers to kill -9"; passed=$((passed + 1));
else echo "FAIL run2: only $kills kills happened"; failed=$((failed + 1)); fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
