#!/usr/bin/env bash
# npm run bench: builds, brings the lab up if it is not (and down again after), runs the benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
started_lab=0
if [ ! -f test/lab/.state/hosts.json ] || ! bash test/lab/exec.sh h1 true 2>/dev/null; then
  bash test/lab/up.sh 3
  started_lab=1
fi
trap '[ "$started_lab" = 1 ] && bash test/lab/down.sh || true' EXIT
node --import tsx scripts/bench.ts
