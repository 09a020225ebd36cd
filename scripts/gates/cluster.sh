#!/usr/bin/env bash
# Cluster gate: scripts/cluster 3 (three incidentd behind Debian's nginx, rendered from the shipped
# Config/nginx/incident-rooms.conf.template) on the PostgreSQL and S3 of scripts/test (started here when run alone),
# in a fresh schema, then scripts/gates/cluster/cluster_test.py through nginx with the Python client: ordering
# across processes, resume on another process, kill -9 under 20 senders, presence across processes and after the
# kill, a terminated LISTEN connection, logout across processes. About 1-2 minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
export PATH=/opt/swift/usr/bin:$PATH

venv=.build/venv-clients-py
if [ ! -x "$venv/bin/python" ]; then
    install_debian_packages python3 python3-venv
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install -q --disable-pip-version-check Clients/python
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall Clients/python
install_build_packages
install_debian_packages nginx postgresql-client iproute2
swift build --product incidentd 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
[ -x .build/debug/incidentd ] || { log "cluster: incidentd did not build"; exit 1; }

started=()
cluster=""
cleanup() {
    local s
    [ -n "$cluster" ] && { kill -TERM "$cluster" 2>/dev/null || true; wait "$cluster" 2>/dev/null || true; }
    for s in "${started[@]}"; do scripts/services/"$s".sh down >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
[ -n "${TEST_DATABASE_URL:-}" ] || { eval "$(scripts/services/postgres.sh up)"; started+=(postgres); }
[ -n "${TEST_S3_ENDPOINT:-}" ] || { eval "$(scripts/services/s3.sh up)"; started+=(s3); }

schema=cluster_$(date +%s)_$$
psql "$TEST_DATABASE_URL" -XAtqc "CREATE SCHEMA $schema"
separator='?'
[[ $TEST_DATABASE_URL == *\?* ]] && separator='&'
export DATABASE_URL="$TEST_DATABASE_URL${separator}options=-c%20search_path%3D$schema%2Cpublic"
export S3_ENDPOINT=$TEST_S3_ENDPOINT S3_ACCESS_KEY=$TEST_S3_ACCESS_KEY S3_SECRET_KEY=$TEST_S3_SECRET_KEY
export S3_BUCKET=$TEST_S3_BUCKET
# Every client of the test comes through 127.0.0.1: lift the per-address socket caps the test would hit.
export UPGRADES_PER_SECOND=1000 MAX_CONNECTIONS_PER_ADDRESS=10000
export INCIDENTD_BINARY=$PWD/.build/debug/incidentd
# A port of its own per checkout, as scripts/services do.
export CLUSTER_PORT=$((20000 + $(printf '%s' "$PWD" | cksum | cut -d' ' -f1) % 20000))
export CLUSTER_PREFIX=$PWD/.build/cluster-gate
out=$(mktemp)
scripts/cluster 3 --demo-directory --unsafe-demo >"$out" &
cluster=$!
for ((i = 0; i < 600; i++)); do
    [ -s "$out" ] && break
    kill -0 "$cluster" 2>/dev/null || { log "cluster: scripts/cluster stopped"; exit 1; }
    sleep 0.1
done
url=$(head -1 "$out")
rm -f "$out"
[ -n "$url" ] || { log "cluster: no URL from scripts/cluster"; exit 1; }
log "cluster: 3 processes behind nginx on $url"

status=0
CLUSTER_URL=$url CLUSTER_DATABASE_URL=$DATABASE_URL "$venv/bin/python" scripts/gates/cluster/cluster_test.py || status=1
if grep -q 'token=' "$CLUSTER_PREFIX/access.log"; then
    log "cluster: FAILED: a token reached nginx's access log"
    status=1
fi
[ $status -eq 0 ] || tail -n 20 "$CLUSTER_PREFIX"/incidentd-*.log "$CLUSTER_PREFIX/error.log" >&2 || true
psql "$TEST_DATABASE_URL" -XAtqc "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
exit $status
