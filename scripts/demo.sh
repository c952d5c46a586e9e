#!/usr/bin/env bash
# npm run demo: a local lab of Docker hosts reached over SSH, a swarm of all of them but the last (left
# out for the user to join), an overlay network on it, and VS Code (code-server on 127.0.0.1) with
# Swarm Overlay installed, until Ctrl+C; then all of it goes away.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "demo: $*" >&2; exit 1; }
[ "$(uname -s)" = Linux ] || die "the demo builds its lab with Linux namespaces, so it needs Linux."
[ "$(id -u)" = 0 ] || die "the demo builds network namespaces, dockerd and sshd, so it must run as root (try: sudo npm run demo)."
command -v apt-get >/dev/null || die "the demo installs its Debian packages with apt-get, which this machine does not have."

bash scripts/system-packages.sh demo $(cat test/lab/packages.txt) || die "the lab's Debian packages could not be installed."

echo "== tools for VS Code in the browser (Node 24 and code-server, cached in ~/.cache/swarm-overlay/e2e)"
bash scripts/e2e-setup.sh || die "could not install code-server (see the line above)."
echo "== building and packaging the extension"
npm run --silent package >/dev/null || die "npm run package failed."
echo "== lab: ${LAB_HOSTS:-3} Docker hosts, each with its own dockerd and sshd"
bash test/lab/up.sh "${LAB_HOSTS:-3}"
# Whatever happens next (Ctrl+C included), the lab goes away with the demo.
trap 'echo "== lab down"; bash test/lab/down.sh >/dev/null 2>&1 || echo "demo: lab down failed; run npm run lab:down" >&2' EXIT
node --import tsx scripts/demo.ts
