#!/usr/bin/env bash
# What a write costs the web node's CPU with the near cache on, against the
# same write with it off, and where that CPU goes (issue 18's write target).
#
#   tests/bench/write-cost.sh [--procs "1 8 32"] [--seconds 2] [--rounds 2]
#                             [--value-bytes 1024] [--server BIN] [--listener-nice N]
#                             [--subscribers N]
#
# redis-server runs on loopback on CPU 1, as a server on another machine
# would be (its work is not the web node's); the writers (forked PHP
# processes calling RedisStore::set(), tests/bench/write-loop.php) run on
# CPU 0.  For each process count and round, near cache off then on (the
# order alternates from round to round).  Printed per run: writes per
# second, the writers' CPU per write (their main threads) and the listener's
# (the other threads of their processes), in µs, from /proc/self/task.
# The cost is (CPU per write on) / (CPU per write off), writers' and
# listener's together: what the near cache adds to a write on the node.
# "trusted/quiet": the shares of the writes made while the near cache was
# trusted, and announced on the node's own channel (src/quiet.h: then no
# announcement is delivered back to this node, none at all without
# --subscribers, which keep the node on the shared channel).
# Where the writers leave the listener less CPU than it needs to keep up
# (its fair share of one CPU among 33 threads), it falls behind, the near
# cache is distrusted and writes skip it: the cost is then that of a node
# without a near cache, not of one with it.  --listener-nice -10 (as root)
# gives the listener thread that much more weight, to measure the cost of a
# write with the near cache kept trusted.
# Where the writers saturate CPU 0 this is also the throughput ratio.
# "server µs/w": redis-server's CPU per write (/proc, over the middle half
# of the window, divided by the HSETs Redis counted meanwhile): what each
# write costs the server, announcement and its deliveries included.
# --subscribers N adds N subscribers to the announcement channel
# (tests/bench/subscriber.php, on CPU 0), each standing for another web
# node's listener: Redis delivers every announcement to each of them.  On
# loopback the receiving end's kernel work runs in the sender's context,
# so a delivery costs the server more here than across a network.
# "CPU 0 µs/w": everything CPU 0 did per write over the same window (user,
# system, interrupts and softirqs from /proc/stat): the web node's whole
# cost, with what the kernel spends outside the processes' own accounting
# (the wake-ups and interrupts of each announcement received); with
# --subscribers it includes the subscribers, which run there too.
# Timings are printed, never asserted (benchmarks are separate from tests).
set -euo pipefail
cd "$(dirname "$0")/../.."

procs_list="1 8 32" seconds=2 rounds=2 value_bytes=1024 server_bin=redis-server listener_nice= subscribers=0
while [ $# -gt 0 ]; do
  case "$1" in
    --procs) procs_list=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --value-bytes) value_bytes=$2; shift 2 ;;
    --server) server_bin=$2; shift 2 ;;
    --listener-nice) listener_nice=$2; shift 2 ;;
    --subscribers) subscribers=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for n in $procs_list $rounds $value_bytes; do
  case "$n" in ''|*[!0-9]*|0) echo "--procs, --rounds, --value-bytes: whole numbers above 0, not '$n'" >&2; exit 2 ;; esac
done
[[ "$seconds" =~ ^[0-9]*\.?[0-9]+$ ]] || { echo "--seconds: a number, not '$seconds'" >&2; exit 2; }
[[ -z "$listener_nice" || "$listener_nice" =~ ^-?[0-9]+$ ]] ||
  { echo "--listener-nice: a whole number, not '$listener_nice'" >&2; exit 2; }
[[ "$subscribers" =~ ^[0-9]+$ && "$subscribers" -le 256 ]] ||
  { echo "--subscribers: a whole number from 0 to 256, not '$subscribers'" >&2; exit 2; }
[ "$(nproc)" -ge 2 ] || { echo "write-cost.sh needs 2 CPUs (server on one, writers on the other)" >&2; exit 1; }
scripts/ensure-deps
scripts/build-extension >/dev/null
source tests/harness/lib.sh

work=$(mktemp -d /tmp/moodlecache-write-cost.XXXXXX)
redis_pid= subscriber_pids=()
cleanup() {
  [ -s "$work/loop.pid" ] && { mc_stop_pid "$(cat "$work/loop.pid")" || true; }
  for pid in "${subscriber_pids[@]}"; do mc_stop_pid "$pid" || true; done
  mc_stop_pid "$redis_pid" || true
  rm -rf "$work"
}
trap cleanup EXIT
# a private copy: a rebuild of modules/ during the run must not pull the
# code from under running processes
cp modules/moodlecache.so "$work/moodlecache.so"

port=$(php -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo explode(":", stream_socket_get_name($s, false))[1];')
taskset -c 1 "$server_bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
  --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 100); do [ -s "$work/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis_pid=$(cat "$work/redis.pid")
channel="__moodlecache__:inv:0:writecost"   # the prefix write-loop.php uses, database 0 (src/announce.c)
for i in $(seq "$subscribers"); do
  taskset -c 0 php -n tests/bench/subscriber.php "$port" "$channel" >"$work/sub.$i" 2>&1 &
  subscriber_pids+=($!)
done
for i in $(seq "$subscribers"); do
  for _ in $(seq 100); do grep -q subscribed "$work/sub.$i" 2>/dev/null && break; sleep 0.05; done
  grep -q subscribed "$work/sub.$i" || { echo "subscriber $i did not subscribe: $(cat "$work/sub.$i")" >&2; exit 1; }
done

server_sample() {  # "CPU ticks of redis-server, HSETs it ran, subscribers of the channel, CPU 0's busy ticks"
  local calls subs
  calls=$(redis-cli -p "$port" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_hset:calls=\([0-9]*\),.*/\1/p')
  subs=$(redis-cli -p "$port" pubsub numsub "$channel" | sed -n 2p)
  # CPU 0: user, nice, system, irq and softirq (/proc/stat), all the web node's work
  echo "$(awk '{print $14 + $15}' "/proc/$redis_pid/stat") ${calls:-0} ${subs:-0} $(awk '$1 == "cpu0" {print $2 + $3 + $4 + $7 + $8}' /proc/stat)"
}

sleep_until() {  # sleep_until EPOCH_SECONDS
  sleep "$(awk -v t="$1" -v now="$(date +%s.%N)" 'BEGIN {d = t - now; printf "%.3f", (d > 0 ? d : 0)}')"
}

writers() {  # writers NEAR PROCS: one JSON line
  taskset -c 0 php -n -d extension=igbinary.so -d extension="$work/moodlecache.so" \
    -d moodlecache.near_cache_size=64M -d moodlecache.near_cache_enable_cli=1 -d memory_limit=1G \
    tests/bench/write-loop.php --port "$port" --procs "$2" --seconds "$seconds" --near "$1" --value-bytes "$value_bytes" \
    ${listener_nice:+--listener-nice "$listener_nice"} >"$work/loop.json" &
  echo $! >"$work/loop.pid"
  # The writers' windows start after PHP's start-up and their 1 s warm-up
  # and last $seconds: sample about the middle half, timed from the launch
  # (not from the first sample, which takes its own time), the second
  # sample well before the window ends and the listener's process with it.
  local launched
  launched=$(date +%s.%N)
  sleep_until "$(awk -v t="$launched" -v s="$seconds" 'BEGIN {printf "%.3f", t + 1.1 + s / 4}')"
  server_sample >"$work/server.0"
  sleep_until "$(awk -v t="$launched" -v s="$seconds" 'BEGIN {printf "%.3f", t + 1.0 + 3 * s / 4}')"
  server_sample >"$work/server.1"
  wait "$(cat "$work/loop.pid")"
  rm -f "$work/loop.pid"
  php -r '
    [$cpu0, $calls0, $subs0, $node0] = array_map("intval", explode(" ", trim($argv[2])));
    [$cpu1, $calls1, $subs1, $node1] = array_map("intval", explode(" ", trim($argv[3])));
    $subs = max($subs0, $subs1);    // the listener may be gone by the second sample, as its process ends
    $r = json_decode($argv[1], true);
    $r["server_us"] = $calls1 > $calls0 ? ($cpu1 - $cpu0) * 1e4 / ($calls1 - $calls0) : null;
    $r["node_us"] = $calls1 > $calls0 ? ($node1 - $node0) * 1e4 / ($calls1 - $calls0) : null;
    $r["subscribers"] = $subs;
    echo json_encode($r), "\n";' "$(cat "$work/loop.json")" "$(cat "$work/server.0")" "$(cat "$work/server.1")"
}

echo "=== server: $("$server_bin" --version | head -1), on CPU $(taskset -cp "$redis_pid" | sed "s/.*: //"); writers on CPU 0"
echo "=== set() of a ~$value_bytes-byte array, ${seconds} s per run, $rounds rounds${listener_nice:+; the listener thread at nice $listener_nice}"
[ "$subscribers" -eq 0 ] ||
  echo "=== $subscribers more subscribers on the announcement channel (other nodes' listeners), on CPU 0"
printf '%-6s %-6s %-5s | %10s | %12s %13s %12s | %-13s | %-13s | %-25s | %s\n' procs round near "writes/s" "writer µs/w" \
  "listener µs/w" "total µs/w" "cost (on/off)" "trusted/quiet" "server µs/w (subscribers)" "CPU 0 µs/w (on/off)"
for procs in $procs_list; do
  for round in $(seq "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
      off=$(writers 0 "$procs"); on=$(writers 1 "$procs")
    else
      on=$(writers 1 "$procs"); off=$(writers 0 "$procs")
    fi
    php -r '
      [$procs, $round] = array_slice($argv, 1, 2);
      [$off, $on] = array_map(fn($j) => json_decode($j, true), array_slice($argv, 3));
      $per = fn($r) => ($r["writer_cpu"] + $r["other_cpu"]) / $r["writes"] * 1e6;
      foreach ([$off, $on] as $r) {
        $node = $r["node_us"] === null ? "-" : sprintf("%.2f", $r["node_us"]);
        if ($r["near"] && $r["node_us"] !== null && $off["node_us"] > 0) {
            $node .= sprintf(" (%.2fx)", $r["node_us"] / $off["node_us"]);
        }
        printf("%-6d %-6d %-5s | %10.0f | %12.2f %13.2f %12.2f | %-13s | %-13s | %-25s | %s\n", $procs, $round,
          $r["near"] ? "on" : "off", $r["writes"] / $r["seconds"], $r["writer_cpu"] / $r["writes"] * 1e6,
          $r["other_cpu"] / $r["writes"] * 1e6, $per($r), $r["near"] ? sprintf("%.2fx", $per($r) / $per($off)) : "",
          $r["near"] ? sprintf("%.0f%%/%.0f%%", 100 * $r["trusted_writes"] / $r["writes"], 100 * $r["quiet_writes"] / $r["writes"]) : "",
          $r["server_us"] === null ? "-" : sprintf("%.2f (%d)", $r["server_us"], $r["subscribers"]), $node);
      }' "$procs" "$round" "$off" "$on"
  done
done
