#!/usr/bin/env bash
# EFS-aware locks (issue 4): plugin lint, the Check suite of src/lock*.c, the
# FileLocks phpt tests, multi-process and two-node scenarios on the EFS
# simulator (contention, kill -9 and lease recovery, timeouts, forced
# release), and the benchmark against Moodle's file locks with the ratios.
# Last line: "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
source tests/harness/lib.sh

work=$(mktemp -d /tmp/mc-suite-locks.XXXXXX)
cleanup() {
  # The scenario and bench scripts unmount their own nodes; this catches a
  # simulator left behind by an interrupted step (its pid files live here).
  mc_stop_pidfile "$work"/*/state*/node*.pid || true
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
step() {
  local name=$1; shift
  echo "--- $name"
  local start; start=$(date +%s)
  if "$@"; then
    passed=$((passed + 1)); echo "--- PASS $name ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); echo "--- FAIL $name ($(( $(date +%s) - start )) s)"
  fi
}

if [ -x scripts/ensure-deps ]; then scripts/ensure-deps; fi
if [ -x scripts/build-extension ]; then
  scripts/build-extension
elif [ ! -f modules/moodlecache.so ]; then
  phpize >/dev/null && ./configure --enable-moodlecache >/dev/null && make -j2 >/dev/null
fi

lint_plugin() {
  local f bad=0
  while IFS= read -r -d '' f; do
    php -l "$f" >/dev/null || { php -l "$f"; bad=1; }
  done < <(find moodle-plugin/cache/locks/moodlecache -name '*.php' -print0)
  [ "$bad" = 0 ]
}
step "php -l on every cachelock_moodlecache file" lint_plugin

check_suite() {
  make -s -C tests/unit bin/test_lock && tests/unit/bin/test_lock
}
step "Check suite: src/lock*.c" check_suite

phpt() {
  local run_tests out
  run_tests=$(ls /usr/lib/php/*/build/run-tests.php | tail -n 1)
  out=$(php "$run_tests" -P -q --show-diff -d "extension=$root/modules/moodlecache.so" tests/file_locks_*.phpt 2>&1) || true
  echo "$out" | grep -E '^(PASS|FAIL|SKIP)|^Tests (passed|failed|skipped)' || true
  tests/harness/skips 40-file-locks <(echo "$out") &&
    echo "$out" | grep -q -E '^Tests failed *: *0 ' && echo "$out" | grep -q -E '^Tests passed *: *[1-9]'
}
step "phpt: tests/file_locks_*.phpt" phpt

step "multi-process and two-node scenarios on the EFS simulator" tests/locks/efs-scenarios.sh

step "plugin logic against stubs of Moodle's API" php -n -d "extension=$root/modules/moodlecache.so" tests/locks/plugin-check.php

step "benchmark on the simulated EFS (1.5 ms per operation)" tests/locks/bench.sh

if [ -n "${MOODLE_DIR:-}" ]; then
  echo "--- note: the cachelock_moodlecache PHPUnit tests run inside a Moodle checkout (vendor/bin/phpunit --filter cachelock_moodlecache)"
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
