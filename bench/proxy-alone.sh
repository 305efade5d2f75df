#!/usr/bin/env bash
# The proxy's own cost per call: mcp-proxy alone on CPU 0, its upstream
# (bench_server, stateless) and wrk (32 connections, stateless tools/call)
# on CPU 1. Prints wrk's rate and the CPU time each process used per call
# over a window in the middle of the run (from /proc/PID/stat). Compare two
# proxy builds by running it for each, alternating. With --direct, the
# upstream alone on CPU 0 takes wrk's calls: the direct call to compare with.
#
#   bench/proxy-alone.sh [PROXY_BINARY] [--direct] [--duration S]
#
# Needs wrk (apt-get install -y wrk) and `cargo build --release --example
# bench_server` (BENCH_UPSTREAM overrides its path); PROXY_BINARY defaults
# to target/release/mcp-proxy (`cargo build --release -p quickmcp-proxy`).
set -euo pipefail
cd "$(dirname "$0")/.."
proxy=target/release/mcp-proxy duration=8 direct=0
while (($#)); do
    case $1 in
    --duration) duration=${2:?}; shift 2 ;;
    --direct) direct=1; shift ;;
    *) proxy=$1; shift ;;
    esac
done
upstream=${BENCH_UPSTREAM:-target/release/examples/bench_server}
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
up=$(port) front=$(port)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
MCP_STATELESS=on MCP_PORT=$up MCP_RATE_LIMIT=off taskset -c $((1 - direct)) "$upstream" >"$work/upstream.log" 2>&1 &
upstream_pid=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$up/mcp" && break; sleep 0.05; done
if ((direct)); then
    front=$up proxy_pid=$upstream_pid
else
    MCP_STATELESS=on MCP_PORT=$front MCP_RATE_LIMIT=off RUST_LOG=warn taskset -c 0 "$proxy" "http://127.0.0.1:$up/mcp" >"$work/proxy.log" 2>&1 &
    proxy_pid=$!
fi
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$front/mcp" && break; sleep 0.05; done
printf 'Content-Type: application/json\nAccept: application/json, text/event-stream\nMCP-Protocol-Version: 2025-11-25\n' >"$work/headers"
export BENCH_HEADERS=$work/headers
export BENCH_BODY='{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}'
taskset -c 1 wrk -t1 -c32 -d"${duration}s" -s bench/server/wrk/call.lua "http://127.0.0.1:$front/mcp" >"$work/wrk.out" 2>&1 &
wrk_pid=$!
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
window=$((duration / 2))
sleep $(((duration - window) / 2))
p1=$(ticks $proxy_pid) u1=$(ticks $upstream_pid) t1=$(date +%s.%N)
sleep "$window"
p2=$(ticks $proxy_pid) u2=$(ticks $upstream_pid) t2=$(date +%s.%N)
wait $wrk_pid || true
rate=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.out")
[ -n "$rate" ] || { cat "$work"/*.out "$work"/*.log >&2; exit 1; }
hz=$(getconf CLK_TCK)
python3 - "$direct" "$rate" "$p1" "$p2" "$u1" "$u2" "$t1" "$t2" "$hz" <<'PY'
import sys
direct, rate, p1, p2, u1, u2, t1, t2, hz = map(float, sys.argv[1:])
calls = rate * (t2 - t1)
front = f"{1e6 * (p2 - p1) / hz / calls:.1f} us ({100 * (p2 - p1) / hz / (t2 - t1):.0f} % of its CPU)"
if direct:
    print(f"{rate:,.0f} calls/s; CPU per call: direct {front}")
else:
    print(f"{rate:,.0f} calls/s; CPU per call: proxy {front}, upstream {1e6 * (u2 - u1) / hz / calls:.1f} us")
PY
