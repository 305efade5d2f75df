#!/usr/bin/env bash
# A flame graph of bench_server answering stateless `tools/call` under load:
# the server pinned to CPU 0, wrk (32 connections) on CPU 1, `perf record`
# sampling the server's stacks. The server is built with frame pointers in
# a target directory of its own (target/flamegraph), so stacks unwind
# cheaply and the usual release build is left alone. inferno (crates.io)
# folds the stacks and draws the SVG; the script installs it when missing.
#
#   bench/server/flamegraph.sh [--era 2025|2026] [--seconds 10] [--out FILE.svg]
#
# Needs perf (Debian: apt-get install linux-perf) and wrk; run as root or
# with kernel.perf_event_paranoid at most 1. Counts in the graph are
# samples (999 a second): a frame's width is its share of the server's CPU.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
era=2025
seconds=10
out=
while [ $# -gt 0 ]; do
  case $1 in
    --era) era=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ "$era" = 2025 ] || [ "$era" = 2026 ] || { echo "--era is 2025 or 2026" >&2; exit 2; }
out=${out:-$root/docs/flamegraph-stateless-$era.svg}
for tool in perf wrk taskset python3; do
  command -v $tool >/dev/null || { echo "$tool is needed (Debian: apt-get install -y linux-perf wrk)" >&2; exit 1; }
done

tools="${XDG_CACHE_HOME:-$HOME/.cache}/quickmcp-bench/inferno"
INFERNO_VERSION=0.12.8
if ! "$tools/bin/inferno-flamegraph" --version 2>/dev/null | grep -q "$INFERNO_VERSION"; then
  echo "installing inferno $INFERNO_VERSION into $tools"
  cargo install --quiet --locked --root "$tools" "inferno@$INFERNO_VERSION"
fi

echo "building bench_server with frame pointers (target/flamegraph)"
(cd "$root" && CARGO_TARGET_DIR=target/flamegraph RUSTFLAGS="-C force-frame-pointers=yes" \
  CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --quiet --release --example bench_server)
binary=$root/target/flamegraph/release/examples/bench_server

work=$(mktemp -d /tmp/flamegraph.XXXXXX)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 "$here/probe.py" port)
url="http://127.0.0.1:$port/mcp"
MCP_HOST=127.0.0.1 MCP_PORT=$port BENCH_MODE=stateless RUST_LOG=warn \
  taskset -c 0 "$binary" >"$work/server.log" 2>&1 &
server=$!
python3 "$here/probe.py" ready "$url" --mode stateless --era "$era" --pid $server --timeout 60 \
  || { cat "$work/server.log" >&2; exit 1; }
python3 "$here/probe.py" request --era "$era" --a 2 --b 3 --id 1 >"$work/request"
head -n 1 "$work/request" >"$work/body"
tail -n +2 "$work/request" >"$work/headers"

load() {  # SECONDS
  BENCH_BODY=$(cat "$work/body") BENCH_HEADERS=$work/headers BENCH_SUMMARY=$work/summary \
    taskset -c 1 wrk -t1 -c32 -d"$1s" --timeout 5s -s "$here/wrk/call.lua" "$url" >"$work/wrk.out"
}
load 2  # warm up
load "$seconds" &
loader=$!
sleep 1
perf record --quiet -F 999 -g -p "$server" -o "$work/perf.data" -- sleep $((seconds - 2)) 2>/dev/null
wait $loader
grep -E "Requests/sec" "$work/wrk.out" || true

perf script -i "$work/perf.data" 2>/dev/null | "$tools/bin/inferno-collapse-perf" >"$work/folded"
"$tools/bin/inferno-flamegraph" --title "bench_server, stateless tools/call, $era era, 32 connections" \
  --width 1400 --minwidth 0.5 <"$work/folded" >"$out"
echo "wrote $out ($(wc -l <"$work/folded") distinct stacks)"
