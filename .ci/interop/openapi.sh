#!/usr/bin/env bash
# Interoperability of OpenAPI tools: the official Python SDK clients (2.x in
# both eras, 1.x) call the tools made from the Petstore and library
# documents (openapi_python.py).
#
#   .ci/interop/openapi.sh target/debug/openapi_fixture_server
#
# Uses the same pinned venvs as run.sh (.ci/cache/interop-mcp{1,2}).
set -uo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 PATH/TO/openapi_fixture_server" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cache="$root/.ci/cache"
mkdir -p "$cache"
. "$here/setup.sh"
venv mcp2 "$here/requirements-mcp2.txt" || exit 1
venv mcp1 "$here/requirements-mcp1.txt" || exit 1

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log="$cache/interop-openapi-server.log"
MCP_PORT=$port MCP_HOST=127.0.0.1 "$bin" >"$log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null' EXIT
for _ in $(seq 1 100); do
  if curl -s -o /dev/null "http://127.0.0.1:$port/mcp"; then break; fi
  sleep 0.1
done
url="http://127.0.0.1:$port/mcp"
status=0
py="$here/openapi_python.py"
run() {
  printf '\n---- openapi interop: %s ----\n' "$1"
  shift
  "$@" || status=1
}
# Each client gets a fresh server: the Petstore keeps the pets it was given.
restart() {
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  MCP_PORT=$port MCP_HOST=127.0.0.1 "$bin" >>"$log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 100); do
    if curl -s -o /dev/null "$url"; then break; fi
    sleep 0.1
  done
}
run "python mcp 2.x (auto: 2026-07-28 stateless)" \
  "$cache/interop-mcp2/bin/python" "$py" --mode auto --expect-era stateless "$url"
restart
run "python mcp 2.x (legacy: 2025-11-25 session)" \
  "$cache/interop-mcp2/bin/python" "$py" --mode legacy --expect-era session "$url"
restart
run "python mcp 1.x (2025-11-25 session)" \
  "$cache/interop-mcp1/bin/python" "$py" --expect-era session "$url"
if [ "$status" -ne 0 ]; then
  echo "openapi interop: FAILED (server log: $log)"
  tail -n 30 "$log"
fi
exit "$status"
