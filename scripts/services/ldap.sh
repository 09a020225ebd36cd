#!/usr/bin/env bash
# OpenLDAP slapd with Active-Directory-like entries (Config/ldap), on loopback only.
#
#   up         throwaway test directory under /tmp (ldap:// and ldaps:// with its own CA, free ports), rebuilt from
#              Config/ldap/test.ldif; prints TEST_LDAP_* exports on stdout
#   down       stops the test directory and removes it
#   demo       persistent demo directory under .data/ldap (Config/ldap/demo.ldif on first start); prints the LDAP_*
#              exports of API.md's Configuration section on stdout, and the demo users on stderr
#   demo-down  stops the demo directory (its data stays)
#
# INCIDENT_LDAP_DIR overrides the test directory's location, so a test can run a second instance it may stop.
# Logs go to stderr; stdout carries only `export NAME=value` lines.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # slapd and slapadd live in sbin, which a non-root PATH may lack
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/scripts/lib/common.sh"
CONFIG="$ROOT/Config/ldap"
PROJECT_ID=$(printf %s "$ROOT" | md5sum | cut -c1-8)
TEST_DIR=${INCIDENT_LDAP_DIR:-${TMPDIR:-/tmp}/incident-ldap-test-$PROJECT_ID}
DEMO_DIR="$ROOT/.data/ldap"

# A process is gone when ps has no row for it or shows a zombie (pid 1 may reap lazily); kill -0 alone is fooled.
gone() {
    local state
    state=$(ps -o stat= -p "$1" 2>/dev/null || true)
    [ -z "$state" ] || [ "${state:0:1}" = Z ]
}

stop_instance() {
    local dir=$1 pid i
    [ -s "$dir/slapd.pid" ] || return 0
    pid=$(cat "$dir/slapd.pid")
    if ! gone "$pid"; then
        kill "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do gone "$pid" && break; sleep 0.05; done
        gone "$pid" || { log "slapd $pid ignores SIGTERM; killing it"; kill -9 "$pid" 2>/dev/null || true; }
    fi
    rm -f "$dir/slapd.pid"
}

is_running() {
    local dir=$1
    [ -s "$dir/slapd.pid" ] && ! gone "$(cat "$dir/slapd.pid")"
}

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Below Linux's ephemeral range (32768 and up), so no outgoing connection of another process holds it meanwhile.
free_port() {
    local port i
    for ((i = 0; i < 100; i++)); do
        port=$((20000 + RANDOM % 12000))
        port_is_free "$port" && { echo "$port"; return 0; }
    done
    log "no free loopback port found"
    return 1
}

# write_config DIR SUFFIX [TLS]: slapd.conf for an mdb database under DIR/db.
write_config() {
    local dir=$1 suffix=$2 tls=${3:-}
    cp "$CONFIG/ad-lite.schema" "$dir/ad-lite.schema"
    {
        cat <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/dyngroup.schema
include $dir/ad-lite.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload dynlist
loglevel none
CONF
        if [ -n "$tls" ]; then
            cat <<CONF
TLSCACertificateFile $dir/tls/ca.pem
TLSCertificateFile $dir/tls/server.pem
TLSCertificateKeyFile $dir/tls/server.key
CONF
        fi
        cat <<CONF

database mdb
suffix "$suffix"
directory $dir/db
maxsize 67108864
index objectClass eq
index uid,sAMAccountName,userPrincipalName,mail eq
index member eq

# memberOf computed at search time from groupOfNames members, as AD computes it (operational: asked for by name).
overlay dynlist
dynlist-attrset groupOfURLs memberURL member+memberOf@groupOfNames

# Passwords are only ever compared by a bind; only signed-in accounts (the service account) read entries, so an
# anonymous search finds nothing and the service account's bind is really exercised.
access to attrs=userPassword
  by anonymous auth
  by * none
access to *
  by users read
  by * none
CONF
    } >"$dir/slapd.conf"
}

# A CA and a server certificate for 127.0.0.1 and localhost (EC P-256: generated in milliseconds).
make_certificates() {
    local tls=$1/tls
    mkdir -p "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=Incident Rooms Test CA" \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
        >"$tls/ext.cnf"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 2 \
        -extfile "$tls/ext.cnf" -out "$tls/server.pem" 2>/dev/null
    chmod 600 "$tls/server.key" "$tls/ca.key"
}

# start_instance DIR URLS...: starts slapd and waits until it answers on the first URL.
start_instance() {
    local dir=$1 i
    shift
    slapd -f "$dir/slapd.conf" -h "$*" >>"$dir/slapd.out" 2>&1 || {
        log "slapd did not start (it reports why only with -d 1):"
        cat "$dir/slapd.out" >&2
        return 1
    }
    for ((i = 0; i < 200; i++)); do
        ldapwhoami -x -H "$1" >/dev/null 2>&1 && return 0
        sleep 0.05
    done
    log "slapd does not answer on $1"
    cat "$dir/slapd.out" >&2
    return 1
}

load() {
    local dir=$1 ldif=$2
    slapadd -q -f "$dir/slapd.conf" -l "$ldif" >"$dir/slapadd.out" 2>&1 || {
        log "slapadd failed:"
        cat "$dir/slapadd.out" >&2
        return 1
    }
}

up() {
    install_debian_packages slapd ldap-utils openssl
    stop_instance "$TEST_DIR"
    rm -rf "$TEST_DIR"
    mkdir -p "$TEST_DIR/db"
    make_certificates "$TEST_DIR"
    write_config "$TEST_DIR" "dc=example,dc=com" tls
    load "$TEST_DIR" "$CONFIG/test.ldif"
    local port tls_port attempt
    # A free port can be taken between the check and slapd's bind: try other ports a few times.
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        tls_port=$(free_port)
        while [ "$tls_port" = "$port" ]; do tls_port=$(free_port); done
        start_instance "$TEST_DIR" "ldap://127.0.0.1:$port/" "ldaps://127.0.0.1:$tls_port/" && break
        # A slapd that started but never answered must not outlive the attempt.
        stop_instance "$TEST_DIR"
        [ "$attempt" -lt 5 ] || return 1
        log "retrying on other ports"
    done
    log "test directory: ldap://127.0.0.1:$port and ldaps://127.0.0.1:$tls_port (pid $(cat "$TEST_DIR/slapd.pid"))"
    cat <<OUT
export TEST_LDAP_URL=ldap://127.0.0.1:$port
export TEST_LDAPS_URL=ldaps://127.0.0.1:$tls_port
export TEST_LDAP_CA_FILE=$TEST_DIR/tls/ca.pem
export TEST_LDAP_BIND_DN=cn=svc-incidents,ou=service,dc=example,dc=com
export TEST_LDAP_BIND_PASSWORD=svc-test-password
export TEST_LDAP_BASE_DN=dc=example,dc=com
export TEST_LDAP_ADMIN_GROUP=cn=incident-admins,ou=groups,dc=example,dc=com
export TEST_LDAP_SERVICE_SCRIPT=$ROOT/scripts/services/ldap.sh
OUT
}

down() {
    stop_instance "$TEST_DIR"
    rm -rf "$TEST_DIR"
}

demo() {
    install_debian_packages slapd ldap-utils
    local port
    mkdir -p "$DEMO_DIR"
    if is_running "$DEMO_DIR" && [ -s "$DEMO_DIR/port" ]; then
        port=$(cat "$DEMO_DIR/port")
        log "demo directory already running on ldap://127.0.0.1:$port"
    else
        stop_instance "$DEMO_DIR"
        if [ ! -s "$DEMO_DIR/db/data.mdb" ]; then
            rm -rf "$DEMO_DIR/db"
            mkdir -p "$DEMO_DIR/db"
            write_config "$DEMO_DIR" "dc=factory,dc=local"
            load "$DEMO_DIR" "$CONFIG/demo.ldif"
            log "demo directory created under $DEMO_DIR"
        else
            write_config "$DEMO_DIR" "dc=factory,dc=local"
        fi
        # The same port across restarts when it is still free, so a running server's LDAP_URL stays right.
        port=$(cat "$DEMO_DIR/port" 2>/dev/null || echo "${LDAP_DEMO_PORT:-3890}")
        port_is_free "$port" || port=$(free_port)
        echo "$port" >"$DEMO_DIR/port"
        start_instance "$DEMO_DIR" "ldap://127.0.0.1:$port/"
        log "demo directory on ldap://127.0.0.1:$port (pid $(cat "$DEMO_DIR/slapd.pid"))"
    fi
    log "demo users (username / password):"
    log "  ops.admin / ops-admin-demo   Operations Admin (administrator)"
    log "  linxm     / lin-demo         林小明"
    log "  maria     / maria-demo       María García"
    log "  tom       / tom-demo         Tom Operator"
    log "  (sign in with the username or the e-mail address, e.g. linxm@factory.local)"
    cat <<OUT
export LDAP_URL=ldap://127.0.0.1:$port
export LDAP_BIND_DN=cn=svc-incidents,ou=service,dc=factory,dc=local
export LDAP_BIND_PASSWORD=demo-service-password
export LDAP_BASE_DN=dc=factory,dc=local
export LDAP_ADMIN_GROUP=cn=incident-admins,ou=groups,dc=factory,dc=local
OUT
}

demo_down() {
    stop_instance "$DEMO_DIR"
}

case "${1:-}" in
    up) up ;;
    down) down ;;
    demo) demo ;;
    demo-down) demo_down ;;
    *)
        echo "usage: $0 up|down|demo|demo-down" >&2
        exit 2
        ;;
esac
