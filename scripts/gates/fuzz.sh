#!/usr/bin/env bash
# Fuzz gate: every libFuzzer target of Fuzz/ (the parsers of bytes from the network) for a short time, from the
# committed seeds, so that a crash, a broken invariant or a leak fails CI. Long runs: scripts/fuzz 600.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec scripts/fuzz "${FUZZ_GATE_SECONDS:-15}"
