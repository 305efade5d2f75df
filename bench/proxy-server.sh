#!/usr/bin/env bash
# mcp-proxy in front of bench_server (loopback HTTP), both on the harness's CPU.
# BENCH_PROXY: the mcp-proxy binary (default target/release/mcp-proxy).
up=$((MCP_PORT + 1))
MCP_PORT=$up target/release/examples/bench_server &
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$up/mcp" && break; sleep 0.05; done
stateless=off; [ "$BENCH_MODE" = stateless ] && stateless=on
MCP_RATE_LIMIT=off MCP_MAX_SESSIONS=200000 MCP_MAX_SESSIONS_PER_CLIENT=200000 MCP_STATELESS=$stateless \
  exec "${BENCH_PROXY:-target/release/mcp-proxy}" "http://127.0.0.1:$up/mcp"
