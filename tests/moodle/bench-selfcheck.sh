# shellcheck shell=bash
# tests/moodle/bench --self-check: what can be checked with no Moodle, no root and no servers.
# The syntax of every file of the benchmark, the option checks, a dry run, and a report made from
# synthetic batches (tables and, when gnuplot is there, the plots). Prints PASS/FAIL lines and
# "N passed, N failed".

bench_self_check() {
  local passed=0 failed=0 f tmp
  check() { # NAME COMMAND...
    local name=$1 out
    shift
    if out=$("$@" 2>&1); then
      passed=$((passed + 1)); echo "PASS $name"
    else
      failed=$((failed + 1)); echo "FAIL $name"; echo "$out" | sed 's/^/  /' | head -30
    fi
  }
  for f in "$here/bench" "$here"/bench-*.sh "$root/tests/bench/netns.sh"; do
    check "bash -n ${f#"$root"/}" bash -n "$f"
  done
  for f in "$here"/bench-*.php "$here/configure-stores.php"; do
    check "php -l ${f#"$root"/}" php -l "$f"
  done
  check "a dry run prints the plan" bash -c "'$here/bench' --dry-run | grep -q '= 5400 requests'"
  check "a dry run of a small matrix" bash -c "'$here/bench' --dry-run --rounds 2 --count 3 --clients 4 \
    --delays '0 1000' --conc-delays 0 --stores 'redis moodlecache-near:app' | grep -q 'round 2:  moodlecache-near:app redis'"
  check "an unknown store is refused" bash -c "! '$here/bench' --dry-run --stores 'file nosuch' 2>/dev/null"
  check "a bad number is refused" bash -c "! '$here/bench' --dry-run --rounds x 2>/dev/null"
  tmp=$(mktemp -d)
  php "$here/bench-selfcheck-data.php" "$tmp"
  check "the report of synthetic batches" bash -c "php '$here/bench-report.php' --results='$tmp' > '$tmp/out.txt' &&
    grep -q '^## One client, Redis +1000 µs (PING 1010 µs)' '$tmp/report.md' &&
    grep -q '^| dashboard | moodlecache | 110.0 \[100.0-120.0\] | .* | 1.10 | 1.10 \[1.09-1.11\] |' '$tmp/report.md' &&
    grep -q '^| front | redis | .* | 403 | 2000 |\$' '$tmp/report.md' &&
    grep -q '^| 4 | redis | 20.0 \[18.0-22.0\] |' '$tmp/report.md'"
  if command -v gnuplot > /dev/null; then
    check "the plots of synthetic batches" test -s "$tmp/single.png" -a -s "$tmp/concurrent.png"
  else
    echo "plots: not checked (gnuplot is not installed)"
  fi
  check "a summary line of the last batch" bash -c "php '$here/bench-report.php' --last='$tmp/results.jsonl' --pages=1 |
    grep -q 'pages/s'"
  rm -rf "$tmp"
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}
