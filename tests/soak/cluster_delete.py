#!/usr/bin/env python3
"""Reproduces a DELETE answered 503 that did delete the session (issue 28).

A cluster (redis_nodes.py), one replica of examples/transactions, one
session subscribed to a transaction whose `mcp:subscribers:<uri>` set lives
on another primary than the session's own keys. That other primary is
paused (CLIENT PAUSE 6000, as a primary that is failing over or slow); the
session's own primary is fine. DELETE answers 503 after the 2 s Redis
timeout, yet the session's record is already gone: a retried DELETE answers
404. (The same with that primary SIGKILLed, timing permitting.)

  tests/soak/cluster_delete.py target/release/examples/transactions /tmp/some-empty-dir
"""
import http.client, json, os, signal, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import redis_nodes as rn

work = sys.argv[2]
os.makedirs(work, exist_ok=True)
nodes = rn.start("cluster", work + "/redis", work + "/pids")
port = rn.free_port()
env = dict(os.environ, REDIS_URL=nodes.url(), MCP_HOST="127.0.0.1", MCP_PORT=str(port), MCP_RATE_LIMIT="off", RUST_LOG="warn")
server = subprocess.Popen([sys.argv[1]], env=env,
                          stdout=open(work + "/replica.log", "w"), stderr=subprocess.STDOUT)
open(work + "/pids", "a").write(f"{server.pid}\n")
rn.wait_until(lambda: rn.port_open(port), 10)
H = {"content-type": "application/json", "accept": "application/json, text/event-stream", "mcp-protocol-version": "2025-11-25"}

def post(body, sid=None, method="POST"):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(H)
    if sid: h["mcp-session-id"] = sid
    c.request(method, "/mcp", json.dumps(body) if body else None, h)
    r = c.getresponse()
    data = r.read().decode()
    return r.status, r.getheader("mcp-session-id"), data

st, sid, _ = post({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "r", "version": "0"}}})
post({"jsonrpc": "2.0", "method": "notifications/initialized"}, sid)
session_primary = nodes.primary_of_slot(nodes.slot_of(sid))
for i in range(1, 20):
    _, _, data = post({"jsonrpc": "2.0", "id": i, "method": "tools/call", "params": {"name": "start_transaction", "arguments": {"description": "x"}}}, sid)
    tx = json.loads(data.split("data:")[-1] if "data:" in data else data)["result"]["structuredContent"]["id"]
    uri = f"transaction://{tx}"
    other = nodes.primary_of_slot(nodes.slot_of(f"mcp:subscribers:{uri}"))
    if other != session_primary:
        break
print("session", sid, "on primary", session_primary, "; subscribed", uri, "whose subscribers set is on primary", other)
print("subscribe:", post({"jsonrpc": "2.0", "id": 100, "method": "resources/subscribe", "params": {"uri": uri}}, sid)[0])
nodes.cli(other, "CLIENT", "PAUSE", "6000")
print(f"CLIENT PAUSE 6000 on primary {other} (the session's own primary {session_primary} is not paused)")
t0 = time.monotonic()
st, _, data = post(None, sid, "DELETE")
print(f"DELETE -> {st} after {time.monotonic() - t0:.1f} s", data[:300])
print("record key on the session's primary right after:", repr(nodes.cli(session_primary, "EXISTS", f"mcp:{{{sid}}}:record").strip()))
time.sleep(6)
print("after the pause, subscribers of", uri, ":", nodes.cli(other, "SMEMBERS", f"mcp:subscribers:{uri}").split())
st, _, data = post(None, sid, "DELETE")
print("DELETE again ->", st, data[:120])
time.sleep(20)
key = f"mcp:subscribers:{uri}"
print("20 s later, SMEMBERS", key, "=", nodes.cli(nodes.primary_of_slot(nodes.slot_of(key)), "SMEMBERS", key).split(),
      "; TTL", nodes.cli(nodes.primary_of_slot(nodes.slot_of(key)), "TTL", key).strip())
for pid in open(work + "/pids").read().split():
    try: os.kill(int(pid), signal.SIGTERM)
    except OSError: pass
