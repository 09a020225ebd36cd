#!/usr/bin/env bash
# Conformance gate: Autobahn|Testsuite (fuzzingclient) against the transport's echo endpoint, served by
# `incident-bench serve` (TestEndpoints, enabled only there). Installs what it needs: a Python 2.7 virtualenv with
# wstest (scripts/autobahn/ab-setup.sh, needs the image's pyenv 2.7.18). Prints one summary line and exits
# non-zero when any case FAILED.
#
#   scripts/gates/autobahn.sh            sections 1-7 and 10 on a debug build (what scripts/test runs, ~15 s)
#   scripts/gates/autobahn.sh --full     sections 1-7, 9 and 10 on a release build (9.x sends up to 16 MiB)
#   scripts/gates/autobahn.sh --all      every section, 12.x and 13.x included (they report UNIMPLEMENTED)
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
export PATH=/opt/swift/usr/bin:$PATH

mode=quick
for arg in "$@"; do
    case "$arg" in
        --full) mode=full ;;
        --all) mode=all ;;
        *) echo "usage: $0 [--full|--all]" >&2; exit 2 ;;
    esac
done
case "$mode" in
    quick) cases='["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"]'; build=(); scratch=.build ;;
    full) cases='["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "9.*", "10.*"]'; build=(-c release --scratch-path .build-release); scratch=.build-release ;;
    all) cases='["*"]'; build=(-c release --scratch-path .build-release); scratch=.build-release ;;
esac

venv=${AUTOBAHN_VENV:-${TMPDIR:-/tmp}/venv-autobahn}
log "autobahn: preparing wstest in $venv"
wstest=$(scripts/autobahn/ab-setup.sh "$venv" | tail -n 1)

log "autobahn: building incident-bench (${build[*]:-debug})"
swift build --product incident-bench "${build[@]}" 2>&1 | grep -E "error|warning: " || true
bench="$(swift build --product incident-bench "${build[@]}" --show-bin-path)/incident-bench"
[ -x "$bench" ] || { echo "autobahn: no $bench" >&2; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
work=$(mktemp -d)
"$bench" serve --host 127.0.0.1 --port "$port" >"$work/server.log" 2>&1 &
server=$!
cleanup() { kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
wait_for_port "$port" 15

cat >"$work/spec.json" <<JSON
{
  "outdir": "$work/report",
  "servers": [{"agent": "incident-transport", "url": "ws://127.0.0.1:$port/ws/echo"}],
  "cases": $cases,
  "exclude-cases": [],
  "exclude-agent-cases": {}
}
JSON
log "autobahn: running $mode cases against port $port"
(cd "$work" && timeout 900 "$wstest" -m fuzzingclient -s spec.json >"$work/wstest.log" 2>&1) || {
    echo "autobahn: wstest did not finish; last lines:" >&2
    tail -n 20 "$work/wstest.log" >&2
    exit 1
}
kill -0 "$server" 2>/dev/null || { echo "autobahn: the server died; its log:" >&2; cat "$work/server.log" >&2; exit 1; }
if [ -n "${AUTOBAHN_REPORT_DIR:-}" ]; then rm -rf "$AUTOBAHN_REPORT_DIR"; cp -r "$work/report" "$AUTOBAHN_REPORT_DIR"; fi
python3 scripts/autobahn/summary.py "$work/report/index.json"
