#!/usr/bin/env bash
# npm test: types, import cycles and layers, lint, formatting, unit tests (plain Node), integration
# tests against the real lab over SSH, then end-to-end journeys in code-server.
# The lab is brought up here unless one is already up (LAB_KEEP=1 leaves it up afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null

# What the tests need from the system (the lab's dockerd and sshd, busybox for the exec tests):
# installed here, so `npm ci && npm test` is all a fresh machine needs.
bash scripts/system-packages.sh "npm test" $(cat test/lab/packages.txt)
# Debian 13's Docker 26.1 for the mixed-engine phase (fetched once into .cache/engines).
bash test/lab/engine.sh 26.1 >/dev/null

# The e2e tools (Node 24, code-server, Chromium: 3–4 minutes on a fresh machine) install while the
# static checks run; the tests wait for them, so nothing that measures time runs beside that build.
mkdir -p test-results
bash scripts/e2e-setup.sh >test-results/e2e-setup.log 2>&1 &
e2e_setup=$!
trap 'kill "$e2e_setup" 2>/dev/null || true' EXIT
npm run --silent typecheck
npm run --silent check:imports
npm run --silent lint
npm run --silent format:check
npm run --silent build
if ! wait "$e2e_setup"; then
  tail -n 20 test-results/e2e-setup.log >&2
  echo "npm test: installing the e2e tools failed (test-results/e2e-setup.log)." >&2
  exit 1
fi
trap - EXIT
npm run --silent test:unit

started_lab=0
if [ ! -f test/lab/.state/hosts.json ] || ! bash test/lab/exec.sh h1 true 2>/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    echo "npm test: the integration tests need the lab, and building it needs root." >&2
    exit 2
  fi
  bash test/lab/up.sh 3
  started_lab=1
fi
cleanup() { if [ "$started_lab" = 1 ] && [ "${LAB_KEEP:-0}" != 1 ]; then bash test/lab/down.sh || true; fi; }
trap cleanup EXIT
npm run --silent test:integration
# The swarm, network and matrix tests again on a swarm mixing 20.10 and 26.1; the standard lab comes back.
bash test/engines.sh
# End-to-end journeys in a real VS Code (code-server + Chromium) against the same lab.
npm run --silent test:e2e
