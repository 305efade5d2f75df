#!/usr/bin/env bash
# The server benchmark: our examples/bench_server beside rmcp, other Rust MCP
# frameworks and a plain axum JSON-RPC handler (the floor), all serving
# tools/call add(a, b). Closed loop (wrk: throughput, p50/p99) and open loop
# (bench/server/peers/openloop: latency at constant request rates). Writes
# raw results, report.md and SVG plots to bench/server/out/. See README.md.
#
#   bench/server/run.sh [--duration S] [--rounds N] [--conns '1 32']
#                       [--peers 'rmcp tower-mcp turbomcp pmcp'|all]
#                       [--modes 'stateless stateless-2026 stateful']
#                       [--server NAME=CMD]... [--open-loop '25 50 75 90'|off]
#                       [--fixed-rate R] [--open-servers LIST|all]
#                       [--open-duration S] [--warmup S] [--idle-sessions N]
#                       [--check-all] [--no-build]
#
# The server runs pinned to SERVER_CPU (0), the load generator to LOAD_CPU (1).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

usage() {
    sed -n '8,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    cat <<'EOF'

  --duration S       seconds per measurement (default 5)
  --rounds N         repeat the closed and the open loop N times; tables show
                     medians (default 2)
  --conns LIST       closed-loop connection counts (default '1 32')
  --peers LIST       frameworks beside the floor: rmcp (always), tower-mcp,
                     turbomcp, pmcp, or all (default rmcp)
  --modes LIST       stateless (2025-11-25, no session), stateless-2026
                     (2026-07-28 era), stateful (2025-11-25 sessions); default all
  --server NAME=CMD  one more server, measured like ours (repeatable), e.g.
                     --server 'redis=REDIS_URL=redis://127.0.0.1:6379 target/release/examples/bench_server'
  --open-loop LIST   open-loop rates as percentages of each server's own
                     closed-loop maximum (default '25 50 75 90'; off: none)
  --fixed-rate R     one more open-loop rate, the same for every server
                     (default 10000; 0: none)
  --open-servers L   servers measured in open loop (default 'quickmcp rmcp
                     floor' plus every --server; all: every server)
  --open-duration S  seconds per open-loop point (default: --duration, at
                     most 4)
  --open-conns N     connections of the open-loop generator (default: the
                     largest of --conns)
  --warmup S         unrecorded load before a server's measurements (default 2)
  --idle-sessions N  also the memory of N idle sessions on every server that
                     has sessions: RSS growth / N (default 0: not measured)
  --check-all        wrk checks every answer's sum too (slows wrk itself);
                     otherwise every run is followed by 20 checked calls
  --out DIR          output directory (default bench/server/out)
  --no-build         use the binaries already built

Environment: SERVER_CPU (0), LOAD_CPU (1), READY_TIMEOUT (60 s),
SERVER_TARGET_DIR (our build: CARGO_TARGET_DIR, else target/),
PEERS_TARGET_DIR (bench/server/peers/target).
EOF
}

duration=5 rounds=2 conns='1 32' peers_arg=rmcp modes='stateless stateless-2026 stateful'
open_pcts='25 50 75 90' fixed_rate=10000 open_servers='' open_duration='' open_conns=''
warmup=2 idle_sessions=0 check_all=0 build=1 out=$here/out
extra=()
while (($#)); do
    case $1 in
    --duration) duration=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --conns) conns=${2:?}; shift 2 ;;
    --peers) peers_arg=${2:?}; shift 2 ;;
    --modes) modes=${2:?}; shift 2 ;;
    --server) extra+=("${2:?--server needs NAME=CMD}"); shift 2 ;;
    --open-loop) open_pcts=${2?}; shift 2 ;;
    --fixed-rate) fixed_rate=${2:?}; shift 2 ;;
    --open-servers) open_servers=${2:?}; shift 2 ;;
    --open-duration) open_duration=${2:?}; shift 2 ;;
    --open-conns) open_conns=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --idle-sessions) idle_sessions=${2:?}; shift 2 ;;
    --check-all) check_all=1; shift ;;
    --out) out=${2:?}; shift 2 ;;
    --no-build) build=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
    esac
done

die() { echo "bench: error: $*" >&2; exit 1; }
note() { echo "bench: $*" >&2; }

is_count() { [[ $1 =~ ^[0-9]+$ ]] && (($1 > 0)); }
is_count "$duration" || die "--duration: whole seconds"
is_count "$rounds" || die "--rounds: a positive count"
[[ $warmup =~ ^[0-9]+$ ]] || die "--warmup: whole seconds"
[[ $fixed_rate =~ ^[0-9]+$ ]] || die "--fixed-rate: requests per second"
[[ $idle_sessions =~ ^[0-9]+$ ]] || die "--idle-sessions: a count"
for c in $conns; do is_count "$c" || die "--conns: '$c' is not a positive count"; done
for m in $modes; do
    [[ $m =~ ^(stateless|stateless-2026|stateful)$ ]] || die "--modes: unknown mode '$m'"
done
[[ $open_pcts == off ]] && open_pcts=''
for p in $open_pcts; do
    if ! [[ $p =~ ^[0-9]+$ ]] || ((p == 0 || p > 100)); then die "--open-loop: '$p' is not a percentage"; fi
done
open_duration=${open_duration:-$((duration < 4 ? duration : 4))}
is_count "$open_duration" || die "--open-duration: whole seconds"
max_conns=$(tr ' ' '\n' <<<"$conns" | sort -n | tail -n 1)
open_conns=${open_conns:-$max_conns}
is_count "$open_conns" || die "--open-conns: a positive count"

frameworks=(rmcp tower-mcp turbomcp pmcp)
[[ $peers_arg == all ]] && peers_arg="${frameworks[*]}"
peers=(rmcp)
for p in $peers_arg; do
    [[ " ${frameworks[*]} " == *" $p "* ]] || die "--peers: unknown '$p' (known: ${frameworks[*]}, all)"
done
for p in "${frameworks[@]:1}"; do
    if [[ " $peers_arg " == *" $p "* ]]; then peers+=("$p"); fi
done
extra_names=()
for e in "${extra[@]}"; do
    [[ $e =~ ^[a-z][a-z0-9-]*=.+ ]] || die "--server '$e': expected NAME=CMD (NAME: a-z, 0-9, -)"
    name=${e%%=*}
    [[ " quickmcp floor ${frameworks[*]} ${extra_names[*]} " != *" $name "* ]] || die "--server: '$name' is taken"
    extra_names+=("$name")
done
if [[ -z $open_servers ]]; then
    open_servers="quickmcp rmcp floor ${extra_names[*]}"
elif [[ $open_servers == all ]]; then
    open_servers="quickmcp ${extra_names[*]} ${peers[*]} floor"
fi

server_cpu=${SERVER_CPU:-0} load_cpu=${LOAD_CPU:-1} ready_timeout=${READY_TIMEOUT:-60}
server_target=${SERVER_TARGET_DIR:-${CARGO_TARGET_DIR:-$repo/target}}
peers_target=${PEERS_TARGET_DIR:-$here/peers/target}
server_bin=$server_target/release/examples/bench_server
peers_bin=$peers_target/release
for tool in python3 taskset setsid cargo; do
    command -v "$tool" >/dev/null || die "$tool not found"
done
(($(nproc) >= 2)) || note "warning: one CPU: server and load share it"

if ! command -v wrk >/dev/null; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        note "installing wrk (apt-get install -y wrk)"
        { apt-get update -qq && apt-get install -y -qq wrk; } >/dev/null || die "apt-get install wrk failed"
    else
        die "wrk not found (Debian: apt-get install -y wrk)"
    fi
fi

if ((build)); then
    started=$SECONDS
    note "building examples/bench_server (release) in $server_target"
    (cd "$repo" && CARGO_TARGET_DIR=$server_target cargo build --release --quiet --example bench_server) \
        || die "building bench_server failed"
    # One cargo invocation per framework: features of shared dependencies
    # that one framework turns on must not reach another.
    groups=("peer-floor peer-rmcp openloop")
    for p in "${peers[@]:1}"; do groups+=("peer-$p"); done
    for group in "${groups[@]}"; do
        note "building $group (release, --locked) in $peers_target"
        packages=()
        for p in $group; do packages+=(-p "$p"); done
        cargo build --release --locked --quiet --manifest-path "$here/peers/Cargo.toml" \
            --target-dir "$peers_target" "${packages[@]}" || die "building $group failed"
    done
    note "built in $((SECONDS - started)) s"
fi
for bin in "$server_bin" "$peers_bin/openloop" "$peers_bin/peer-floor"; do
    [[ -x $bin ]] || die "missing $bin (run without --no-build)"
done
for p in "${peers[@]}"; do
    [[ -x $peers_bin/peer-$p ]] || die "missing $peers_bin/peer-$p (run without --no-build)"
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
raw=$out/raw
rm -rf "$raw"
mkdir -p "$raw"
closed=$out/closed.tsv open=$out/open.tsv
printf 'server\tmode\tconns\tround\trps\tp50_us\tp99_us\terrors\twrong\tchecks_ok\tchecks\tserver_cpu\tother_cpu\n' >"$closed"
printf 'server\tsessions\tkib_per_session\n' >"$out/memory.tsv"
printf 'server\tmode\tround\tpct\toffered\tachieved\tp50_us\tp90_us\tp99_us\tp999_us\tmax_us\terrors\twrong\tunfinished\tserver_cpu\tother_cpu\n' >"$open"

probe() { taskset -c "$load_cpu" python3 "$here/probe.py" "$@"; }
era_of() { [[ $1 == stateless-2026 ]] && echo 2026 || echo 2025; }
bench_mode_of() { [[ $1 == stateful ]] && echo stateful || echo stateless; }

# The modes each server has. turbomcp needs a session for tools/call; the
# floor has no sessions. stateless-2026 is tried on every server that has
# stateless and skipped when it does not answer that era.
modes_of() {
    case $1 in
    turbomcp) echo stateful ;;
    floor) echo stateless stateless-2026 ;;
    *) echo stateless stateless-2026 stateful ;;
    esac
}

cmd_of() {
    local name=$1 e
    case $name in
    quickmcp) printf '%q' "$server_bin" ;;
    floor | rmcp | tower-mcp | turbomcp | pmcp) printf '%q' "$peers_bin/peer-$name" ;;
    *) for e in "${extra[@]}"; do if [[ ${e%%=*} == "$name" ]]; then printf '%s' "${e#*=}"; fi; done ;;
    esac
}

# Every server measured in closed loop, in table order.
servers=(quickmcp "${extra_names[@]}" "${peers[@]}" floor)

group='' server_pid='' url=''
stop_server() {
    [[ -n $group ]] || return 0
    if kill -TERM -- "-$group" 2>/dev/null; then
        for _ in $(seq 50); do
            ps -e -o pgid=,stat= | awk -v g="$group" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }' \
                || break
            sleep 0.1
        done
        kill -KILL -- "-$group" 2>/dev/null || true
    fi
    wait "$group" 2>/dev/null || true
    group=''
}
trap stop_server EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME MODE: started alone on SERVER_CPU in a process group of
# its own; returns 1 when it does not answer this mode's era (skip it).
start_server() {
    local name=$1 mode=$2 port log status=0
    port=$(probe port)
    url=http://127.0.0.1:$port/mcp
    log=$raw/server-$name-$mode.log
    MCP_HOST=127.0.0.1 MCP_PORT=$port BENCH_MODE=$(bench_mode_of "$mode") MCP_MAX_SESSIONS=200000 \
        RUST_LOG=warn setsid taskset -c "$server_cpu" bash -c "$(cmd_of "$name")" >>"$log" 2>&1 </dev/null &
    group=$!
    probe ready "$url" --mode "$(bench_mode_of "$mode")" --pid "$group" --timeout "$ready_timeout" || status=$?
    if ((status)); then
        tail -n 5 "$log" >&2
        stop_server
        die "$name ($mode) did not answer tools/call add (see $log)"
    fi
    if [[ $mode == stateless-2026 ]] && ! probe check "$url" --mode stateless --era 2026 --count 1 >/dev/null 2>&1; then
        note "$name does not answer the 2026-07-28 era: no $name stateless-2026 rows"
        stop_server
        return 1
    fi
    server_pid=$(probe listener "$port") || die "no process listens on port $port"
}

# Files wrk reads: the body and the headers of MODE's requests.
request_files() {
    local mode=$1 prefix=$2 a=$3 b=$4
    probe request --era "$(era_of "$mode")" --a "$a" --b "$b" --id '{id}' >"$prefix.request"
    head -n 1 "$prefix.request" >"$prefix.body"
    tail -n +2 "$prefix.request" >"$prefix.headers"
}

run_wrk() {  # CONNS SECONDS SUMMARY_FILE
    local expect=''
    ((check_all)) && expect="\"text\":\"$sum\""
    BENCH_BODY=$(cat "$req.body") BENCH_HEADERS=$req.headers BENCH_SESSIONS=$sessions \
        BENCH_EXPECT=$expect BENCH_SUMMARY=$3 \
        taskset -c "$load_cpu" wrk -t1 -c"$1" -d"$2s" --timeout 5s -s "$here/wrk/call.lua" "$url" \
        >"$3.out" 2>&1 || die "wrk failed: $(tail -n 3 "$3.out")"
}

field() { tr ' ' '\n' <"$2" | awk -F= -v k="$1" '$1 == k { print $2 }'; }

# cpu_shares: from T0/T1 (the server's ticks), B0/B1 (the server CPU's busy
# ticks) and S0/S1 (nanoseconds), sets CPU (the server's share of one core,
# %) and OTHER (what other processes took of the server's CPU, %).
cpu_shares() {
    read -r CPU OTHER < <(awk -v t=$((t1 - t0)) -v b=$((b1 - b0)) -v hz="$clk_tck" -v ns=$((s1 - s0)) \
        'BEGIN { s = ns / 1e9; o = (b - t) / hz / s; if (o < 0) o = 0; printf "%.0f %.0f\n", 100 * t / hz / s, 100 * o }')
}

closed_loop() {  # NAME MODE ROUND
    local name=$1 mode=$2 round=$3 c tag t0 t1 b0 b1 s0 s1 checks CPU OTHER
    start_server "$name" "$mode" || return 0
    sessions=''
    if [[ $mode == stateful ]]; then
        sessions=$raw/$name-$mode-r$round.sessions
        probe sessions "$url" --count "$max_conns" --out "$sessions" || die "$name: could not open sessions"
    fi
    req=$raw/$name-$mode
    request_files "$mode" "$req" "$arg_a" "$arg_b"
    if ((warmup > 0)); then
        run_wrk "$max_conns" "$warmup" "$raw/$name-$mode-r$round-warmup.txt"
    fi
    for c in $conns; do
        tag=$raw/$name-$mode-c$c-r$round.txt
        t0=$(probe cpu "$server_pid") b0=$(probe cpu-busy "$server_cpu") s0=$(date +%s%N)
        run_wrk "$c" "$duration" "$tag"
        t1=$(probe cpu "$server_pid") b1=$(probe cpu-busy "$server_cpu") s1=$(date +%s%N)
        checks=$(probe check "$url" --mode "$(bench_mode_of "$mode")" --era "$(era_of "$mode")" \
            --count 20 ${sessions:+--sessions "$sessions"} 2>>"$tag.checks") || true
        cpu_shares
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mode" "$c" "$round" \
            "$(field rps "$tag")" "$(field p50_us "$tag")" "$(field p99_us "$tag")" \
            "$(field errors "$tag")" "$(field wrong "$tag")" "${checks% *}" "${checks#* }" "$CPU" "$OTHER" >>"$closed"
        note "$(printf '%-10s %-15s c%-3s r%s %9s req/s  p99 %6s us  errors %s  checks %s  cpu: server %s%%, others on its core %s%%' \
            "$name" "$mode" "$c" "$round" "$(field rps "$tag")" "$(field p99_us "$tag")" \
            "$(field errors "$tag")" "${checks/ //}" "$CPU" "$OTHER")"
    done
    stop_server
}

open_loop() {  # NAME MODE ROUND
    local name=$1 mode=$2 round=$3 max pct rate label tag t0 t1 b0 b1 s0 s1 CPU OTHER line
    max=$(python3 "$here/report.py" max "$closed" "$name" "$mode" "$max_conns")
    if [[ -z $max ]]; then
        note "no closed-loop maximum for $name $mode: no open-loop rows"
        return 0
    fi
    start_server "$name" "$mode" || return 0
    sessions=''
    if [[ $mode == stateful ]]; then
        sessions=$raw/$name-$mode-open-r$round.sessions
        probe sessions "$url" --count "$open_conns" --out "$sessions" || die "$name: could not open sessions"
    fi
    req=$raw/$name-$mode
    request_files "$mode" "$req" "$arg_a" "$arg_b"
    local headers=()
    while IFS= read -r line; do headers+=(-H "$line"); done <"$req.headers"
    if ((warmup > 0)); then
        run_wrk "$open_conns" "$warmup" "$raw/$name-$mode-open-r$round-warmup.txt"
    fi
    local points=()
    for pct in $open_pcts; do points+=("$pct $((max * pct / 100))"); done
    if ((fixed_rate > 0)); then
        points+=("fixed $fixed_rate")
    fi
    for point in "${points[@]}"; do
        pct=${point% *} rate=${point#* } label="$pct %"
        if [[ $pct == fixed ]]; then label=fixed; fi
        ((rate > 0)) || continue
        tag=$raw/$name-$mode-open-$pct-r$round.txt
        t0=$(probe cpu "$server_pid") b0=$(probe cpu-busy "$server_cpu") s0=$(date +%s%N)
        taskset -c "$load_cpu" "$peers_bin/openloop" --url "$url" --rate "$rate" --duration "$open_duration" \
            --warmup 0.5 --conns "$open_conns" "${headers[@]}" --body "$(cat "$req.body")" \
            ${sessions:+--sessions "$sessions"} --expect "\"text\":\"$sum\"" >"$tag" 2>"$tag.err" \
            || die "openloop failed: $(cat "$tag.err")"
        t1=$(probe cpu "$server_pid") b1=$(probe cpu-busy "$server_cpu") s1=$(date +%s%N)
        cpu_shares
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$mode" "$round" \
            "$pct" "$rate" "$(field achieved_rps "$tag")" "$(field p50_us "$tag")" "$(field p90_us "$tag")" \
            "$(field p99_us "$tag")" "$(field p999_us "$tag")" "$(field max_us "$tag")" \
            "$(field errors "$tag")" "$(field wrong "$tag")" "$(field unfinished "$tag")" "$CPU" "$OTHER" >>"$open"
        note "$(printf '%-10s %-15s open %6s %7s req/s: p50 %s p99 %s p99.9 %s us, errors %s wrong %s unfinished %s' \
            "$name" "$mode" "$label" "$rate" "$(field p50_us "$tag")" "$(field p99_us "$tag")" \
            "$(field p999_us "$tag")" "$(field errors "$tag")" "$(field wrong "$tag")" "$(field unfinished "$tag")")"
    done
    stop_server
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# session_memory NAME: RSS growth per idle session (initialize +
# notifications/initialized, then nothing), after 100 sessions to warm up.
session_memory() {
    local name=$1 before after
    start_server "$name" stateful || return 0
    probe sessions "$url" --count 100 --out "$raw/$name-idle-warm.sessions" || die "$name: could not open sessions"
    sleep 1
    before=$(rss_kib "$server_pid")
    probe sessions "$url" --count "$idle_sessions" --out "$raw/$name-idle.sessions" || die "$name: could not open sessions"
    sleep 1
    after=$(rss_kib "$server_pid")
    probe check "$url" --mode stateful --count 5 --sessions "$raw/$name-idle.sessions" >/dev/null \
        || note "$name: idle sessions did not answer afterwards"
    stop_server
    awk -v n="$name" -v c="$idle_sessions" -v d=$((after - before)) 'BEGIN { printf "%s\t%d\t%.2f\n", n, c, d / c }' \
        >>"$out/memory.tsv"
    note "$name: $(tail -n 1 "$out/memory.tsv" | cut -f 3) KiB per idle session ($idle_sessions sessions)"
}

clk_tck=$(getconf CLK_TCK)
arg_a=$((RANDOM * 1000 + RANDOM)) arg_b=$((RANDOM * 1000 + RANDOM))
sum=$((arg_a + arg_b))
sessions='' req=''
versions=$(awk '/^name = "(rmcp|tower-mcp|turbomcp|pmcp)"$/ { n = $3; getline; printf "%s %s, ", n, $3 }' \
    "$here/peers/Cargo.lock" | tr -d '"')
note "$versions$(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2); server on CPU $server_cpu, load on CPU $load_cpu"
note "closed loop: ${duration}s per point, conns: $conns, rounds: $rounds; out: $out"
started=$SECONDS
for ((round = 1; round <= rounds; round++)); do
    for mode in $modes; do
        for name in "${servers[@]}"; do
            if [[ " $(modes_of "$name") " == *" $mode "* ]]; then
                closed_loop "$name" "$mode" "$round"
            fi
        done
    done
done
if ((idle_sessions > 0)); then
    for name in "${servers[@]}"; do
        if [[ " $(modes_of "$name") " == *" stateful "* ]]; then session_memory "$name"; fi
    done
fi
if [[ -n $open_pcts || $fixed_rate -gt 0 ]]; then
    note "open loop: ${open_duration}s per point, $open_conns connections, rates: ${open_pcts:+$open_pcts % of each maximum}${fixed_rate:+, $fixed_rate req/s}"
    for ((round = 1; round <= rounds; round++)); do
        for mode in $modes; do
            for name in "${servers[@]}"; do
                if [[ " $open_servers " == *" $name "* && " $(modes_of "$name") " == *" $mode "* ]]; then
                    open_loop "$name" "$mode" "$round"
                fi
            done
        done
    done
fi
note "measured in $((SECONDS - started)) s"

python3 "$here/report.py" report "$out" --versions "${versions%, }" --duration "$duration" \
    --open-duration "$open_duration" --rounds "$rounds" --open-conns "$open_conns"
