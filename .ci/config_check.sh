#!/usr/bin/env bash
# A bad value for each MCP_* variable stops the given server binary (the
# weather example in CI) at startup with a non-zero status and an error
# naming the variable.
#
#   .ci/config_check.sh target/release/examples/weather
set -uo pipefail
bin=$1
cases=(
  "MCP_HOST=" "MCP_PORT=80a" "MCP_PATH=mcp" "MCP_STATELESS=maybe" "MCP_ALLOWED_ORIGINS=,"
  "MCP_MAX_BODY=-1" "MCP_KEEP_ALIVE_SECS=0" "MCP_RATE_LIMIT=lots" "MCP_TRUSTED_PROXIES=proxy.local"
  "MCP_STREAM_BUFFER=1MB" "MCP_MAX_CONCURRENT=0" "MCP_MAX_CONNECTIONS=many" "MCP_HEADER_TIMEOUT_SECS=10s"
  "MCP_SHUTDOWN_GRACE_SECS=-5" "MCP_MAX_SESSIONS=0" "MCP_MAX_SESSIONS_PER_CLIENT=x" "MCP_SESSION_TIMEOUT=1h"
  "MCP_REQUEST_TIMEOUT=soon" "MCP_MAX_LISTENERS=none" "MCP_HEALTH_PATH=health" "MCP_READY_PATH=no"
  "MCP_STATE_KEYS=k1:short" "MCP_TASK_TTL=forever" "MCP_TASK_WORKERS=-1" "MCP_METRICS_ADDR=localhost"
)
failed=0
for case in "${cases[@]}"; do
  variable=${case%%=*}
  # Port 0: if a bad value were accepted, the server would start (and be killed by timeout).
  output=$(env MCP_PORT=0 "$case" timeout 10 "$bin" 2>&1 >/dev/null)
  status=$?
  if [ "$status" -eq 0 ] || [ "$status" -eq 124 ] || ! grep -q "$variable" <<<"$output"; then
    echo "config: FAILED for $case (status $status): $output"
    failed=1
  else
    echo "config: $case -> status $status: $(head -c 160 <<<"$output" | tr '\n' ' ')"
  fi
done
exit $failed
