#!/usr/bin/env bash
# The way packagers, PIE and people who build from source test an extension:
# phpize && ./configure && make && make test, in a clean copy of the tree,
# with the compiler flags a user gets.  make test starts its own servers
# (tests/harness/make-test-php): every phpt test must run and pass, and a
# skip fails unless tests/expected-skips.txt lists it for 25-make-test.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD

work=$(mktemp -d /tmp/moodlecache-make-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
# The sources as a release has them: no build outputs, no .git.
rsync -a --exclude=.git --exclude-from=.gitignore \
  config.m4 Makefile.frag composer.json LICENSE ext src tests "$work/src/"
cd "$work/src"
echo "--- phpize && ./configure --enable-moodlecache && make"
phpize >/dev/null
./configure --enable-moodlecache >/dev/null
make -j"$(nproc)" >/dev/null
echo "--- make test"
make test >"$work/make-test.txt" 2>&1 || true
sed -n '/^TEST RESULT SUMMARY/,$p' "$work/make-test.txt" | grep -vE '^(This report|https://github|This gives us)'
cd "$root"
if ! grep -qE '^Tests failed *: *0 ' "$work/make-test.txt" || ! grep -qE '^Tests passed *: *[1-9]' "$work/make-test.txt"; then
  sed -n '/^FAILED TEST SUMMARY/,/^=====/p' "$work/make-test.txt"
  grep -A30 '^========DIFF' "$work/make-test.txt" | head -60
  exit 1
fi
tests/harness/skips 25-make-test "$work/make-test.txt"
