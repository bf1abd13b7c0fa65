# shellcheck shell=bash
# shellcheck disable=SC2034 # the netns_* variables are read by the callers
# The emulated network of /work/shared/TESTBED.md ("Network latency"): two
# network namespaces joined by a veth pair, and an NFQUEUE program
# (nfq-delay.c) holding each packet that reaches the client for a calibrated
# time.  Sourced by tests/bench/latency-suite.sh and tests/moodle/bench.
#
#   netns_create TAG [MTU]    namespaces mcb<TAG>-srv and mcb<TAG>-cli, addresses
#                             10.213.N.1 (server) and .2 (client), cubic on both routes,
#                             the veth pair at MTU (default 1500, a veth's own)
#   netns_build_delayer DIR   compiles nfq-delay.c into DIR
#   netns_delay_on US RTT     adds US µs to each round trip; RTT is a command that
#                             prints one measured round trip in µs (median of a few)
#   netns_delay_off           removes the delay (rule and delayer)
#   netns_destroy             stops the delayer and deletes both namespaces
#
# The delay holds packets as they reach the client (iptables -I INPUT in the
# client's namespace), so a large reply pays it once (netns_delay_at=server
# holds them as they reach the server instead: requests); BBR's pacing would add
# ~200 µs to 64-200 KB replies, hence cubic.  The delayer runs on CPU
# $netns_delayer_cpu (default 1) at real-time priority, without spinning (see
# nfq-delay.c).  Every rule lives in one of the two namespaces, so deleting the
# namespaces leaves nothing behind.  Commands work from any namespace:
# each names the namespace it acts in.

# Kept when already set: a process started by one that made the namespaces sources this too.
netns_srv=${netns_srv:-} netns_cli=${netns_cli:-} netns_delayer_bin=${netns_delayer_bin:-}
netns_delayer_pid='' netns_hold=0 netns_rtt=''
# Where packets are held: "client" (as they reach the client, the default) or "server" (as
# requests reach the server: the server's replies and Pub/Sub messages then pass untouched).
netns_delay_at=${netns_delay_at:-client}

# The namespace and interface of the delay rule.
netns_delay_where() {
  if [ "$netns_delay_at" = server ]; then echo "$netns_srv $netns_vs"; else echo "$netns_cli $netns_vc"; fi
}

netns_create() { # TAG [MTU]
  local tag=$1 mtu=${2:-1500} net=$(( $1 % 200 + 20 ))
  netns_srv=mcb$tag-srv netns_cli=mcb$tag-cli
  netns_vs=mcb${tag}s netns_vc=mcb${tag}c
  netns_srv_ip=10.213.$net.1 netns_cli_ip=10.213.$net.2
  netns_queue=$(( tag % 60000 + 1000 ))
  ip netns add "$netns_srv" || return 1
  ip netns add "$netns_cli" || return 1
  ip link add "$netns_vs" type veth peer name "$netns_vc" || return 1
  ip link set "$netns_vs" netns "$netns_srv" &&
    ip link set "$netns_vc" netns "$netns_cli" &&
    ip -n "$netns_srv" addr add "$netns_srv_ip/24" dev "$netns_vs" &&
    ip -n "$netns_cli" addr add "$netns_cli_ip/24" dev "$netns_vc" &&
    ip -n "$netns_srv" link set lo up && ip -n "$netns_cli" link set lo up &&
    ip -n "$netns_srv" link set "$netns_vs" mtu "$mtu" up && ip -n "$netns_cli" link set "$netns_vc" mtu "$mtu" up &&
    ip -n "$netns_srv" route replace "10.213.$net.0/24" dev "$netns_vs" proto kernel scope link \
      src "$netns_srv_ip" congctl cubic &&
    ip -n "$netns_cli" route replace "10.213.$net.0/24" dev "$netns_vc" proto kernel scope link \
      src "$netns_cli_ip" congctl cubic
}

netns_build_delayer() { # DIR
  netns_delayer_bin=$1/nfq-delay
  gcc -O2 -Wall -o "$netns_delayer_bin" "$(dirname "${BASH_SOURCE[0]}")/nfq-delay.c" -lnetfilter_queue
}

netns_start_delayer() { # HOLD_US
  local ns _
  read -r ns _ < <(netns_delay_where)
  ip netns exec "$ns" taskset -c "${netns_delayer_cpu:-1}" chrt -f 20 \
    "$netns_delayer_bin" "$netns_queue" "$1" 0 0 2>/dev/null &
  netns_delayer_pid=$!
  [ -z "${netns_pidfile:-}" ] || echo "$netns_delayer_pid" > "$netns_pidfile"
  sleep 0.3
}

netns_stop_delayer() {
  [ -n "$netns_delayer_pid" ] || return 0
  kill "$netns_delayer_pid" 2>/dev/null || true
  wait "$netns_delayer_pid" 2>/dev/null || true
  netns_delayer_pid=''
  [ -z "${netns_pidfile:-}" ] || rm -f "$netns_pidfile"
}

# On this VM the path through the queue adds more than the hold time
# (wake-ups), so the hold time is scaled until a round trip costs the bare
# one plus the wanted delay (within 10%), at most 5 tries.  Sets netns_hold
# and netns_rtt (the round trip measured with the delay).
netns_delay_on() { # DELAY_US RTT_COMMAND...
  local delay=$1 base added hold ns dev _
  shift
  base=$("$@") || return 1
  read -r ns dev < <(netns_delay_where)
  ip netns exec "$ns" iptables -I INPUT -i "$dev" -j NFQUEUE --queue-num "$netns_queue" --queue-bypass ||
    return 1
  hold=$delay
  for _ in 1 2 3 4 5; do
    netns_start_delayer "$hold"
    netns_rtt=$("$@") || return 1
    added=$(( netns_rtt - base ))
    if [ $(( (added - delay) * 10 )) -le "$delay" ] && [ $(( (delay - added) * 10 )) -le "$delay" ]; then
      break
    fi
    netns_stop_delayer
    [ "$added" -gt 0 ] || added=1
    hold=$(( hold * delay / added ))
    [ "$hold" -gt 0 ] || hold=1
  done
  if [ -z "$netns_delayer_pid" ]; then
    netns_start_delayer "$hold"
    netns_rtt=$("$@") || return 1
  fi
  netns_hold=$hold
}

netns_delay_off() {
  local ns dev
  netns_stop_delayer
  read -r ns dev < <(netns_delay_where)
  ip netns exec "$ns" iptables -D INPUT -i "$dev" -j NFQUEUE --queue-num "$netns_queue" \
    --queue-bypass 2>/dev/null || true
  netns_hold=0
}

netns_destroy() {
  netns_stop_delayer
  [ -z "$netns_srv" ] || ip netns del "$netns_srv" 2>/dev/null || true
  [ -z "$netns_cli" ] || ip netns del "$netns_cli" 2>/dev/null || true
}
