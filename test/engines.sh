#!/usr/bin/env bash
# The engine phase of npm test: the integration suite has run on this machine's Docker 20.10
# (Debian 12's docker.io); here the tests that a rolling upgrade puts at risk (swarm join, leave,
# promote and demote; overlay networks; the matrix) run again on a swarm that mixes it with Debian 13's
# 26.1: h1 on 20.10 initialises the swarm, h2 and h3 on 26.1 join it (h3 as a second manager). The
# standard lab (3 hosts, 20.10) is brought back afterwards, whatever happened. The matrix's fault tests
# (the project's own diagnosis and cleanup, engine-independent) are skipped here, saying so (SO_ENGINE_PHASE).
# Needs root (it rebuilds the lab). Usage: bash test/engines.sh   Env: LAB_MIXED_ENGINES (default 20.10,26.1,26.1)
set -euo pipefail
cd "$(dirname "$0")/.."
exec </dev/null

[ "$(id -u)" = 0 ] || { echo "npm test: the mixed-engine phase rebuilds the lab, which needs root." >&2; exit 2; }
engines=${LAB_MIXED_ENGINES:-20.10,26.1,26.1}

restore() {
  local rc=$?
  LAB_ENGINES= bash test/lab/up.sh 3 || { echo "npm test: the standard lab could not be restored after the mixed-engine phase." >&2; rc=1; }
  exit "$rc"
}
trap restore EXIT

echo "npm test: mixed-engine swarm ($engines)"
LAB_ENGINES=$engines bash test/lab/up.sh 3
SO_ENGINE_PHASE=mixed node --expose-gc --import tsx --test --test-concurrency=1 --test-reporter=spec \
  test/integration/swarm.test.ts test/integration/networks.test.ts test/integration/matrix.test.ts
