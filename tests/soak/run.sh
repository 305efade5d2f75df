#!/usr/bin/env bash
# Chaos soak: three replicas of examples/transactions and two of
# examples/tasks sharing a private Redis behind nginx, mixed traffic from
# several clients while replicas are killed and frozen and Redis is
# restarted and paused (soak.py does both, then checks). Loopback only;
# every wait is bounded.
#
#   cargo build --release -p mcp-examples --example transactions --example tasks --features redis
#   tests/soak/run.sh target/release/examples [SECS]      # SECS: SOAK_SECS, else 60
#
# SOAK_REDIS picks the Redis (redis_nodes.py starts it):
#   single   one redis-server (default); chaos restarts it empty and pauses it
#   cluster  three primaries, three replicas; chaos SIGKILLs the primary of a
#            random session's slot, waits for its replica's promotion, restarts
#            the dead node (it rejoins as a replica), and CLIENT PAUSEs a primary
#   tls      one TLS-only redis-server, an ACL user, a CA made here and trusted
#            by the replicas through SSL_CERT_FILE; chaos as for single
set -euo pipefail
bin_dir=$(realpath "$1")
secs=${2:-${SOAK_SECS:-60}}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/soak.XXXXXX)
# A private copy: a rebuild during the run must not change what restarts.
cp "$bin_dir/transactions" "$bin_dir/tasks" "$work/"
pids=()
cleanup() {
  # What we started, and what soak.py started (the replicas, Redis),
  # by pid; SIGCONT first in case the run stopped while one was frozen.
  local all=("${pids[@]}")
  if [ -f "$work/spawned.pids" ]; then mapfile -t -O "${#all[@]}" all <"$work/spawned.pids"; fi
  for pid in "${all[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
  sleep 0.5
  for pid in "${all[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "logs: $work"
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {  # at most 10 s
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1"; return 1
}

mode=${SOAK_REDIS:-single}
# Its nodes' pids go to spawned.pids, which cleanup kills.
redis_url=$(python3 "$here/redis_nodes.py" start "$mode" "$work/redis" "$work/spawned.pids")
if [ "$mode" = tls ]; then
  # No environment setting takes a private CA: the replicas (rustls-native-certs) trust it this way.
  export SSL_CERT_FILE="$work/redis/ca.pem"
fi

state_keys="soak:$(head -c 32 /dev/urandom | base64 | tr -d '=+/')"
# soak.py starts the replicas (and so knows how each one ended).
ports=()
upstreams=""
for n in 1 2 3; do
  port=$(free_port)
  ports+=("$port")
  # fail_timeout short: a restarted replica is back in rotation within 2 s.
  upstreams+="server 127.0.0.1:$port max_fails=1 fail_timeout=2s; "
done
# Two replicas of the tasks example, at /tasks/mcp (tests/soak/tasks_traffic.py).
task_ports=()
task_upstreams=""
for n in 1 2; do
  port=$(free_port)
  task_ports+=("$port")
  task_upstreams+="server 127.0.0.1:$port max_fails=1 fail_timeout=2s; "
done

nginx_port=$(free_port)
mkdir -p "$work/logs"
sed -e "s|@PREFIX@|$work|g" -e "s|@PORT@|$nginx_port|g" -e "s|@UPSTREAMS@|$upstreams|" -e "s|@TASK_UPSTREAMS@|$task_upstreams|" "$here/nginx.conf" >"$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
pids+=($!)
wait_port "$nginx_port"

status=0
# The soak bounds itself; timeout is the backstop (SECS plus checks and the idle expiry).
timeout --signal=INT --kill-after=10 $((secs + 150)) \
  python3 "$here/soak.py" --url "http://127.0.0.1:$nginx_port/mcp" --secs "$secs" \
    --replica-ports "$(IFS=,; echo "${ports[*]}")" --redis-dir "$work/redis" \
    --replica-cmd "$here/replica.sh $work/transactions {port} $redis_url $state_keys" \
    --task-ports "$(IFS=,; echo "${task_ports[*]}")" \
    --task-cmd "$here/replica.sh $work/tasks {port} $redis_url $state_keys" \
    --work "$work" || status=$?
if [ "$status" -ne 0 ]; then
  for log in "$work"/replica*.log "$work/error.log" "$work"/redis/redis-*.log; do echo "--- $log (last 15 lines)"; tail -n 15 "$log"; done
fi
exit $status
