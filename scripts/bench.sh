#!/usr/bin/env bash
# npm run bench: builds a fresh 12-host lab, runs the transport, matrix and VS Code benchmarks side by side,
# and takes the lab down again (LAB_KEEP=1 keeps it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/e2e-setup.sh >/dev/null
npm run --silent package >/dev/null
bash test/lab/up.sh 12
trap '[ "${LAB_KEEP:-0}" = 1 ] || bash test/lab/down.sh || true' EXIT
node --import tsx scripts/bench.ts
echo
node --import tsx scripts/benchMatrix.ts
echo
node --import tsx scripts/benchVscode.ts
