#!/usr/bin/env bash
# The same tests with ASan+UBSan, then under valgrind: both must be clean.
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "--- Check suites, ASan+UBSan"
make -s -C tests/unit check SAN=1
echo "--- phpt suite, ASan+UBSan build of the extension"
scripts/run-phpt --asan
echo "--- Check suites under valgrind"
make -s -C tests/unit check VALGRIND=1
echo "--- phpt suite under valgrind"
scripts/run-phpt --valgrind
