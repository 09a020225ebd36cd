#!/usr/bin/env bash
# Python client gate (Clients/python): a venv under .build/venv-clients-py, the package installed from its source
# as a user would (`pip install Clients/python`, with its test extras), `mypy --strict` over the package and its
# tests, then pytest against a real incidentd that the tests start themselves (the in-memory store for most, the
# PostgreSQL store and the S3 server of scripts/test for the restart test; run alone, the tests start those too).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
export PATH=/opt/swift/usr/bin:$PATH

venv=.build/venv-clients-py
python=${PYTHON:-python3}
if ! command -v "$python" >/dev/null 2>&1 || ! "$python" -c 'import venv, ensurepip' >/dev/null 2>&1; then
    install_debian_packages python3 python3-venv
    python=python3
fi
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    log "clients-python: Python 3.11 or newer is needed, $python is $("$python" --version 2>&1)"
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    log "clients-python: creating $venv"
    "$python" -m venv "$venv"
fi
log "clients-python: installing Clients/python"
"$venv/bin/pip" install -q --disable-pip-version-check "Clients/python[test]"
# The version stays 1.0.0 while the source changes: reinstall the package itself every time.
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall Clients/python

install_build_packages
swift build --product incidentd 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
[ -x .build/debug/incidentd ] || { log "clients-python: incidentd did not build"; exit 1; }

log "clients-python: mypy --strict"
"$venv/bin/mypy" --strict --no-incremental Clients/python/src Clients/python/tests

log "clients-python: pytest"
cd Clients/python
# Under CI=true a missing service fails the tests instead of skipping them (tests/support.py).
exec "../../$venv/bin/python" -m pytest -q -p no:cacheprovider
