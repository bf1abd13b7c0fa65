#!/usr/bin/env bash
# libFuzzer on every decoder of bytes from outside (frames, replies, the
# slot map, near-cache announcements from the network; lock owner records
# from the shared lock directory; server URIs from configuration), bounded
# in time: 30 s each, 10 s for the two small parsers.
set -euo pipefail
cd "$(dirname "$0")/../.."
make -s -C tests/fuzz run SECONDS="${MOODLECACHE_FUZZ_SECONDS:-30}"
