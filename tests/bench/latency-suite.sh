#!/usr/bin/env bash
# The near-cache latency benchmark suite: the Moodle-like operations at
# several added network delays and process counts, on moodlecache with and
# without its near cache, phpredis used as cachestore_redis uses it, and
# APCu, in one run; then a summary table with the ratios and the targets.
#
#   tests/bench/latency-suite.sh [--delays "0 250 1000"] [--procs "1 8 32"]
#                                [--seconds 0.4] [--json FILE]
#
# Needs root: redis-server runs in a network namespace of its own, the PHP
# processes in another, joined by a veth pair (addresses in 10.213.N.0/24,
# nothing else is touched); the delay is an NFQUEUE program (nfq-delay.c)
# holding each packet that reaches the client for DELAY us (iptables -I
# INPUT in the client's namespace, so large replies pay it once), with
# cubic congestion control on the namespaces' routes (BBR's pacing adds
# ~200 us to 64-200 KB replies).  redis-server and the PHP processes run on
# CPU 0, the delayer on CPU 1 at real-time priority (chrt -f; it sleeps in
# ppoll rather than busy-waiting, see nfq-delay.c and TESTBED.md).
# The hold time is calibrated so a PING through phpredis costs the bare
# round trip plus the delay (within 10%); both are printed for each delay.
set -euo pipefail
cd "$(dirname "$0")/../.."

delays="0 250 1000" procs_list="1 8 32" seconds=0.4 json=
while [ $# -gt 0 ]; do
  case "$1" in
    --delays) delays=$2; shift 2 ;;
    --procs) procs_list=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "latency-suite.sh needs root (network namespaces, iptables)" >&2; exit 1; }
scripts/ensure-deps
scripts/build-extension >/dev/null
source tests/harness/lib.sh

work=$(mktemp -d /tmp/moodlecache-latency.XXXXXX)
[ -n "$json" ] || json=$work/results.json
rm -f "$json"
tag=$$
net=$(( tag % 200 + 20 ))
srv=mcb$tag-srv cli=mcb$tag-cli vs=mcb${tag}s vc=mcb${tag}c
srv_ip=10.213.$net.1 cli_ip=10.213.$net.2
queue=$(( tag % 60000 + 1000 ))
delayer_pid= redis_pid=

cleanup() {
  mc_stop_pid "$delayer_pid" "$redis_pid" || true
  ip netns del "$srv" 2>/dev/null || true
  ip netns del "$cli" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

gcc -O2 -Wall -o "$work/nfq-delay" tests/bench/nfq-delay.c -lnetfilter_queue
# a private copy: a rebuild of modules/ during the run must not pull the
# code from under running processes (it crashes them)
cp modules/moodlecache.so "$work/moodlecache.so"

ip netns add "$srv"
ip netns add "$cli"
ip link add "$vs" type veth peer name "$vc"
ip link set "$vs" netns "$srv"
ip link set "$vc" netns "$cli"
ip -n "$srv" addr add "$srv_ip/24" dev "$vs"
ip -n "$cli" addr add "$cli_ip/24" dev "$vc"
for ns in "$srv" "$cli"; do ip -n "$ns" link set lo up; done
ip -n "$srv" link set "$vs" up
ip -n "$cli" link set "$vc" up
ip -n "$srv" route replace "10.213.$net.0/24" dev "$vs" proto kernel scope link src "$srv_ip" congctl cubic
ip -n "$cli" route replace "10.213.$net.0/24" dev "$vc" proto kernel scope link src "$cli_ip" congctl cubic

port=6390
ip netns exec "$srv" taskset -c 0 redis-server --port "$port" --bind "$srv_ip" --protected-mode no --save '' \
  --appendonly no --dir "$work" --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 100); do ip netns exec "$cli" redis-cli -h "$srv_ip" -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
redis_pid=$(cat "$work/redis.pid")

php_in_cli() {
  ip netns exec "$cli" taskset -c 0 php -n -d extension=igbinary.so -d extension=redis.so -d extension=apcu.so \
    -d extension="$work/moodlecache.so" -d apc.enable_cli=1 -d apc.shm_size=512M \
    -d moodlecache.near_cache_size=64M -d moodlecache.near_cache_enable_cli=1 -d memory_limit=2G "$@"
}
# -n keeps the host's ini files out; redis.so needs igbinary.so loaded first
php_in_cli -r 'exit(class_exists("Redis") && function_exists("apcu_fetch") ? 0 : 1);' \
  || { echo "php8.2-redis and php8.2-apcu are needed" >&2; exit 1; }

rtt() {  # median PING round trip in µs through phpredis
  php_in_cli -r '$r = new Redis(); $r->connect($argv[1], (int)$argv[2]); $l = [];
    for ($i = 0; $i < 300; $i++) { $t = hrtime(true); $r->ping(); $l[] = (hrtime(true) - $t) / 1000; }
    sort($l); printf("%.0f", $l[150]);' "$srv_ip" "$port"
}

start_delayer() {  # start_delayer DELAY_US: holds packets reaching the client for DELAY_US
  # real-time priority: on a busy machine a normal thread wakes milliseconds
  # late; no spinning (it would starve the softirq that re-injects packets)
  ip netns exec "$cli" taskset -c 1 chrt -f 20 "$work/nfq-delay" "$queue" "$1" 0 0 2>/dev/null &
  delayer_pid=$!
  sleep 0.3
}
stop_delayer() {
  kill "$delayer_pid"; wait "$delayer_pid" 2>/dev/null || true; delayer_pid=
}

base=$(rtt)
echo "=== PING round trip with no added delay (phpredis, p50): $base µs"
for delay in $delays; do
  if [ "$delay" -gt 0 ]; then
    ip netns exec "$cli" iptables -I INPUT -i "$vc" -j NFQUEUE --queue-num "$queue" --queue-bypass
    # Calibrate: on this VM the path through the queue adds more than the
    # hold time (wake-ups), so scale the hold time until a PING costs the
    # bare round trip plus the wanted delay (within 10%), at most 5 tries.
    hold=$delay
    for _ in 1 2 3 4 5; do
      start_delayer "$hold"
      measured=$(rtt)
      added=$(( measured - base ))
      if [ $(( (added - delay) * 10 )) -le "$delay" ] && [ $(( (delay - added) * 10 )) -le "$delay" ]; then break; fi
      stop_delayer
      [ "$added" -gt 0 ] || added=1
      hold=$(( hold * delay / added ))
      [ "$hold" -gt 0 ] || hold=1
    done
    [ -n "$delayer_pid" ] || { start_delayer "$hold"; measured=$(rtt); }
  else
    measured=$base
    hold=0
  fi
  echo "=== added delay $delay µs (packets held $hold µs): PING round trip (phpredis, p50) $measured µs"
  for procs in $procs_list; do
    php_in_cli tests/bench/latency.php --host "$srv_ip" --port "$port" --procs "$procs" --seconds "$seconds" \
      --label "+$delay µs (PING $measured µs)" --json "$json"
  done
  if [ "$delay" -gt 0 ]; then
    stop_delayer
    ip netns exec "$cli" iptables -D INPUT -i "$vc" -j NFQUEUE --queue-num "$queue" --queue-bypass
  fi
done

php tests/bench/latency-summary.php "$json"
