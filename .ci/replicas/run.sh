#!/usr/bin/env bash
# Three replicas of examples/transactions as separate processes, a private
# Redis they share, and nginx round-robin in front; then client.py drives one
# session through the balancer, kills a replica mid-stream, and checks that
# no event is lost or repeated and that no key outlives its session.
#
#   .ci/replicas/run.sh target/release/examples/transactions   # built with --features redis
#
# With `-- COMMAND ARGS` after the binary, COMMAND runs instead of client.py,
# with the balancer's URL as its last argument (.ci/interop/client.sh drives
# mcp-client through the replicas this way); REPLICAS sets how many (default 3).
#
# REPLICAS_REDIS picks the Redis, started by tests/soak/redis_nodes.py:
# single (default), cluster (three primaries, three replicas, a
# redis+cluster:// URL) or tls (a TLS-only redis-server, an ACL user, a CA
# made here that the replicas trust through SSL_CERT_FILE).
set -euo pipefail
bin=$(realpath "$1")
shift
client_command=()
if [ "${1:-}" = "--" ]; then
  shift
  client_command=("$@")
fi
events=${REPLICA_EVENTS:-10000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
  local all=("${pids[@]}")
  if [ -f "$work/redis.pids" ]; then mapfile -t -O "${#all[@]}" all <"$work/redis.pids"; fi
  for pid in "${all[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "nothing listens on port $1"; return 1
}

redis_url=$(python3 "$here/../../tests/soak/redis_nodes.py" start "${REPLICAS_REDIS:-single}" "$work/redis" "$work/redis.pids")
if [ "${REPLICAS_REDIS:-single}" = tls ]; then
  export SSL_CERT_FILE="$work/redis/ca.pem"  # the test CA: no environment setting takes a private CA
fi

replicas=()
upstreams=""
state_keys="ci:$(head -c 32 /dev/urandom | base64 | tr -d '=+/')"
for n in $(seq 1 "${REPLICAS:-3}"); do
  port=$(free_port)
  # One client sends hundreds of requests a second: no per-address rate limit.
  REDIS_URL="$redis_url" MCP_PORT=$port MCP_SESSION_TIMEOUT=6 MCP_STATE_KEYS="$state_keys" \
    MCP_RATE_LIMIT=off MCP_TRUSTED_PROXIES=127.0.0.1 \
    RUST_LOG=warn "$bin" >"$work/replica$n.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_port "$port"
  replicas+=("$port:$pid")
  upstreams+="server 127.0.0.1:$port max_fails=1 fail_timeout=30s; "
done

nginx_port=$(free_port)
mkdir -p "$work/logs"
sed -e "s|@PREFIX@|$work|g" -e "s|@PORT@|$nginx_port|g" -e "s|@UPSTREAMS@|$upstreams|" "$here/nginx.conf" >"$work/nginx.conf"
nginx -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
pids+=($!)
wait_port "$nginx_port"

status=0
if [ ${#client_command[@]} -gt 0 ]; then
  "${client_command[@]}" "http://127.0.0.1:$nginx_port/mcp" || status=1
  if [ "$status" -ne 0 ]; then
    for log in "$work"/replica*.log "$work/error.log" "$work"/redis/redis-*.log; do echo "--- $log"; tail -n 20 "$log"; done
  fi
  exit $status
fi
python3 "$here/client.py" --url "http://127.0.0.1:$nginx_port/mcp" --replicas "$(IFS=,; echo "${replicas[*]}")" \
  --redis-dir "$work/redis" --events "$events" || status=1
if [ "$status" -ne 0 ]; then
  for log in "$work"/replica*.log "$work/error.log" "$work"/redis/redis-*.log; do echo "--- $log"; tail -n 20 "$log"; done
fi
exit $status
