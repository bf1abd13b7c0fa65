#!/usr/bin/env bash
# The extension's phpt suite against a private redis-server.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/run-phpt
