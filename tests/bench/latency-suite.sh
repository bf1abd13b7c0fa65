#!/usr/bin/env bash
# The near-cache latency benchmark suite: the Moodle-like operations at
# several added network delays and process counts, on moodlecache with and
# without its near cache, phpredis used as cachestore_redis uses it, and
# APCu, in one run; then a summary table with the ratios and the targets.
#
#   tests/bench/latency-suite.sh [--delays "0 250 1000"] [--procs "1 8 32"]
#                                [--seconds 0.4] [--json FILE] [--server BIN]
#                                [--server-cpu N] [--only SUBSTRING] [--mtu N]
#                                [--delay-at client|server]
#
# --server: the redis-server (or valkey-server) to run, e.g. Redis 7.4.1 from
# ../shared/servers/build.sh redis-7.4.1 for hash-field expiry; default
# Debian's redis-server.
# --server-cpu: the CPU of redis-server (default 0, the PHP processes' CPU).
# 1 puts it beside the delayer, off the writers' CPU, as a server on another
# machine would be: what a write costs the web node itself.
# --only: only the operations whose name contains it (latency.php --only).
# --mtu: the veth pair's MTU, default 9001: what a pod on EKS has (the VPC
# CNI's default) and what the VPC carries.  1500 for an Ethernet-sized path:
# there a request that grows past one segment (1448 bytes of TCP payload) is
# acknowledged at once by the server's kernel, one more packet per request;
# a 1 KB write (1410 bytes) crosses that line when the near cache's
# announcement (112 bytes) rides with it (docs/near-cache.md).
# --delay-at: where packets are held, "client" (default: as they reach the
# client, so a large reply pays the delay once) or "server" (as requests reach
# the server).  With "server" the replies and the near cache's Pub/Sub messages
# pass no user-space delayer, whose CPU per packet (on the server's CPU) a real
# network does not spend: for comparing writes, whose announcements are extra
# packets to the client, not for large reads.
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

delays="0 250 1000" procs_list="1 8 32" seconds=0.4 json= server_bin=redis-server server_cpu=0 only= mtu=9001
netns_delay_at=client
while [ $# -gt 0 ]; do
  case "$1" in
    --delays) delays=$2; shift 2 ;;
    --procs) procs_list=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --server) server_bin=$2; shift 2 ;;
    --server-cpu) server_cpu=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --mtu) mtu=$2; shift 2 ;;
    --delay-at) netns_delay_at=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$server_cpu" in ''|*[!0-9]*) echo "--server-cpu: a CPU number, not '$server_cpu'" >&2; exit 2 ;; esac
[[ "$mtu" =~ ^[0-9]{3,4}$ ]] && [ "$mtu" -ge 576 ] && [ "$mtu" -le 9001 ] ||
  { echo "--mtu: a number of bytes (576 to 9001), not '$mtu'" >&2; exit 2; }
case "$netns_delay_at" in client|server) ;; *) echo "--delay-at: client or server, not '$netns_delay_at'" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "latency-suite.sh needs root (network namespaces, iptables)" >&2; exit 1; }
scripts/ensure-deps
scripts/build-extension >/dev/null
source tests/harness/lib.sh

work=$(mktemp -d /tmp/moodlecache-latency.XXXXXX)
[ -n "$json" ] || json=$work/results.json
rm -f "$json"
source tests/bench/netns.sh
redis_pid=

cleanup() {
  mc_stop_pid "$redis_pid" || true
  netns_stop_delayer
  sleep 0.2
  netns_destroy
  rm -rf "$work"
}
trap cleanup EXIT

netns_build_delayer "$work"
# a private copy: a rebuild of modules/ during the run must not pull the
# code from under running processes (it crashes them)
cp modules/moodlecache.so "$work/moodlecache.so"

netns_create $$ "$mtu"
srv=$netns_srv cli=$netns_cli srv_ip=$netns_srv_ip

port=6390
ip netns exec "$srv" taskset -c "$server_cpu" "$server_bin" --port "$port" --bind "$srv_ip" --protected-mode no --save '' \
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

echo "=== server: $("$server_bin" --version | head -1), on CPU $(taskset -cp "$redis_pid" | sed "s/.*: //"); PHP on CPU 0; MTU $(ip -n "$cli" -o link show "$netns_vc" | sed 's/.* mtu \([0-9]*\) .*/\1/')"
base=$(rtt)
echo "=== PING round trip with no added delay (phpredis, p50): $base µs"
for delay in $delays; do
  if [ "$delay" -gt 0 ]; then
    netns_delay_on "$delay" rtt
    measured=$netns_rtt hold=$netns_hold
  else
    measured=$base
    hold=0
  fi
  echo "=== added delay $delay µs (packets held $hold µs at the $netns_delay_at): PING round trip (phpredis, p50) $measured µs"
  for procs in $procs_list; do
    php_in_cli tests/bench/latency.php --host "$srv_ip" --port "$port" --procs "$procs" --seconds "$seconds" \
      --label "+$delay µs (PING $measured µs)" --json "$json" ${only:+--only "$only"}
  done
  [ "$delay" -eq 0 ] || netns_delay_off
done

php tests/bench/latency-summary.php "$json"
if [ "$netns_delay_at" = client ] && [ "$delays" != 0 ]; then
  echo "(Packets were held at the client: behind a delay each near-cache announcement is one more packet through"
  echo " the user-space delayer, on the server's CPU, which a real network does not spend. --delay-at server"
  echo " holds requests instead, to compare writes without it; docs/near-cache.md.)"
fi
