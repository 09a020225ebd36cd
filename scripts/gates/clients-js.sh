#!/usr/bin/env bash
# The JavaScript client (Clients/js): its TypeScript declarations compiled with the examples (`tsc --strict`), and
# its tests (`node --test`) against a real incidentd that each test file starts itself: the in-memory store for most,
# the PostgreSQL store (with the moto S3) for the restart tests. Installs Node and TypeScript from Debian when
# missing, builds incidentd (debug) when needed, and starts PostgreSQL and S3 unless scripts/test already did.
#
#   scripts/gates/clients-js.sh                  everything (about a minute once incidentd is built)
#   scripts/gates/clients-js.sh test/rest.test.js   only these test files (paths relative to Clients/js)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
export PATH=/opt/swift/usr/bin:$PATH

command -v node >/dev/null 2>&1 || install_debian_packages nodejs
command -v tsc >/dev/null 2>&1 || install_debian_packages node-typescript
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || { echo "clients-js: Node $major is too old (18 or later)" >&2; exit 1; }

log "clients-js: tsc --strict --noEmit (index.d.ts and the examples)"
tsc -p Clients/js/tsconfig.json

install_build_packages
log "clients-js: building incidentd (debug)"
swift build --product incidentd 2>&1 | grep -E "error|warning: " || true
export INCIDENTD_BIN="$(swift build --show-bin-path)/incidentd"
[ -x "$INCIDENTD_BIN" ] || { echo "clients-js: no $INCIDENTD_BIN" >&2; exit 1; }

started=()
cleanup() {
    local s
    for s in "${started[@]}"; do scripts/services/"$s".sh down >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
if [ -z "${TEST_DATABASE_URL:-}" ]; then
    eval "$(scripts/services/postgres.sh up)"
    started+=(postgres)
fi
if [ -z "${TEST_S3_ENDPOINT:-}" ]; then
    eval "$(scripts/services/s3.sh up)"
    started+=(s3)
fi

cd Clients/js
if [ "$#" -gt 0 ]; then files=("$@"); else files=(test/*.test.js); fi
log "clients-js: node --test ${files[*]}"
# One file at a time: each starts its own incidentd, and the timing tests mean more on a quiet machine.
# (Node 20 runs one file at a time on two cores anyway; --test-concurrency is newer than some Node 18 releases.)
concurrency=()
node --test-concurrency=1 -e 0 >/dev/null 2>&1 && concurrency=(--test-concurrency=1)
timeout 600 node --test "${concurrency[@]}" --test-reporter=spec "${files[@]}"
