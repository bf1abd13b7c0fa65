#!/usr/bin/env bash
# The near-cache latency benchmark at a reduced matrix (+0 and +250 µs of
# added delay, 1 and 8 processes): proves the network-namespace set-up, the
# NFQUEUE delay and every contender run end to end, and prints the table.
# Timings are printed, never asserted; the checks are that each run
# produced its rows and that the added delay shows in the measured round
# trip.  The full matrix: tests/bench/latency-suite.sh (see docs/near-cache.md).
# Then the write-cost probe (tests/bench/write-cost.sh) at 2 writers: it
# measures both modes and counts the listener thread only with the near cache.
# Then the reply-order probe (tests/bench/publish-order.sh) at 0 and 2
# subscribers, one round of 200 calls a mode.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp) json=$(mktemp) out2=$(mktemp) json2=$(mktemp) out3=$(mktemp) out4=$(mktemp)
trap 'rm -f "$out" "$json" "$out2" "$json2" "$out3" "$out4"' EXIT

passed=0 failed=0
check() {  # check "what" command...
  local what=$1; shift
  if "$@"; then echo "ok   $what"; passed=$((passed + 1)); else echo "FAIL $what"; failed=$((failed + 1)); fi
}

if tests/bench/latency-suite.sh --delays "0 250" --procs "1 8" --seconds 0.2 --json "$json" 2>&1 | tee "$out"; then
  check "the suite ran to its end" true
else
  check "the suite ran to its end" false
fi
rows() { php -r '$r = json_decode(file_get_contents($argv[1]), true); echo is_array($r) ? count($r) : 0;' "$json"; }
check "four runs recorded (2 delays x 2 process counts)" test "$(rows)" -eq 4
check "every contender measured every operation" php -r '
  foreach (json_decode(file_get_contents($argv[1]), true) as $run)
    foreach ($run["results"] as $op => $r)
      foreach (["near", "moodlecache", "phpredis"] as $c)
        if (!isset($r[$c]) || $r[$c]["n"] < 1) exit(1);' "$json"
ping0=$(sed -n 's/^=== added delay 0 µs.*PING round trip (phpredis, p50) \([0-9]*\) µs$/\1/p' "$out")
ping250=$(sed -n 's/^=== added delay 250 µs.*PING round trip (phpredis, p50) \([0-9]*\) µs$/\1/p' "$out")
check "the NFQUEUE delay adds at least 200 µs to a round trip (${ping0:-?} -> ${ping250:-?} µs)" \
  test "$(( ${ping250:-0} - ${ping0:-0} ))" -ge 200
check "the summary states the targets" grep -q '^Targets' "$out"
check "... and where the packets were held" grep -q '^(Packets were held at the client' "$out"
check "the veth pair runs at MTU 9001 by default (a pod's on EKS)" grep -q '^=== server: .*; MTU 9001$' "$out"

# The server-apart layout (--server-cpu 1) with only the writes (--only).
rc2=0
tests/bench/latency-suite.sh --server-cpu 1 --only "set 1 KB" --delays 0 --procs 1 --seconds 0.2 --mtu 1500 \
  --json "$json2" >"$out2" 2>&1 || rc2=$?
check "--only runs to its end, summary included (exit status $rc2)" test "$rc2" -eq 0
check "... and reports the PHP side's CPU per write, near cache on and off" \
  grep -q '^set 1 KB: PHP CPU per call [0-9.]* µs with the near cache, [0-9.]* µs without' "$out2"
check "the summary judges the write by its CPU too" grep -q 'in PHP CPU per write' "$out2"
check "--server-cpu 1 runs redis-server on CPU 1" grep -q '^=== server: .*, on CPU 1; PHP on CPU 0; MTU' "$out2"
check "--mtu 1500 sets the veth pair's MTU" grep -q '^=== server: .*; MTU 1500$' "$out2"
check "--only \"set 1 KB\" measures the writes and nothing else" php -r '
  $runs = json_decode(file_get_contents($argv[1]), true);
  if (!is_array($runs) || count($runs) !== 1) exit(1);
  $ops = array_keys($runs[0]["results"]);
  exit($ops !== [] && !array_filter($ops, fn($o) => strpos($o, "set 1 KB") !== 0) ? 0 : 1);' "$json2"
# Packets held as requests reach the server (--delay-at server): the delay still shows in a round trip.
rc4=0
tests/bench/latency-suite.sh --server-cpu 1 --only "set 1 KB" --delays 250 --procs 1 --seconds 0.2 --delay-at server \
  >"$out4" 2>&1 || rc4=$?
check "--delay-at server runs to its end (exit status $rc4)" test "$rc4" -eq 0
ping_srv=$(sed -n 's/^=== added delay 250 µs (packets held [0-9]* µs at the server).*PING round trip (phpredis, p50) \([0-9]*\) µs$/\1/p' "$out4")
check "... holding packets at the server adds at least 200 µs to a round trip (${ping0:-?} -> ${ping_srv:-?} µs)" \
  test "$(( ${ping_srv:-0} - ${ping0:-0} ))" -ge 200
bad=$(tests/bench/latency-suite.sh --delay-at middle 2>&1; echo "rc=$?")
check "a bad --delay-at is refused, naming the option" grep -q -- "--delay-at: client or server, not 'middle'" <<<"$bad"
bad=$(tests/bench/latency-suite.sh --server-cpu one 2>&1; echo "rc=$?")
check "a bad --server-cpu is refused, naming the option" grep -q -- "--server-cpu: a CPU number, not 'one'" <<<"$bad"
check "... with exit status 2" grep -q 'rc=2$' <<<"$bad"
bad=$(tests/bench/latency-suite.sh --mtu 90000 2>&1; echo "rc=$?")
check "an MTU out of range is refused, naming the option" grep -q -- "--mtu: a number of bytes (576 to 9001), not '90000'" <<<"$bad"

# The write-cost probe (tests/bench/write-cost.sh): writers' and listener's CPU per write.
tests/bench/write-cost.sh --procs 2 --seconds 1 --rounds 1 >"$out3" 2>&1 || true
cat "$out3"
row() { awk -F'|' -v near="$1" '$1 ~ "^2 +1 +"near" *$" {print $2, $3}' "$out3"; }
read -r w_off _ l_off _ <<<"$(row off)" || true
read -r w_on _ l_on _ <<<"$(row on)" || true
check "write-cost.sh measured writes with the near cache off and on (${w_off:-?}, ${w_on:-?} writes/s)" \
  php -r 'exit((float)$argv[1] > 0 && (float)$argv[2] > 0 ? 0 : 1);' "${w_off:-0}" "${w_on:-0}"
check "... no listener CPU without the near cache (${l_off:-?} µs per write)" test "${l_off:-x}" = "0.00"
trusted_on=$(awk -F'|' '$1 ~ "^2 +1 +on *$" {gsub(/[ %]/, "", $5); print $5}' "$out3")
check "... the shares of writes the near cache was trusted for, and announced quietly (${trusted_on:-?}, 2 writers)" \
  php -r '[$t, $q] = explode("/", $argv[1]) + [1 => "x"]; exit(is_numeric($t) && $t > 0 && is_numeric($q) && $q > 0 ? 0 : 1);' \
  "${trusted_on:-x}"
server_col() { awk -F'|' -v near="$1" '$1 ~ "^2 +1 +"near" *$" {print $6}' "$2"; }
srv_off=$(server_col off "$out3") srv_on=$(server_col on "$out3")
check "... redis-server's CPU per write, off and on (${srv_off:-?} / ${srv_on:-?} µs; subscribers in brackets)" \
  php -r 'exit(preg_match("/^ *[0-9.]+ \\(0\\) *$/", $argv[1]) && preg_match("/^ *[0-9.]+ \\(1\\) *$/", $argv[2])
    && (float)$argv[1] > 0 && (float)$argv[2] > 0 ? 0 : 1);' "${srv_off:-x}" "${srv_on:-x}"
node_col() { awk -F'|' -v near="$1" '$1 ~ "^2 +1 +"near" *$" {print $7}' "$out3"; }
node_off=$(node_col off) node_on=$(node_col on)
check "... CPU 0's whole work per write, off and on (${node_off:-?} / ${node_on:-?} µs, the ratio in brackets)" \
  php -r 'exit(preg_match("/^ *[0-9.]+ *$/", $argv[1]) && preg_match("/^ *[0-9.]+ \\([0-9.]+x\\) *$/", $argv[2])
    && (float)$argv[1] > 0 && (float)$argv[2] > 0 ? 0 : 1);' "${node_off:-x}" "${node_on:-x}"
rc6=0
tests/bench/write-cost.sh --procs 2 --seconds 1 --rounds 1 --subscribers 2 >"$out4" 2>&1 || rc6=$?
cat "$out4"
srv_on=$(server_col on "$out4")
check "write-cost.sh --subscribers 2: Redis delivered to the listener and 2 more (exit $rc6, ${srv_on:-?})" \
  grep -q '(3) *$' <<<"$srv_on"
# with subscribers that know no node channels, every write goes on the shared channel, to the listener too
l_on=$(awk -F'|' '$1 ~ "^2 +1 +on *$" {print $3}' "$out4" | awk '{print $2}')
check "... the listener thread's CPU counted with the writers' (${l_on:-?} µs per write)" \
  php -r 'exit((float)$argv[1] > 0 ? 0 : 1);' "${l_on:-0}"
check "... and left no subscriber running" bash -c '! pgrep -f "[t]ests/bench/subscriber[.]php" >/dev/null'
bad=$(tests/bench/write-cost.sh --subscribers many 2>&1; echo "rc=$?")
check "a bad --subscribers is refused, naming the option" grep -q -- "--subscribers: a whole number from 0 to 256, not 'many'" <<<"$bad"
rc5=0
nice_out=$(tests/bench/write-cost.sh --procs 2 --seconds 0.5 --rounds 1 --listener-nice 5 2>&1) || rc5=$?
check "write-cost.sh --listener-nice 5 runs to its end, the listener thread reniced (exit status $rc5)" test "$rc5" -eq 0
check "... and says so" grep -q 'the listener thread at nice 5' <<<"$nice_out"
bad=$(tests/bench/write-cost.sh --listener-nice x 2>&1; echo "rc=$?")
check "a bad --listener-nice is refused, naming the option" grep -q -- "--listener-nice: a whole number, not 'x'" <<<"$bad"
bad=$(tests/bench/write-cost.sh --procs two 2>&1; echo "rc=$?")
check "a bad --procs is refused, naming the value" grep -q -- "not 'two'" <<<"$bad"
check "... with exit status 2" grep -q 'rc=2$' <<<"$bad"

# The reply-order probe (tests/bench/publish-order.sh): four modes per subscriber count.
rc7=0
po=$(tests/bench/publish-order.sh --subscribers "0 2" --rounds 1 --calls 200 2>&1) || rc7=$?
echo "$po"
check "publish-order.sh runs to its end (exit status $rc7)" test "$rc7" -eq 0
check "... with 0 and with 2 subscribers on the channel" \
  bash -c 'grep -q "^0 subscribers;" <<<"$1" && grep -q "^2 subscribers;" <<<"$1"' _ "$po"
check "... timing each of the four modes twice" \
  test "$(grep -cE '^(hset|hset\+publish|publish\+hset|eval) +\| [0-9.]+ \[' <<<"$po")" -eq 8
check "... and the script ran on the server" grep -qE 'evalsha [0-9.]+' <<<"$po"
check "... and left no subscriber running" bash -c '! pgrep -f "[t]ests/bench/subscriber[.]php" >/dev/null'
bad=$(tests/bench/publish-order.sh --subscribers lots 2>&1; echo "rc=$?")
check "a bad --subscribers is refused, naming the option" grep -q -- "--subscribers: whole numbers from 0 to 64, not 'lots'" <<<"$bad"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
