#!/usr/bin/env bash
# Check unit suites of src/ (the Redis suite starts its own servers).
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C tests/unit check
