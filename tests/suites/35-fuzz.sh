#!/usr/bin/env bash
# libFuzzer on the frame decoder and the reply parser, bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C tests/fuzz run SECONDS="${MOODLECACHE_FUZZ_SECONDS:-30}"
