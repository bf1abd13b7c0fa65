#!/usr/bin/env bash
# libFuzzer on every decoder of bytes from the network (frames, replies,
# the slot map, near-cache announcements), bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C tests/fuzz run SECONDS="${MOODLECACHE_FUZZ_SECONDS:-30}"
