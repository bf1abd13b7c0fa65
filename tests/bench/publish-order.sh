#!/usr/bin/env bash
# What a write's announcement costs the writer's latency, by the order in
# which Redis writes the replies: tests/bench/publish-order.php times a
# 1 KB HSET alone, with its PUBLISH after it (the near cache's pipeline),
# with the PUBLISH before it, and as a script running PUBLISH then HSET,
# with 0, 1 and 4 subscribers on the channel (each standing for a web
# node's listener, tests/bench/subscriber.php).
#
#   tests/bench/publish-order.sh [--subscribers "0 1 4"] [--rounds 6] [--calls 20000]
#                                [--subscriber-cpu 0] [--server BIN]
#
# redis-server runs on loopback on CPU 1; the writer on CPU 0, and the
# subscribers on CPU 0 too unless --subscriber-cpu says otherwise, as in
# tests/bench/write-cost.sh.  On loopback a delivery's
# write also does the receiving kernel's work, in the server's context, so
# each costs the waiting writer more here than across a network.
# Timings are printed, never asserted (benchmarks are separate from tests).
set -euo pipefail
cd "$(dirname "$0")/../.."

subscribers_list="0 1 4" rounds=6 calls=20000 subscriber_cpu=0 server_bin=redis-server
while [ $# -gt 0 ]; do
  case "$1" in
    --subscribers) subscribers_list=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --calls) calls=$2; shift 2 ;;
    --subscriber-cpu) subscriber_cpu=$2; shift 2 ;;
    --server) server_bin=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for n in $subscribers_list; do
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -le 64 ] || { echo "--subscribers: whole numbers from 0 to 64, not '$n'" >&2; exit 2; }
done
[[ "$subscriber_cpu" =~ ^[01]$ ]] || { echo "--subscriber-cpu: 0 or 1, not '$subscriber_cpu'" >&2; exit 2; }
for n in "$rounds" "$calls"; do
  case "$n" in ''|*[!0-9]*|0) echo "--rounds, --calls: whole numbers above 0, not '$n'" >&2; exit 2 ;; esac
done

scripts/ensure-deps
source tests/harness/lib.sh

work=$(mktemp -d /tmp/moodlecache-publish-order.XXXXXX)
redis_pid= subscriber_pids=()
stop_subscribers() {
  for pid in "${subscriber_pids[@]}"; do mc_stop_pid "$pid" || true; done
  subscriber_pids=()
}
cleanup() {
  stop_subscribers
  mc_stop_pid "$redis_pid" || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo explode(":", stream_socket_get_name($s, false))[1];')
taskset -c 1 "$server_bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 100); do [ -s "$work/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis_pid=$(cat "$work/redis.pid")
channel="publish-order"

echo "=== server: $("$server_bin" --version | head -1), on CPU 1; writer on CPU 0, subscribers on CPU $subscriber_cpu"
for n in $subscribers_list; do
  for i in $(seq "$n"); do
    taskset -c "$subscriber_cpu" php -n tests/bench/subscriber.php "$port" "$channel" >"$work/sub.$i" 2>&1 &
    subscriber_pids+=($!)
  done
  for i in $(seq "$n"); do
    for _ in $(seq 100); do grep -q subscribed "$work/sub.$i" 2>/dev/null && break; sleep 0.05; done
    grep -q subscribed "$work/sub.$i" || { echo "subscriber $i did not subscribe: $(cat "$work/sub.$i")" >&2; exit 1; }
  done
  redis-cli -p "$port" config resetstat >/dev/null
  echo
  taskset -c 0 php tests/bench/publish-order.php "$port" "$channel" "$rounds" "$calls"
  stop_subscribers
done
