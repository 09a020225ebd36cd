#!/usr/bin/env bash
# An S3-compatible server on loopback: moto (pip `moto[server]`), the same one for tests and for scripts/run.
#
#   s3.sh up         two throwaway instances under /tmp: a plain one (TEST_S3_*) and one that verifies
#                    signatures (TEST_S3_VERIFY_*); prints their `export` lines on stdout.
#   s3.sh down       stops them.
#   s3.sh demo       a persistent instance for scripts/run (pid and log under .data/s3), printing the production
#                    variables S3_ENDPOINT, S3_REGION, S3_BUCKET, S3_ACCESS_KEY, S3_SECRET_KEY. moto keeps objects
#                    in memory only: they are gone when it stops.
#   s3.sh demo-down  stops the demo instance.
#
# Idempotent: a running instance is reused. Installs python3 and moto[server] + boto3 (into a venv when the
# system Python refuses pip installs) when missing. Logs go to stderr; stdout carries only `export` lines.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
source "$root/scripts/lib/common.sh"

venv="${XDG_CACHE_HOME:-$HOME/.cache}/incident-rooms/s3-venv"

# Sets $python to an interpreter that has moto's server and boto3, installing them if needed.
ensure_moto() {
    python=""
    for candidate in "${S3_PYTHON:-}" python3 "$venv/bin/python"; do
        [ -n "$candidate" ] || continue
        command -v "$candidate" >/dev/null 2>&1 || [ -x "$candidate" ] || continue
        if "$candidate" -c 'import moto.server, boto3, flask_cors' >/dev/null 2>&1; then
            python=$(command -v "$candidate" || echo "$candidate")
            return 0
        fi
    done
    install_debian_packages python3 python3-venv python3-pip
    if python3 -m pip install -q 'moto[server]>=5,<6' boto3 >&2 2>/dev/null; then
        python=$(command -v python3)
    else
        # Debian's Python is "externally managed" (PEP 668): use a venv of our own.
        log "installing moto[server] and boto3 into $venv"
        mkdir -p "$(dirname "$venv")"
        [ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
        "$venv/bin/python" -m pip install -q 'moto[server]>=5,<6' boto3 >&2
        python="$venv/bin/python"
    fi
    "$python" -c 'import moto.server, boto3' || { log "moto could not be installed"; exit 1; }
}

# A free TCP port on loopback.
free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# True when the pid in $1 runs (a zombie or a recycled pid of another program does not count).
alive() {
    local pidfile=$1 pid stat
    [ -s "$pidfile" ] || return 1
    pid=$(cat "$pidfile")
    stat=$(ps -o stat= -p "$pid" 2>/dev/null || true)
    [ -n "$stat" ] && [[ "$stat" != Z* ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q moto
}

# Starts moto in directory $1 on a port of its own unless it already runs; extra environment in $2.
start_moto() {
    local dir=$1 env=$2 port
    mkdir -p "$dir"
    if alive "$dir/pid"; then
        port=$(cat "$dir/port")
        wait_for_port "$port" 10
        return 0
    fi
    port=${3:-$(free_port)}
    # A preferred port that something else already holds: take a free one rather than talk to a stranger.
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        log "127.0.0.1:$port is taken; using another port"
        port=$(free_port)
    fi
    echo "$port" >"$dir/port"
    # setsid: the server outlives this script and is stopped by pid.
    env $env setsid "$python" -m moto.server -H 127.0.0.1 -p "$port" >"$dir/log" 2>&1 </dev/null &
    echo $! >"$dir/pid"
    wait_for_port "$port" 20 || { tail -n 20 "$dir/log" >&2; exit 1; }
}

stop_moto() {
    local dir=$1 pid i
    if alive "$dir/pid"; then
        pid=$(cat "$dir/pid")
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do alive "$dir/pid" || break; sleep 0.1; done
        alive "$dir/pid" && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/pid"
}

# One state directory per checkout, so worktrees and parallel runs never share a server.
state="/tmp/incident-rooms-s3-$(id -u)-$(printf '%s' "$root" | md5sum | cut -c1-10)"

case "${1:-}" in
up)
    # openssl: the HTTP client's TLS tests make a throwaway CA and certificate with it.
    install_debian_packages openssl
    ensure_moto
    start_moto "$state/plain" ""
    plain_port=$(cat "$state/plain/port")
    # Verification mode: the first three unauthenticated IAM calls create a user and its key; after that every
    # request must carry a valid signature (a wrong secret gets 403 SignatureDoesNotMatch).
    if ! [ -s "$state/verify/keys" ] || ! alive "$state/verify/pid"; then
        stop_moto "$state/verify"
        rm -f "$state/verify/keys"
        start_moto "$state/verify" "INITIAL_NO_AUTH_ACTION_COUNT=3"
        MOTO_PORT=$(cat "$state/verify/port") "$python" - >"$state/verify/keys" <<'EOF'
import json, os, boto3
iam = boto3.client("iam", endpoint_url="http://127.0.0.1:%s" % os.environ["MOTO_PORT"], region_name="us-east-1",
                   aws_access_key_id="test", aws_secret_access_key="test")
iam.create_user(UserName="app")
iam.put_user_policy(UserName="app", PolicyName="s3all", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="app")["AccessKey"]
print(key["AccessKeyId"], key["SecretAccessKey"])
EOF
    fi
    read -r verify_key verify_secret <"$state/verify/keys"
    verify_port=$(cat "$state/verify/port")
    log "moto on 127.0.0.1:$plain_port, with signature verification on 127.0.0.1:$verify_port"
    cat <<EOF
export TEST_S3_ENDPOINT=http://127.0.0.1:$plain_port
export TEST_S3_ACCESS_KEY=test-access-key
export TEST_S3_SECRET_KEY=test-secret-key
export TEST_S3_BUCKET=incident-files-test
export TEST_S3_VERIFY_ENDPOINT=http://127.0.0.1:$verify_port
export TEST_S3_VERIFY_ACCESS_KEY=$verify_key
export TEST_S3_VERIFY_SECRET_KEY=$verify_secret
export TEST_S3_PYTHON=$python
EOF
    ;;
down)
    stop_moto "$state/plain"
    stop_moto "$state/verify"
    rm -rf "$state"
    ;;
demo)
    ensure_moto
    dir="$root/.data/s3"
    start_moto "$dir" "" "${S3_DEMO_PORT:-9000}"
    port=$(cat "$dir/port")
    log "moto (objects kept in memory only) on 127.0.0.1:$port; log in $dir/log"
    cat <<EOF
export S3_ENDPOINT=http://127.0.0.1:$port
export S3_REGION=us-east-1
export S3_BUCKET=incident-files
export S3_ACCESS_KEY=demo-access-key
export S3_SECRET_KEY=demo-secret-key
EOF
    ;;
demo-down)
    stop_moto "$root/.data/s3"
    ;;
*)
    echo "usage: $0 up|down|demo|demo-down" >&2
    exit 2
    ;;
esac
