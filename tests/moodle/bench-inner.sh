# shellcheck shell=bash
# The page benchmark inside the client's network namespace: set-up, the measured matrix, the
# report. Sourced by tests/moodle/bench (--inner, which the outer process starts); uses its option
# variables and what the outer exported (work, results, netns_*, bench_cgroups).

bench_password='Bench-pw-1234'

bench_inner() {
  source "$here/lib.sh"
  source "$here/bench-lib.sh"
  source "$root/tests/bench/netns.sh"
  netns_delayer_cpu=$client_cpus netns_pidfile=$work/pids/delayer.pid
  failures=0
  trap 'netns_delay_off; mc_stop_all; bench_stop_pids' EXIT
  trap 'exit 130' INT TERM
  local t0=$SECONDS

  mc_build_extension && mc_copy_moodle "$MOODLE_DIR" "$work/moodle" && mc_install_plugins || return 1
  echo "Moodle $(mc_moodle_release) at $work/moodle"
  mc_start_postgres && mc_start_redis && bench_adopt_started && bench_start_redis_srv || {
    echo "a server did not start"; return 1; }
  mc_install_moodle || return 1
  echo "generating content (tool_generator size $size)..."
  php "$here/bench-content.php" --moodle="$moodle" --size="$size" --users="$(bench_max_clients)" \
    --password="$bench_password" > "$work/content.json" 2> "$work/content.log" ||
    { cat "$work/content.log" "$work/content.json"; return 1; }
  sed 's/^/  /' "$work/content.log"
  bench_start_fpm && bench_start_nginx || return 1
  echo "nginx + PHP-FPM on 127.0.0.1:$web_port; set-up took $((SECONDS - t0)) s"

  if [ "$hold" = 1 ]; then bench_hold; return 0; fi
  bench_env_start
  local delay
  for delay in $delays; do
    bench_network "$delay" || { failures=$((failures + 1)); continue; }
    if bench_has_mode single; then bench_single_rounds; fi
    if bench_has_mode concurrent && [[ " $conc_delays " == *" $delay "* ]]; then bench_concurrent_rounds; fi
    [ "$delay" = 0 ] || netns_delay_off
  done
  bench_env_end "$((SECONDS - t0))"

  [ -n "$results" ] && cp "$work/results.jsonl" "$work/content.json" "$work/env.json" "$results/" \
    || { echo "could not copy the results to ${results:-(no --results)}"; failures=$((failures + 1)); }
  php "$here/bench-report.php" --results="$results" || failures=$((failures + 1))
  echo "took $((SECONDS - t0)) s; $failures failures"
  [ "$failures" = 0 ]
}

# --hold: what a run by hand needs, then wait for Ctrl-C (the EXIT trap stops the servers).
bench_hold() {
  local ns="nsenter --net=/run/netns/$netns_cli --"
  cat <<EOF
Holding the servers until Ctrl-C. In another shell (as root):
  export PHP_INI_SCAN_DIR=$PHP_INI_SCAN_DIR
  $ns php $here/configure-stores.php --moodle=$moodle --mode=moodlecache --redis=127.0.0.1:$redis_port
  $ns curl -s http://127.0.0.1:$web_port/bench-muc-reload
  $ns php $here/bench-client.php --base=http://127.0.0.1:$web_port --content=$work/content.json \\
    --password=$bench_password --out=/tmp/hold.jsonl --meta='{"delay_us":0,"rtt_us":0,"store":"moodlecache","round":1}' \\
    --redis=127.0.0.1:$redis_port --cgroups=$bench_cgroups --mode=concurrent --clients=4 --seconds=15 --pages=dashboard
  PHP-FPM master: $(cat "$work/pids/php-fpm.pid"); Redis behind the namespace: $netns_srv_ip:$srv_port
EOF
  while true; do sleep 60 & wait $!; done
}

# Points the stores at the loopback Redis (0) or the one behind the delay; sets redis_addr, net.
bench_network() { # DELAY_US
  if [ "$1" = 0 ]; then
    redis_addr=127.0.0.1:$redis_port rtt=0 hold=0
    echo "=== network: Redis on loopback ($redis_addr)"
  else
    redis_addr=$netns_srv_ip:$srv_port
    netns_delay_on "$1" bench_rtt || { echo "the delay of $1 µs could not be set up"; return 1; }
    rtt=$netns_rtt hold=$netns_hold
    echo "=== network: Redis at $redis_addr, +$1 µs (packets held $hold µs): PING round trip $rtt µs"
  fi
  net=$1
}

# Maps the caches to a store (all purged), and makes PHP-FPM see the new cache configuration
# at once (OPcache revalidates Moodle's muc/config.php only every 60 s, as the image sets it).
bench_switch() { # STORE
  local app=()
  [ "$1" = "${1%:app}" ] || app=(--app-only)
  php "$here/configure-stores.php" --moodle="$moodle" --mode="${1%:app}" --redis="$redis_addr" "${app[@]}" \
    > "$work/configure.log" 2>&1 || { cat "$work/configure.log"; return 1; }
  [ "$(curl -s "http://127.0.0.1:$web_port/bench-muc-reload")" = invalidated ] ||
    { echo "PHP-FPM's OPcache kept the old cache configuration"; return 1; }
}

bench_client() { # META ARGS...
  local meta=$1
  shift
  taskset -c "$client_cpus" php "$here/bench-client.php" --base="http://127.0.0.1:$web_port" \
    --content="$work/content.json" --password="$bench_password" --out="$work/results.jsonl" \
    --meta="$meta" --redis="$redis_addr" --cgroups="$bench_cgroups" --pages="${pages// /,}" "$@"
}

bench_meta() { # STORE ROUND POSITION
  printf '{"delay_us":%s,"rtt_us":%s,"hold_us":%s,"store":"%s","round":%s,"position":%s}' \
    "$net" "$rtt" "$hold" "$1" "$2" "$3"
}

bench_single_rounds() {
  local r s i
  for (( r = 1; r <= rounds; r++ )); do
    i=0
    for s in $(bench_round_order "$r"); do
      i=$((i + 1))
      printf '  single, round %s/%s: %-22s' "$r" "$rounds" "$s"
      if bench_switch "$s" && bench_client "$(bench_meta "$s" "$r" "$i")" --mode=single --warmup="$warmup" --count="$count"; then
        php "$here/bench-report.php" --last="$work/results.jsonl" --pages="$(wc -w <<< "$pages")"
      else
        failures=$((failures + 1)); echo " FAILED"
      fi
    done
  done
}

bench_concurrent_rounds() {
  local c r s i
  for c in $clients; do
    for (( r = 1; r <= rounds; r++ )); do
      i=0
      for s in $(bench_round_order "$r"); do
        i=$((i + 1))
        printf '  %s clients, round %s/%s: %-22s' "$c" "$r" "$rounds" "$s"
        if bench_switch "$s" && bench_client "$(bench_meta "$s" "$r" "$i")" --mode=concurrent --clients="$c" \
            --seconds="$seconds" --warmup=1; then
          php "$here/bench-report.php" --last="$work/results.jsonl" --pages=1
        else
          failures=$((failures + 1)); echo " FAILED"
        fi
      done
    done
  done
}

# The conditions of the run, for the report: machine, load, versions, options.
bench_env_start() {
  bench_load_start=$(cut -d' ' -f1-3 /proc/loadavg)
  bench_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  bench_commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
}
bench_env_end() { # SECONDS
  local options="stores [$stores], delays [$delays] µs, rounds $rounds, count $count, warm-up $warmup,"
  options+=" clients [$clients] at [$conc_delays] µs for $seconds s, size $size, workers $workers,"
  options+=" near_cache_size $near_cache_size, server CPUs $server_cpus, client CPUs $client_cpus"
  B_NCPU=$(taskset -c "$server_cpus" nproc) B_STARTED=$bench_started B_SECONDS=$1 B_LOAD0=$bench_load_start \
  B_COMMIT=$bench_commit B_OPTIONS=$options \
  php -r '
    $out = $argv[1];
    $v = fn($cmd) => trim((string)shell_exec($cmd));
    file_put_contents($out, json_encode([
      "started" => getenv("B_STARTED"), "seconds" => (int)getenv("B_SECONDS"),
      "load_start" => getenv("B_LOAD0"), "load_end" => $v("cut -d\" \" -f1-3 /proc/loadavg"),
      "cpu" => $v("sed -n \"s/^model name\\s*: //p\" /proc/cpuinfo | head -1"), "nproc" => (int)$v("nproc --all"), "server_ncpu" => (int)getenv("B_NCPU"),
      "kernel" => php_uname("r"), "php" => PHP_VERSION, "redis" => $v("redis-server --version | cut -d\" \" -f3"),
      "nginx" => $v("nginx -v 2>&1 | cut -d/ -f2"), "postgres" => $v("/usr/lib/postgresql/15/bin/postgres --version"),
      "moodlecache" => phpversion("moodlecache"), "commit" => getenv("B_COMMIT"),
      "options" => getenv("B_OPTIONS"),
    ], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");' "$work/env.json"
}
