#!/usr/bin/env bash
# npm run test:integration: every integration file in name order, then the chaos run alone, last. Node's
# test runner sorts the files it is given, so chaos goes in a run of its own: no other file starts on
# daemons it has just stopped, frozen and restarted.
set -euo pipefail
cd "$(dirname "$0")/.."
run() { node --expose-gc --import tsx --test --test-concurrency=1 --test-reporter=spec "$@"; }
files=()
for f in test/integration/*.test.ts; do [[ $f == */chaos.test.ts ]] || files+=("$f"); done
run "${files[@]}"
run test/integration/chaos.test.ts
