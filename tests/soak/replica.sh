#!/usr/bin/env bash
# Starts one replica of the transactions example in the foreground (exec, so
# the caller's pid is the replica's): used by run.sh for the first start and
# by soak.py to restart a killed replica with the same settings.
#   replica.sh BIN PORT REDIS_URL STATE_KEYS
# (REDIS_URL as redis_nodes.py printed it: redis://, redis+cluster://, rediss://;
# for TLS the caller exports SSL_CERT_FILE=<the test CA>.)
# Short timeouts keep the soak quick: sessions idle for 10 s expire, a handler
# (a rollback waiting for its confirmation) gives up after 15 s.
set -euo pipefail
export REDIS_URL="$3" MCP_HOST=127.0.0.1 MCP_PORT="$2" MCP_STATE_KEYS="$4" \
  MCP_SESSION_TIMEOUT="${SOAK_SESSION_TIMEOUT:-10}" MCP_REQUEST_TIMEOUT=15 MCP_KEEP_ALIVE_SECS=2 \
  MCP_RATE_LIMIT=off MCP_TRUSTED_PROXIES=127.0.0.1 RUST_LOG="${RUST_LOG:-warn}"
exec "$1"
