# Shared helpers for scripts/: logging and idempotent installs. Sourced, not run.

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Installs the Debian packages that are not installed yet; runs `apt-get update` once, only when needed.
install_debian_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    log "installing ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >&2
}

# The C libraries the Swift targets link (module maps under Sources/Adapters): needed before any `swift build`.
install_build_packages() { install_debian_packages libpq-dev libldap2-dev libssl-dev; }

# Waits until a TCP port on 127.0.0.1 accepts connections, up to $2 seconds (default 15).
wait_for_port() {
    local port=$1 limit=${2:-15} i
    for ((i = 0; i < limit * 20; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    log "nothing listens on 127.0.0.1:$port after ${limit}s"
    return 1
}
