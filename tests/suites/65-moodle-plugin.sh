#!/usr/bin/env bash
# The Moodle plugins (moodle-plugin/): always, php -l of every plugin file and of
# tests/moodle/, then Moodle's coding style for cachestore_moodlecache (the
# offline subset: tests/moodle/phpcs.xml with Debian's phpcs, and
# tests/moodle/style-check.php), the page benchmark's self-check. With MOODLE_DIR set to a Moodle checkout, also
# tests/moodle/run: install into a copy of that Moodle, store contract, PHPUnit
# (Moodle 4.5; 5.x with MOODLE_PHPUNIT_VENDOR), page times. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/harness/lib.sh

passed=0 failed=0
check() { # name command...
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then
    passed=$((passed + 1)); echo "PASS $name"
  else
    failed=$((failed + 1)); echo "FAIL $name"; echo "$out" | sed 's/^/  /' | head -40
  fi
}

mapfile -t plugin_files < <(find moodle-plugin tests/moodle -name '*.php' | sort)
for f in "${plugin_files[@]}"; do
  check "php -l $f" php -l "$f"
done
check "bash -n tests/moodle/run" bash -n tests/moodle/run
check "bash -n tests/moodle/lib.sh" bash -n tests/moodle/lib.sh
# The page benchmark needs a Moodle and root; here only its self-check (syntax, dry run, a report
# of synthetic batches).
check "tests/moodle/bench --self-check" tests/moodle/bench --self-check

# Style of our store plugin. moodle-cs (Moodle's ruleset) is not packaged in Debian.
store=moodle-plugin/cache/stores/moodlecache
mapfile -t store_files < <(find "$store" -name '*.php' | sort)
if command -v phpcs >/dev/null; then
  check "phpcs (Moodle style, offline subset) $store" phpcs -q --standard=tests/moodle/phpcs.xml --report=emacs "$store"
else
  mc_skip 65-moodle-plugin phpcs "phpcs not installed (php-codesniffer)" || failed=$((failed + 1))
fi
check "Moodle conventions (GPL header, @package, MOODLE_INTERNAL, docblocks, variable names, sorted strings)" \
  php tests/moodle/style-check.php "${store_files[@]}"

if [ -z "${MOODLE_DIR:-}" ]; then
  mc_skip 65-moodle-plugin "real Moodle" "MOODLE_DIR not set" || failed=$((failed + 1))
else
  out=$(mktemp)
  tests/moodle/run | tee "$out"
  summary=$(tail -1 "$out")
  rm -f "$out"
  if [[ "$summary" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
  else
    failed=$((failed + 1)); echo "FAIL tests/moodle/run ended without a summary"
  fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
