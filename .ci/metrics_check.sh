#!/usr/bin/env bash
# The weather example's /metrics, after a session, a tool call, a tool error
# and a refused origin, passes `promtool check metrics` (installed from
# Debian's prometheus package when missing) and holds those series.
#
#   .ci/metrics_check.sh target/release/examples/weather
set -uo pipefail
bin=$1
if ! command -v promtool >/dev/null; then
  { apt-get update -qq && apt-get install -y -qq prometheus; } >/dev/null 2>&1 || { echo "metrics: cannot install promtool"; exit 1; }
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MCP_PORT=$port "$bin" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
url="http://127.0.0.1:$port/mcp"
post() { curl -s -D - -o /dev/null -X POST "$url" -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' "$@"; }
session=$(post -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"ci","version":"1"}}}' | tr -d '\r' | awk -F': ' 'tolower($1)=="mcp-session-id"{print $2}')
headers=(-H "mcp-session-id: $session" -H 'mcp-protocol-version: 2025-11-25')
post "${headers[@]}" -d '{"jsonrpc":"2.0","method":"notifications/initialized"}' >/dev/null
post "${headers[@]}" -d '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"Paris"}}}' >/dev/null
post "${headers[@]}" -d '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_weather","arguments":{"city":"Atlantis"}}}' >/dev/null
post -H 'origin: https://evil.example' -d '{}' >/dev/null
metrics=$(curl -s "http://127.0.0.1:$port/metrics")
status=0
promtool check metrics <<<"$metrics" || { echo "metrics: promtool check metrics FAILED"; status=1; }
for series in 'mcp_requests_total{mcp_method_name="tools/call",gen_ai_tool_name="get_weather",outcome="ok"} 1' \
  'mcp_requests_total{mcp_method_name="tools/call",gen_ai_tool_name="get_weather",outcome="tool_error"} 1' \
  'mcp_request_duration_seconds_count{mcp_method_name="tools/call",gen_ai_tool_name="get_weather"} 2' \
  'mcp_http_rejections_total{reason="origin"} 1' 'mcp_sessions_active 1'; do
  grep -qF "$series" <<<"$metrics" || { echo "metrics: missing $series"; status=1; }
done
[ "$status" -eq 0 ] && echo "metrics: promtool accepts /metrics ($(grep -vc '^#' <<<"$metrics") series)"
exit $status
