#!/usr/bin/env bash
# The bridge binary's acceptance: @modelcontextprotocol/server-everything
# (npm, pinned in server-everything/package-lock.json) launched over stdio
# behind `mcp-proxy --stdio`, served over Streamable HTTP with a bearer token
# required (a JWKS and an RS256 token made by bridge_issuer.py, the way a
# real identity provider's are checked), and metrics on their own listener.
#
#   .ci/interop/bridge.sh MCP_PROXY NODE
#
# MCP_PROXY is the mcp-proxy binary, NODE a Node 22 binary. Checks, one line
# each: no token -> 401 with the metadata challenge; the official Python SDK
# (2.x in both eras, 1.x in 2025-11-25) lists and calls the upstream's tools,
# reads its resources and answers the sampling request the upstream sends;
# /metrics counts the proxied calls. Exits non-zero when any check failed.
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 PATH/TO/mcp-proxy PATH/TO/node" >&2
  exit 2
fi
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
proxy=$(abs "$1")
node=$(abs "$2")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$root/.ci/cache"
mkdir -p "$cache"
RUN_LIMIT=${INTEROP_RUN_LIMIT:-120}   # seconds one client run may take
. "$here/setup.sh"

setup_failed=0
venv mcp2 "$here/requirements-mcp2.txt" || setup_failed=1
venv mcp1 "$here/requirements-mcp1.txt" || setup_failed=1
npm_env server-everything || setup_failed=1
everything="$cache/interop-server-everything/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
python2="$cache/interop-mcp2/bin/python"
python1="$cache/interop-mcp1/bin/python"
if [ "$setup_failed" -ne 0 ] || [ ! -f "$everything" ]; then
  echo "bridge: FAILED to install the Python SDK or server-everything" >&2
  exit 1
fi

free_port() { "$python2" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done; }
trap stop_all EXIT

passed=0
failed=0
ok() { echo "  ok    $*"; passed=$((passed + 1)); }
fail() { echo "  FAIL  $*"; failed=$((failed + 1)); }

port=$(free_port)
metrics_port=$(free_port)
issuer_port=$(free_port)
url="http://127.0.0.1:$port/mcp"
issuer_log="$cache/bridge-issuer.log"
proxy_log="$cache/bridge-proxy.log"

# The issuer: its first line is the token.
coproc issuer { exec "$python2" "$here/bridge_issuer.py" "$issuer_port" "$url" 2>"$issuer_log"; }
pids+=("$issuer_PID")
token=""
read -r -t 30 token <&"${issuer[0]}" || true
if [ -z "$token" ]; then
  echo "bridge: the issuer gave no token (log: $issuer_log)"; cat "$issuer_log"; exit 1
fi

MCP_PORT=$port MCP_HOST=127.0.0.1 MCP_METRICS_ADDR="127.0.0.1:$metrics_port" \
  MCP_AUTH_ISSUER="http://127.0.0.1:$issuer_port" MCP_AUTH_RESOURCE="$url" \
  MCP_AUTH_JWKS_URL="http://127.0.0.1:$issuer_port/jwks.json" \
  "$proxy" --stdio -- "$node" "$everything" stdio >"$proxy_log" 2>&1 &
proxy_pid=$!
pids+=("$proxy_pid")
up=0
for _ in $(seq 1 300); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/health"; then up=1; break; fi
  if ! kill -0 "$proxy_pid" 2>/dev/null; then break; fi
  sleep 0.1
done
if [ "$up" -ne 1 ]; then
  echo "bridge: mcp-proxy did not come up on port $port (log: $proxy_log)"; tail -n 20 "$proxy_log"; exit 1
fi
ok "mcp-proxy --stdio -- node server-everything stdio: serving at $url"

# No token: 401 with the challenge that points at the metadata.
status=$(curl -s -o /dev/null -D "$cache/bridge-401.headers" -w '%{http_code}' -X POST "$url" \
  -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}')
if [ "$status" = 401 ] && grep -qi '^www-authenticate: Bearer.*resource_metadata=' "$cache/bridge-401.headers"; then
  ok "no token: 401 with WWW-Authenticate resource_metadata"
else
  fail "no token: expected 401 with a resource_metadata challenge, got $status"
fi
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" -H 'authorization: Bearer not-a-token' \
  -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \
  -d '{"jsonrpc":"2.0","id":1,"method":"ping"}')
if [ "$status" = 401 ]; then ok "a bad token: 401"; else fail "a bad token: expected 401, got $status"; fi

# The official Python SDK, through the bridge, with the token.
client() {
  local name="$1"
  shift
  if timeout "$RUN_LIMIT" "$@" "$url" "$token" 2>>"$cache/bridge-client.log"; then
    passed=$((passed + 1))
  else
    fail "$name (stderr: $cache/bridge-client.log)"
  fi
}
: >"$cache/bridge-client.log"
client "python mcp 2.x, auto (2026-07-28)" "$python2" "$here/bridge_client.py" --mode auto
client "python mcp 2.x, legacy (2025-11-25)" "$python2" "$here/bridge_client.py" --mode legacy
client "python mcp 1.x (2025-11-25)" "$python1" "$here/bridge_client.py"

# The proxied calls, counted: three runs, one call of each tool per run.
metrics=$(curl -s "http://127.0.0.1:$metrics_port/metrics")
for tool in echo get-sum trigger-sampling-request; do
  line=$(grep -F "mcp_requests_total{mcp_method_name=\"tools/call\",gen_ai_tool_name=\"$tool\",outcome=\"ok\"}" <<<"$metrics")
  if [ "${line##* }" = 3 ]; then
    ok "/metrics: $line"
  else
    fail "/metrics: expected 3 successful $tool calls, found: ${line:-nothing}"
  fi
done
line=$(grep -F 'mcp_http_rejections_total{reason="auth"}' <<<"$metrics")
if [ -n "$line" ] && [ "${line##* }" -ge 2 ]; then ok "/metrics: $line"; else fail "/metrics: the 401s are not counted: ${line:-nothing}"; fi

echo
echo "bridge: $passed passed, $failed failed (a Python SDK run counts once; logs: $proxy_log, $cache/bridge-client.log)"
[ "$failed" -eq 0 ]
