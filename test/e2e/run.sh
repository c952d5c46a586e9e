#!/usr/bin/env bash
# End-to-end UI journeys: installs the tools (scripts/e2e-setup.sh), packages the extension, brings the
# lab up unless it is up already, runs test/e2e/journeys.test.ts, and tears down what it started.
# Non-interactive; root (the lab and apt-get need it). Results: test-results/e2e/.
# Env: LAB_KEEP=1 leaves a lab this script started up; E2E_KEEP=1 keeps code-server's temp dir;
#      E2E_PATTERN=REGEX runs only the journeys whose names match;
#      E2E_SETTINGS='{...}' adds VS Code User settings (see test/e2e/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec </dev/null

say() { echo "e2e: $*"; }
die() { echo "e2e: error: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root (the lab builds namespaces; setup may apt-get install)."
start=$(date +%s)

bash scripts/e2e-setup.sh || die "setup failed (see the line above)."
t_setup=$(date +%s)

# The project's own dependencies (esbuild, vsce, tsx) must be there.
[ -x node_modules/.bin/tsx ] && [ -x node_modules/.bin/vsce ] || die "node_modules is incomplete: run npm ci first."

mkdir -p test-results
say "packaging the extension"
if ! npm run --silent package >test-results/e2e-package.log 2>&1; then
  # `npm run package` can fail on vsce's README link check; the same build and package command with
  # --no-rewrite-relative-links gives the same .vsix.
  say "npm run package failed: $(grep -m1 -E 'ERROR|Error' test-results/e2e-package.log | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-200)"
  say "packaging again with --no-rewrite-relative-links"
  node scripts/build.mjs --production && npx --no-install vsce package --no-dependencies --allow-missing-repository \
    --no-rewrite-relative-links --out dist/swarm-overlay.vsix >>test-results/e2e-package.log 2>&1 \
    || { tail -n 20 test-results/e2e-package.log >&2; die "could not package the extension."; }
fi
rm -f test-results/e2e-package.log
[ -f dist/swarm-overlay.vsix ] && [ -f dist/cli.js ] || die "dist/swarm-overlay.vsix or dist/cli.js is missing after packaging."

started_lab=0
if [ -f test/lab/.state/hosts.json ] && bash test/lab/exec.sh h1 true 2>/dev/null && bash test/lab/exec.sh h3 true 2>/dev/null; then
  say "using the lab that is up"
else
  say "bringing the lab up (3 hosts)"
  bash test/lab/up.sh 3 || die "the lab did not come up."
  started_lab=1
fi
cleanup() {
  if [ "$started_lab" = 1 ] && [ "${LAB_KEEP:-0}" != 1 ]; then bash test/lab/down.sh >/dev/null 2>&1 || echo "e2e: lab down failed" >&2; fi
}
trap cleanup EXIT

rm -rf test-results/e2e
mkdir -p test-results/e2e
t_run=$(date +%s)
status=0
node --import tsx --test --test-concurrency=1 --test-reporter=spec ${E2E_PATTERN:+--test-name-pattern="$E2E_PATTERN"} test/e2e/journeys.test.ts || status=$?
end=$(date +%s)
say "setup $((t_setup - start)) s, journeys $((end - t_run)) s, total $((end - start)) s; screenshots and logs in test-results/e2e/"
exit $status
