#!/usr/bin/env bash
# Lock benchmark on the simulated EFS: uncontended acquire+release latency
# and EFS operations per cycle for MoodleCache\FileLocks and for the two
# mechanisms Moodle uses today, measured in the same run on the same mount:
#   muc-file    the MUC file lock plugin (cachelock_file): fopen 'xb' + fclose, unlink
#   core-flock  the core file lock factory: mkdir check, fopen 'wb', flock LOCK_NB, flock LOCK_UN, fclose
# Then the same three under contention: 2 nodes x 2 processes each take
# the same lock BENCH_CONTENDED_CYCLES times, holding it 5 ms; locks/s.
# Prints tables and the ratios (Moodle's / ours).
#
#   tests/locks/bench.sh            (needs root, /dev/fuse, modules/moodlecache.so)
# Environment: MOODLECACHE_SO, BENCH_LATENCY_US (1500: EFS-like 1.5 ms per operation),
# BENCH_CYCLES (200), BENCH_CONTENDED_CYCLES (20), BENCH_ATTR_TIMEOUT (3 s of attribute caching, like NFS acregmin).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
so=${MOODLECACHE_SO:-$root/modules/moodlecache.so}
php=(php -n -d "extension=$so")
worker=$root/tests/locks/worker.php
nodes=$root/tests/efs-sim/efs-nodes
latency=${BENCH_LATENCY_US:-1500}
cycles=${BENCH_CYCLES:-200}
ccycles=${BENCH_CONTENDED_CYCLES:-20}
attr=${BENCH_ATTR_TIMEOUT:-3}

[ -f "$so" ] || { echo "$so missing: build the extension first"; exit 1; }
work=$(mktemp -d /tmp/mc-lock-bench.XXXXXX)
trap '"$nodes" stop "$work/state" 2>/dev/null || true; rm -rf "$work"' EXIT
make -s -C tests/efs-sim >/dev/null
"$nodes" start "$work/state" "$work/backing" "$work/efs" 2 "$latency" "$attr"
mkdir -p "$work/backing/locks"

# One stat() of a file whose attributes are not cached: the cost of one
# simulated round trip as this machine delivers it.
per_op=$("$nodes" exec "$work/state" 1 -- "${php[@]}" -r '
  $t = hrtime(true); for ($i = 0; $i < 20; $i++) { clearstatcache(); @stat($argv[1] . "/nofile$i"); }
  printf("%.3f", (hrtime(true) - $t) / 20 / 1e6);' "$work/efs/locks")

printf '# simulated EFS: %s us configured per operation, %s ms measured per round trip, attr cache %s s, %s cycles each\n' \
  "$latency" "$per_op" "$attr" "$cycles"
printf '%-18s %10s %10s %10s %14s\n' implementation mean_ms p50_ms p99_ms efs_ops/cycle
declare -A mean ops
for impl in moodlecache moodlecache-lean moodlecache-lease muc-file core-flock; do
  out=$("$nodes" exec "$work/state" 1 -- "${php[@]}" "$worker" bench "$work/efs/locks" "$impl" "$cycles" "$work/efs/.efs-sim-stats")
  m=$(sed -n 's/.*"mean_ms":\([0-9.]*\).*/\1/p' <<<"$out")
  p50=$(sed -n 's/.*"p50_ms":\([0-9.]*\).*/\1/p' <<<"$out")
  p99=$(sed -n 's/.*"p99_ms":\([0-9.]*\).*/\1/p' <<<"$out")
  o=$(sed -n 's/.*"ops_per_cycle":\([0-9.]*\).*/\1/p' <<<"$out")
  [ -n "$m" ] || { echo "bench $impl failed: $out"; exit 1; }
  mean[$impl]=$m ops[$impl]=$o
  printf '%-18s %10s %10s %10s %14s\n' "$impl" "$m" "$p50" "$p99" "$o"
done
for base in muc-file core-flock; do
  printf 'ratio %s / moodlecache: latency %.2fx, EFS operations %.2fx (lean: %.2fx, %.2fx)\n' "$base" \
    "$(echo "${mean[$base]} / ${mean[moodlecache]}" | bc -l)" "$(echo "${ops[$base]} / ${ops[moodlecache]}" | bc -l)" \
    "$(echo "${mean[$base]} / ${mean[moodlecache-lean]}" | bc -l)" "$(echo "${ops[$base]} / ${ops[moodlecache-lean]}" | bc -l)"
done

printf '\n# contention: 2 nodes x 2 processes, %s cycles each, lock held 5 ms\n' "$ccycles"
printf '%-18s %10s %10s %10s\n' implementation locks/s seconds failed
declare -A rate
for impl in moodlecache muc-file core-flock; do
  pids=() outs=()
  start=$(date +%s.%N)
  for n in 1 2; do
    for p in 1 2; do
      o=$work/contend.$impl.$n.$p
      "$nodes" exec "$work/state" "$n" -- "${php[@]}" "$worker" bench-contend "$work/efs/locks" "$impl" "$ccycles" 5 >"$o" 2>&1 &
      pids+=($!) outs+=("$o")
    done
  done
  for p in "${pids[@]}"; do wait "$p" || { echo "bench-contend $impl failed"; cat "${outs[@]}"; exit 1; }; done
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  ok=$(cat "${outs[@]}" | sed -n 's/.*"ok":\([0-9]*\).*/\1/p' | paste -sd+ | bc)
  bad=$(cat "${outs[@]}" | sed -n 's/.*"failed":\([0-9]*\).*/\1/p' | paste -sd+ | bc)
  rate[$impl]=$(echo "$ok / $secs" | bc -l)
  printf '%-18s %10.1f %10.2f %10s\n' "$impl" "${rate[$impl]}" "$secs" "$bad"
done
for base in muc-file core-flock; do
  printf 'ratio moodlecache / %s under contention: throughput %.2fx\n' "$base" "$(echo "${rate[moodlecache]} / ${rate[$base]}" | bc -l)"
done
