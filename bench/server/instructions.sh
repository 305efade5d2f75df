#!/usr/bin/env bash
# Instructions per `tools/call` of a bench_server binary, counted by
# valgrind's callgrind: the difference between a run of LOW and one of HIGH
# sequential calls over one keep-alive connection, divided by HIGH - LOW, so
# start-up and shut-down cancel out. Unlike requests per second, the count
# is the same on a busy machine and a quiet one: compare two builds, or the
# eras, with it.
#
#   bench/server/instructions.sh BINARY [--modes 'stateless:2025 stateless:2026 stateful:2025']
#                                       [--low 1000] [--high 4000] [--keep DIR]
#
# BINARY is any server that run.sh can measure (examples/bench_server, or a
# peer that reads MCP_HOST/MCP_PORT/BENCH_MODE, such as the floor:
# bench/server/peers/target/release/peer-floor after a run.sh build). With
# --keep, the callgrind profiles of the HIGH runs stay in DIR
# (`callgrind_annotate --inclusive=yes` reads them; build with
# CARGO_PROFILE_RELEASE_DEBUG=line-tables-only for names and lines).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:?usage: $0 BINARY [--modes M] [--low N] [--high N] [--keep DIR]}
shift
modes='stateless:2025 stateless:2026 stateful:2025'
low=1000
high=4000
keep=
while [ $# -gt 0 ]; do
  case $1 in
    --modes) modes=$2; shift 2 ;;
    --low) low=$2; shift 2 ;;
    --high) high=$2; shift 2 ;;
    --keep) keep=$2; mkdir -p "$keep"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install -y valgrind)" >&2; exit 1; }
work=$(mktemp -d /tmp/instructions.XXXXXX)
trap 'rm -rf "$work"' EXIT

# count MODE ERA CALLS OUT: total instructions of a server run answering CALLS calls.
count() {
  local mode=$1 era=$2 calls=$3 out=$4 port pid sessions=()
  port=$(python3 "$here/probe.py" port)
  MCP_HOST=127.0.0.1 MCP_PORT=$port BENCH_MODE=$mode MCP_MAX_SESSIONS=200000 \
    valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" >"$work/server.log" 2>&1 &
  pid=$!
  python3 "$here/probe.py" ready "http://127.0.0.1:$port/mcp" --mode "$mode" --era "$era" --pid $pid --timeout 120 \
    || { cat "$work/server.log" >&2; kill $pid 2>/dev/null; return 1; }
  if [ "$mode" = stateful ]; then
    python3 "$here/probe.py" sessions "http://127.0.0.1:$port/mcp" --count 1 --out "$work/sessions"
    sessions=(--sessions "$work/sessions")
  fi
  python3 "$here/probe.py" check "http://127.0.0.1:$port/mcp" --mode "$mode" --era "$era" --count "$calls" \
    "${sessions[@]}" >/dev/null
  # A server that does not stop on SIGINT (the floor) gets SIGTERM after
  # 10 s; callgrind writes its profile either way.
  kill -INT $pid
  for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.2; done
  kill -TERM $pid 2>/dev/null || true
  wait $pid || true
  awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

echo "| mode | era | instructions per call |"
echo "| ---- | --- | --------------------: |"
for pair in $modes; do
  mode=${pair%%:*} era=${pair##*:}
  a=$(count "$mode" "$era" "$low" "$work/low.out")
  b=$(count "$mode" "$era" "$high" "$work/high.out")
  [ -n "$keep" ] && cp "$work/high.out" "$keep/callgrind.$mode-$era.out"
  echo "| $mode | $era | $(( (b - a) / (high - low) )) |"
done
