# shellcheck shell=bash
# The page benchmark's matrix: options checked, the order of the stores in each round, and the
# plan that --dry-run prints (what runs, how many requests, roughly how long). Sourced by
# tests/moodle/bench; uses its option variables.

bench_validate() {
  local s n
  for s in $stores; do
    case "${s%:app}" in
      file|redis|moodlecache|moodlecache-near) ;;
      *) echo "--stores: unknown store '$s' (file, redis, moodlecache, moodlecache-near, NAME:app)" >&2; return 1 ;;
    esac
    [ "$s" != file:app ] || { echo "--stores: file:app means nothing (file is Moodle's default)" >&2; return 1; }
  done
  for n in "$rounds" "$count" "$warmup" "$workers" $delays $clients $conc_delays; do
    [[ "$n" =~ ^[0-9]+$ ]] || { echo "expected a whole number, got '$n'" >&2; return 1; }
  done
  [[ "$seconds" =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "--seconds: expected a number, got '$seconds'" >&2; return 1; }
  for s in $pages; do
    [[ " front dashboard course forum quiz resource " == *" $s "* ]] ||
      { echo "--pages: front, dashboard, course, forum, quiz and/or resource, not '$s'" >&2; return 1; }
  done
  [ -n "$pages" ] || { echo "--pages is empty" >&2; return 1; }
  for s in $modes; do
    [[ "$s" =~ ^(single|concurrent)$ ]] || { echo "--modes: single and/or concurrent, not '$s'" >&2; return 1; }
  done
  [ "$rounds" -ge 1 ] && [ "$count" -ge 1 ] && [ "$workers" -ge 1 ] ||
    { echo "--rounds, --count and --workers must be at least 1" >&2; return 1; }
  [ -n "$stores" ] || { echo "--stores is empty" >&2; return 1; }
}

# The stores in round R's order: the list rotated by R-1, so each store runs early and late.
bench_round_order() { # R
  local list=($stores) n i out=()
  n=${#list[@]}
  for (( i = 0; i < n; i++ )); do out+=("${list[$(( (i + $1 - 1) % n ))]}"); done
  echo "${out[*]}"
}

bench_max_clients() {
  local c max=1
  for c in $clients; do [ "$c" -le "$max" ] || max=$c; done
  echo "$max"
}

bench_has_mode() { [[ " $modes " == *" $1 "* ]]; }

bench_print_plan() {
  local nstores npages nd ncd nc r single_req single_s conc_batches conc_s total
  nstores=$(wc -w <<< "$stores") npages=$(wc -w <<< "$pages")
  nd=$(wc -w <<< "$delays") ncd=$(wc -w <<< "$conc_delays") nc=$(wc -w <<< "$clients")
  echo "Moodle page benchmark: the plan"
  echo "  Moodle:   ${MOODLE_DIR:-(not set: dry run)}"
  echo "  set-up:   copy of the checkout; PostgreSQL 15 and Redis on 127.0.0.1 in the client's network"
  echo "            namespace, a second Redis in the server's namespace behind the NFQUEUE delay"
  echo "            (tests/bench/netns.sh); admin/cli/install.php; content by Moodle's generators:"
  echo "            tool_generator course size $size, a forum discussion with 10 replies, a quiz (5"
  echo "            questions) with an attempt in progress for each of $(bench_max_clients) users, a resource (embedded)"
  echo "  web:      nginx + PHP-FPM (image's pool and PHP settings, pm.max_children $workers, OPcache,"
  echo "            moodlecache.near_cache_size $near_cache_size) on CPUs $server_cpus; client and delayer on CPUs $client_cpus"
  echo "  pages:    $pages (each user logs in through /login/index.php)"
  echo "  stores:   $stores (application + session caches; :app = application only)"
  echo "  switch:   tests/moodle/configure-stores.php maps the caches and purges them all"
  if bench_has_mode single; then
    single_req=$(( nd * rounds * nstores * npages * (warmup + count) ))
    echo "  single:   delays [$delays] µs x $rounds rounds x $nstores stores x $npages pages x ($warmup warm-up + $count timed)"
    echo "            = $single_req requests"
  else
    single_req=0
  fi
  if bench_has_mode concurrent && [ "$ncd" -gt 0 ] && [ "$nc" -gt 0 ]; then
    conc_batches=$(( ncd * nc * rounds * nstores ))
    echo "  clients:  delays [$conc_delays] µs x clients [$clients] x $rounds rounds x $nstores stores, $seconds s windows"
    echo "            = $conc_batches windows"
  else
    conc_batches=0
  fi
  for (( r = 1; r <= rounds && r <= 3; r++ )); do echo "  round $r:  $(bench_round_order "$r")"; done
  [ "$rounds" -le 3 ] || echo "  ...       (the order rotates each round)"
  # From a measured run (size S, 3 delays, 2 + 2 clients): 0.13 s a request (over the three
  # networks), 3 s a store switch with log-in, a warm-up pass of the pages per concurrent client
  # before each window, 90 s of set-up. The run took 14 min, this says 16.
  single_s=$(( single_req * 13 / 100 + nd * rounds * nstores * 3 ))
  conc_s=$(awk -v b="$conc_batches" -v s="$seconds" -v p="$npages" -v c="$clients" -v n="$nc" \
    'BEGIN { split(c, l, " "); for (i in l) t += l[i]; printf "%d", b * (s + 3 + p * 0.13 * t / (n ? n : 1)) }')
  total=$(( 90 + single_s + conc_s ))
  echo "  time:     roughly $(( total / 60 )) min (set-up ~2, single client ~$(( single_s / 60 )), concurrent ~$(( conc_s / 60 )))"
  echo "  report:   ${results:-bench-results/moodle-<date>}/report.md, results.jsonl, *.png"
}
