#!/usr/bin/env bash
# The README's main job, at a small scale: proves it runs end to end and
# prints its tables (Redis, memcached, and with --cluster Redis Cluster).
# Timings are printed, never asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp)
trap 'rm -f "$out"' EXIT
scripts/benchmark --cluster --scale 0.05 | tee "$out"
grep -q '^get small' "$out"
grep -q '^purge' "$out"
grep -q '^Memcached, 2 servers' "$out"
grep -q '^Redis Cluster, 3 seeds' "$out"
