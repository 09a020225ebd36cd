#!/usr/bin/env bash
# Web page gate (Web/): the page in real headless Chromium (Debian's chromium + chromium-driver, Selenium from pip)
# against a real incidentd with the PostgreSQL store and the S3 server (those of scripts/test when their variables
# are set, else started by the tests). Screenshots of the main screens go to .build/web-screenshots/
# (scripts/screenshots copies them to docs/screenshots/).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
export PATH=/opt/swift/usr/bin:$PATH

command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 || install_debian_packages chromium chromium-driver
command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || install_debian_packages python3 python3-venv
venv=.build/venv-web
[ -x "$venv/bin/python" ] || { log "web: creating $venv"; python3 -m venv "$venv"; }
"$venv/bin/pip" install -q --disable-pip-version-check 'selenium>=4.20,<5' 'pytest>=8,<9' 'httpx>=0.27,<1'

install_build_packages
swift build --product incidentd 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\] ' || true
[ -x .build/debug/incidentd ] || { log "web: incidentd did not build"; exit 1; }

log "web: node tests of the page's pure modules"
node --test Tests/web/unit/ 2>&1 | tail -n 12
log "web: pytest in headless Chromium"
# SE_OFFLINE: Selenium must not look for drivers on the network; the Debian ones are given explicitly.
SE_OFFLINE=true exec "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/web "$@"
