#!/usr/bin/env bash
# API description gate: the OpenAPI 3.1 document that incidentd serves at GET /api/openapi.json
#   1. validates with openapi-spec-validator, and
#   2. holds against the live server: a seeded, time-boxed schemathesis run (examples, coverage, fuzzing and
#      stateful phases, with a valid admin token) finds no 5xx, no status code the document does not list, no
#      response body that breaks its schema and no wrong content type; and the server is still alive afterwards.
# (That the router's routes and the document's agree, and docs/API.md's sections, are Swift tests: OpenAPITests.)
#
# Runs on PostgreSQL and S3 when scripts/test started them (TEST_DATABASE_URL, TEST_S3_*), in a schema of its own
# that is dropped afterwards; otherwise on the in-memory store. Installs its tools into .build/venv-api.
#
#   scripts/gates/openapi.sh                 what scripts/test runs (about two minutes)
#   OPENAPI_GATE_EXAMPLES=200 OPENAPI_GATE_TIME=900 scripts/gates/openapi.sh    a longer run
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
export PATH=/opt/swift/usr/bin:$PATH

examples=${OPENAPI_GATE_EXAMPLES:-20}
budget=${OPENAPI_GATE_TIME:-150}
seed=${OPENAPI_GATE_SEED:-20261121}

venv=.build/venv-api
if ! "$venv/bin/python" -c 'import schemathesis, openapi_spec_validator' 2>/dev/null; then
    log "openapi: installing the tools into $venv"
    python3 -c 'import venv, ensurepip' 2>/dev/null || install_debian_packages python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/openapi/requirements.txt
fi

log "openapi: building incidentd"
swift build --product incidentd 2>&1 | grep -E "error|warning: " || true
binary="$(swift build --product incidentd --show-bin-path)/incidentd"
[ -x "$binary" ] || { echo "openapi: no $binary" >&2; exit 1; }

work=$(mktemp -d)
server=
schema=
cleanup() {
    [ -n "$server" ] && { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
    if [ -n "$schema" ]; then
        psql "$TEST_DATABASE_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
export JWT_SECRET=openapi-gate-secret-that-is-at-least-32-bytes HOST=127.0.0.1 PORT=$port
store=(--store memory)
if [ -n "${TEST_DATABASE_URL:-}" ] && [ -n "${TEST_S3_ENDPOINT:-}" ]; then
    schema="gate_openapi_$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    psql "$TEST_DATABASE_URL" -qc "CREATE SCHEMA $schema" >/dev/null
    separator='?'; case "$TEST_DATABASE_URL" in *\?*) separator='&' ;; esac
    export DATABASE_URL="${TEST_DATABASE_URL}${separator}options=-c%20search_path%3D${schema}%2Cpublic"
    export S3_ENDPOINT=$TEST_S3_ENDPOINT S3_ACCESS_KEY=$TEST_S3_ACCESS_KEY S3_SECRET_KEY=$TEST_S3_SECRET_KEY
    export S3_BUCKET=$TEST_S3_BUCKET
    store=(--store postgres --unsafe-demo)
fi
log "openapi: incidentd ${store[*]} on port $port"
# One token makes every request: at API.md's 10 actions a second most would be refused with 429 (documented, and
# answered correctly) before they reach the rules under test, so the per-user rate is raised for this run.
"$binary" "${store[@]}" --demo-directory --message-rate 1000 >"$work/server.log" 2>&1 &
server=$!
wait_for_port "$port" 30

# A small HTTP client (python's standard library: no curl needed): METHOD PATH [JSON-BODY] [TOKEN] -> body on stdout.
call() {
    python3 - "$port" "$@" <<'PY'
import json, sys, urllib.request
port, method, path = sys.argv[1:4]
body = sys.argv[4].encode() if len(sys.argv) > 4 and sys.argv[4] else None
request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method)
request.add_header("Content-Type", "application/json")
if len(sys.argv) > 5:
    request.add_header("Authorization", "Bearer " + sys.argv[5])
with urllib.request.urlopen(request, timeout=10) as response:
    sys.stdout.write(response.read().decode())
PY
}
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

call GET /api/openapi.json >"$work/openapi.json"
"$venv/bin/openapi-spec-validator" "$work/openapi.json" >"$work/validator.log" 2>&1 || {
    echo "openapi: the document does not validate:" >&2
    cat "$work/validator.log" >&2
    exit 1
}
log "openapi: the document validates (OpenAPI 3.1)"

# alice is the demo directory's admin: every operation is open to her, so most calls get past the role checks.
token=$(call POST /api/auth/login '{"username":"alice","password":"alicepw"}' | field token)
# A room with a message, so that the room routes reach a real room with real rows.
room=$(call POST /api/rooms '{"title":"Schemathesis","incident_type":"other","severity":"low"}' "$token" | field room_id)
call POST "/api/rooms/$room/messages" '{"content":"@Alice Anderson pump pressure low"}' "$token" >/dev/null

# TRACE and QUERY are answered 501 by the transport (methods it does not implement), which is no bug of the API: the
# coverage phase's requests with unexpected methods use the implemented ones (answered 405). Room routes get the
# room made above; the other parameters are generated.
cat >"$work/schemathesis.toml" <<TOML
[phases.coverage]
unexpected-methods = ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"]

[parameters]
room_id = "$room"
TOML

log "openapi: schemathesis (seed $seed, $examples examples per operation, at most ${budget}s)"
set +e
(cd "$work" && timeout $((budget + 120)) "$OLDPWD/$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" \
    run "$work/openapi.json" \
    --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --exclude-operation-id logout \
    --seed "$seed" --max-examples "$examples" --max-time "$budget" --workers 2 \
    --suppress-health-check all --request-timeout 10 \
    --report junit --report-dir "$work/report" \
    >"$work/schemathesis.log" 2>&1)
status=$?
set -e
if ! kill -0 "$server" 2>/dev/null; then
    mkdir -p .build/openapi-gate && cp "$work"/*.log .build/openapi-gate/
    echo "openapi: the server died (logs in .build/openapi-gate); its log:" >&2
    tail -n 50 "$work/server.log" >&2
    exit 1
fi
if [ "$status" -ne 0 ]; then
    mkdir -p .build/openapi-gate && cp "$work"/*.log .build/openapi-gate/
    echo "openapi: schemathesis found problems (exit $status; logs in .build/openapi-gate):" >&2
    tail -n 150 "$work/schemathesis.log" >&2
    if grep -q '"level":"error"' "$work/server.log"; then grep '"level":"error"' "$work/server.log" | tail -n 20 >&2; fi
    exit 1
fi
grep -E "passed|failed|errors?|Test cases" "$work/schemathesis.log" | tail -n 5 >&2 || true
echo "openapi: the document validates and schemathesis found no 5xx, no undocumented status and no schema break"
