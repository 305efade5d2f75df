#!/usr/bin/env bash
# The client benchmark: calls per second of mcp-client and of the official
# rmcp client (3.11.0, its streamable HTTP client transport), side by side
# against the project's examples/bench_server, and the memory each holds per
# idle connection. Prints markdown tables; raw lines go to bench/client/out/.
#
#   bench/client/run.sh [--duration S] [--warmup S] [--rounds N] [--conc 'LIST']
#                       [--modes 'LIST'] [--idle N] [--no-build]
#
# Modes: session (2025-11-25 with Mcp-Session-Id, stateful server),
# stateless (2025-11-25 initialize, no session, stateless server),
# stateless-2026 (the 2026-07-28 era, server/discover, stateless server).
# Each round runs both clients one after the other on the same server
# (alternating which goes first); the tables show medians over rounds.
# The server is pinned to SERVER_CPU (0), the client to LOAD_CPU (1).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
duration=5 warmup=1 rounds=2 conc='1 32' modes='session stateless stateless-2026' idle=500 build=1
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --conc) conc=$2; shift 2 ;;
    --modes) modes=$2; shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
server_cpu=${SERVER_CPU:-0} load_cpu=${LOAD_CPU:-1}
server_target=${SERVER_TARGET_DIR:-${CARGO_TARGET_DIR:-$repo/target}}
client_target=${CLIENT_TARGET_DIR:-$here/target}
out=$here/out
mkdir -p "$out"
results=$out/results.txt
: >"$results"

if [ "$build" = 1 ]; then
  # Both with cargo's stock release profile.
  (cd "$repo" && CARGO_TARGET_DIR=$server_target cargo build --release --example bench_server)
  (cd "$here" && CARGO_TARGET_DIR=$client_target cargo build --release)
fi
server_bin=$server_target/release/examples/bench_server
client_bin=$client_target/release/client-bench

pin() {  # cpu command...
  local cpu=$1; shift
  if command -v taskset >/dev/null; then taskset -c "$cpu" "$@"; else "$@"; fi
}

# Idle clients hold two connections each (session: the POST pool and the GET stream).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" || true

server_pid=
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}
trap stop_server EXIT

start_server() {  # stateless|stateful
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local launcher=()
  if command -v taskset >/dev/null; then launcher=(taskset -c "$server_cpu"); fi
  # Started directly (not through a function's subshell): $! is the server.
  MCP_HOST=127.0.0.1 MCP_PORT=$port BENCH_MODE=$1 MCP_MAX_SESSIONS=200000 RUST_LOG=warn \
    "${launcher[@]}" "$server_bin" >"$out/server-$1.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      url=http://127.0.0.1:$port/mcp
      return
    fi
    sleep 0.1
  done
  echo "bench_server did not start; see $out/server-$1.log" >&2
  exit 1
}

server_mode() { [ "$1" = session ] && echo stateful || echo stateless; }

for mode in $modes; do
  start_server "$(server_mode "$mode")"
  for round in $(seq "$rounds"); do
    if [ $((round % 2)) = 1 ]; then order='ours rmcp'; else order='rmcp ours'; fi
    for c in $conc; do
      for client in $order; do
        line=$(pin "$load_cpu" "$client_bin" calls --client "$client" --mode "$mode" --url "$url" \
          --conc "$c" --duration "$duration" --warmup "$warmup")
        echo "$line round=$round" | tee -a "$results" >&2
      done
    done
  done
  stop_server
done

if [ "$idle" -gt 0 ]; then
  for mode in session stateless; do
    start_server "$(server_mode "$mode")"
    for client in ours ours-shared rmcp; do
      line=$(pin "$load_cpu" "$client_bin" idle --client "$client" --mode "$mode" --url "$url" --clients "$idle")
      echo "$line" | tee -a "$results" >&2
    done
    stop_server
  done
fi

python3 - "$results" "$rounds" "$duration" <<'EOF'
import statistics, sys
from collections import defaultdict
path, rounds, duration = sys.argv[1], sys.argv[2], sys.argv[3]
rates = {}
calls, cpus, errors, idle = defaultdict(list), defaultdict(list), defaultdict(int), {}
for line in open(path):
    f = line.split()
    if f[0] == "calls":
        _, client, mode, conc, rate, errs, cpu = f[:7]
        calls[(mode, int(conc), client)].append(float(rate))
        rates[(mode, int(conc), client, line.split("round=")[1].strip())] = float(rate)
        cpus[(mode, int(conc), client)].append(float(cpu))
        errors[(mode, int(conc), client)] += int(errs)
    elif f[0] == "idle":
        _, client, mode, n, kib = f[:5]
        idle[(mode, client)] = (int(n), float(kib))
names = {"Session": "session (2025-11-25)", "Stateless": "stateless (2025-11-25)", "Stateless2026": "stateless (2026-07-28)"}
print(f"\nCalls per second, one client, N calls in flight (medians of {rounds} rounds of {duration} s; the ratio is the median of each round's ratio):\n")
print("| mode | calls in flight | mcp-client calls/s | rmcp calls/s | mcp-client / rmcp | client CPU µs/call: mcp-client | rmcp |")
print("| ---- | --------------: | -----------------: | -----------: | ----------------: | -----------------------------: | ---: |")
for mode, conc in sorted({(m, c) for m, c, _ in calls}, key=lambda k: (list(names).index(k[0]), k[1])):
    ours, rmcp = (statistics.median(calls.get((mode, conc, c), [0])) for c in ("ours", "rmcp"))
    bad = sum(errors[(mode, conc, c)] for c in ("ours", "rmcp"))
    # The median of each round's ratio: the two clients of a round ran back
    # to back, under much the same noise.
    paired = [rates[(mode, conc, "ours", r)] / rates[(mode, conc, "rmcp", r)]
              for (m, c, cl, r) in rates if (m, c, cl) == (mode, conc, "ours") and rates.get((mode, conc, "rmcp", r))]
    ratio = f"{statistics.median(paired):.2f}" if paired else "n/a"
    note = f" ({bad} errors)" if bad else ""
    cpu_ours, cpu_rmcp = (statistics.median(cpus.get((mode, conc, c), [0])) for c in ("ours", "rmcp"))
    print(f"| {names[mode]} | {conc} | {ours:.0f} | {rmcp:.0f} | **{ratio}**{note} | {cpu_ours:.0f} | {cpu_rmcp:.0f} |")
if idle:
    print("\nMemory per idle connected client (RSS growth of one process holding N clients):\n")
    print("| mode | clients | mcp-client KiB/client | mcp-client, one shared reqwest::Client | rmcp KiB/client |")
    print("| ---- | ------: | --------------------: | -------------------------------------: | --------------: |")
    for mode in ("Session", "Stateless"):
        if (mode, "ours") in idle:
            n, ours = idle[(mode, "ours")]
            shared, rmcp = (idle.get((mode, c), (n, float("nan")))[1] for c in ("ours-shared", "rmcp"))
            print(f"| {names[mode]} | {n} | {ours:.1f} | {shared:.1f} | {rmcp:.1f} |")
EOF
