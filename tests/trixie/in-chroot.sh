#!/usr/bin/env bash
# Runs inside the trixie chroot of tests/suites/27-php84.sh, from the copy of
# the sources in /src, with the packages to install as arguments: builds the
# extension with config.m4's flags, runs the Check unit suites and the phpt
# suite, and compares warnings and unit failures with known-issues.txt.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8
t=$(date +%s)
apt-get update -qq 2>/dev/null
apt-get install -y -qq --no-install-recommends "$@" >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }
php=$(php -r 'echo PHP_VERSION;')
echo "# packages installed in $(( $(date +%s) - t )) s: PHP $php, hiredis $(pkg-config --modversion hiredis), $(redis-server --version | cut -d' ' -f1-3)"
cd /src

# compare KIND FILE: the issues of KIND seen (FILE, one a line) against those
# listed; fails on one not listed and on a listed one not seen.
compare() {
  local kind=$1 seen=$2 rc=0
  sed -n "s/^$kind //p" tests/trixie/known-issues.txt | sort -u > "/tmp/known-$kind"
  sort -u "$seen" -o "$seen"
  comm -23 "$seen" "/tmp/known-$kind" | sed "s/^/NOT OK - new $kind: /" | grep . && rc=1
  comm -13 "$seen" "/tmp/known-$kind" | sed "s|^|NOT OK - fixed, remove it from tests/trixie/known-issues.txt: $kind |" | grep . && rc=1
  comm -12 "$seen" "/tmp/known-$kind" | sed "s|^|# known $kind (needs a fix in src/): |"
  return "$rc"
}
status=0 passed=0 failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
not_ok() { echo "NOT OK - $*"; failed=$((failed + 1)); status=1; }

t=$(date +%s)
phpize >/dev/null
./configure --enable-moodlecache >/tmp/configure.log 2>&1 || { tail -30 /tmp/configure.log; exit 1; }
make -j"$(nproc)" >/tmp/make.log 2>&1 || { grep -E 'error|warning' /tmp/make.log | head -40; exit 1; }
{ grep -E '^/src/.*warning:' /tmp/make.log || true; } | sed 's|^/src/||' > /tmp/warnings.txt
if compare warning /tmp/warnings.txt; then
  ok "moodlecache.so built on PHP $php, no compiler warning but the known ones ($(( $(date +%s) - t )) s)"
else
  grep -B2 -A8 'warning:' /tmp/make.log | head -60
  not_ok "moodlecache.so compiles with warnings on PHP $php"
fi

t=$(date +%s)
make -s -C tests/unit all >/tmp/unit-build.log 2>&1 || { tail -30 /tmp/unit-build.log; exit 1; }
: > /tmp/check-failures.txt
for test in tests/unit/bin/test_*; do
  "$test" > /tmp/check.out 2>&1 || true
  { grep -E '^[^ ]+:[0-9]+:[EF]:' /tmp/check.out || true; } | tee -a /tmp/check.log | cut -d: -f4,5 >> /tmp/check-failures.txt
  { grep -E '^[0-9]+%: Checks' /tmp/check.out || echo "no summary"; } | sed "s|^|# $(basename "$test"): |"
done
if compare check /tmp/check-failures.txt; then
  ok "Check unit suites on trixie, no failure but the known ones ($(( $(date +%s) - t )) s)"
else
  cat /tmp/check.log
  not_ok "Check unit suites on trixie"
fi

# The near-cache tests measure timings (trust within 250 ms, hits right
# after a fill); on a loaded 2-core machine one may miss its window. A run
# with failures is repeated once: a test that fails twice fails the suite,
# one that passed the second time is named.
t=$(date +%s)
phpt_ok=0
scripts/run-phpt > /tmp/phpt.log 2>&1 && phpt_ok=1
if [ "$phpt_ok" = 0 ]; then
  grep -E 'FAIL|^[0-9]{3}[-+]' /tmp/phpt.log | sed 's/^/# first run: /' || tail -20 /tmp/phpt.log
  scripts/run-phpt > /tmp/phpt2.log 2>&1 && phpt_ok=2
  [ "$phpt_ok" = 2 ] || grep -E 'FAIL|^[0-9]{3}[-+]' /tmp/phpt2.log || tail -20 /tmp/phpt2.log
fi
case $phpt_ok in
  1) ok "phpt suite on PHP $php ($(( $(date +%s) - t )) s)" ;;
  2) ok "phpt suite on PHP $php, second run ($(( $(date +%s) - t )) s; the first run's failures are above)" ;;
  *) not_ok "phpt suite on PHP $php (failed twice)" ;;
esac
grep -E '^Tests (skipped|failed|passed)' "$([ "$phpt_ok" = 2 ] && echo /tmp/phpt2.log || echo /tmp/phpt.log)" | sed 's/^/# phpt: /'
echo "$passed passed, $failed failed"
exit "$status"
