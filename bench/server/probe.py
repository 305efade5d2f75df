#!/usr/bin/env python3
"""The small jobs run.sh needs done against a server under test (standard
library only).

  probe.py port                      a free TCP port on 127.0.0.1
  probe.py ready URL --mode M --era E --pid PID [--timeout S]
                                     wait until tools/call add answers the
                                     right sum (stateful: in a new session);
                                     exit 3 as soon as PID has exited
  probe.py check URL --mode M --era E [--count N] [--sessions FILE]
                                     N calls with random arguments; prints
                                     "OK TOTAL" (stateful: in FILE's sessions)
  probe.py sessions URL --count N --out FILE
                                     open N sessions (initialize, then
                                     notifications/initialized); their ids
  probe.py request --era E --a A --b B [--id ID]
                                     print the tools/call body, then each
                                     header of that era, one a line
  probe.py listener PORT             the pid listening on 127.0.0.1:PORT
  probe.py cpu PID                   user + system clock ticks of PID
  probe.py cpu-busy CPU              user, system and stolen clock ticks of CPU
                                     since boot

Eras: 2025 (2025-11-25: MCP-Protocol-Version, sessions when the server has
them) and 2026 (2026-07-28: no session, `_meta` in params, Mcp-Method and
Mcp-Name headers).
"""

import argparse
import http.client
import json
import os
import random
import socket
import sys
import time
import urllib.parse

VERSIONS = {"2025": "2025-11-25", "2026": "2026-07-28"}


def call_body(era, request_id, a, b):
    """The tools/call add request as compact JSON text (id may be a
    placeholder such as {id}, kept verbatim)."""
    params = {"name": "add", "arguments": {"a": a, "b": b}}
    if era == "2026":
        params["_meta"] = {
            "io.modelcontextprotocol/protocolVersion": VERSIONS["2026"],
            "io.modelcontextprotocol/clientCapabilities": {},
            "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "1"},
        }
    text = json.dumps(
        {"jsonrpc": "2.0", "id": 0, "method": "tools/call", "params": params},
        separators=(",", ":"),
    )
    return text.replace('"id":0', f'"id":{request_id}', 1)


def era_headers(era):
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": VERSIONS[era],
    }
    if era == "2026":
        headers["Mcp-Method"] = "tools/call"
        headers["Mcp-Name"] = "add"
    return headers


class Client:
    """One keep-alive connection to URL."""

    def __init__(self, url, timeout=10):
        parts = urllib.parse.urlsplit(url)
        self.path = parts.path or "/"
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def post(self, body, headers):
        self.conn.request("POST", self.path, body=body.encode(), headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Mcp-Session-Id"), messages(response, data)

    def close(self):
        self.conn.close()


def messages(response, data):
    """The JSON-RPC messages of a JSON or SSE answer."""
    if not data.strip():
        return []
    if (response.getheader("Content-Type") or "").startswith("text/event-stream"):
        found = []
        for event in data.replace("\r\n", "\n").split("\n\n"):
            lines = [line[5:].lstrip() for line in event.split("\n") if line.startswith("data:")]
            if lines and "".join(lines).strip():
                found.append(json.loads("\n".join(lines)))
        return found
    loaded = json.loads(data)
    return loaded if isinstance(loaded, list) else [loaded]


def open_session(client):
    """initialize + notifications/initialized; the session id."""
    init = {
        "jsonrpc": "2.0",
        "id": 0,
        "method": "initialize",
        "params": {
            "protocolVersion": VERSIONS["2025"],
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        },
    }
    headers = era_headers("2025")
    status, session, _ = client.post(json.dumps(init), headers)
    if status != 200 or not session:
        raise RuntimeError(f"initialize: HTTP {status}, session id {session!r}")
    headers["Mcp-Session-Id"] = session
    note = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    status, _, _ = client.post(json.dumps(note), headers)
    if status not in (200, 202, 204):
        raise RuntimeError(f"notifications/initialized: HTTP {status}")
    return session


def call_add(client, era, request_id, a, b, session=None):
    """True when tools/call add(a, b) answers the decimal sum."""
    headers = era_headers(era)
    if session:
        headers["Mcp-Session-Id"] = session
    status, _, found = client.post(call_body(era, request_id, a, b), headers)
    if status != 200:
        return False
    for message in found:
        if message.get("id") == request_id:
            content = (message.get("result") or {}).get("content") or []
            return any(item.get("text") == str(a + b) for item in content)
    return False


def cmd_ready(args):
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        try:
            os.kill(args.pid, 0)
        except ProcessLookupError:
            return 3
        try:
            client = Client(args.url, timeout=2)
            session = open_session(client) if args.mode == "stateful" else None
            ok = call_add(client, args.era, 1, 20, 22, session)
            client.close()
            if ok:
                return 0
        except (OSError, ValueError, RuntimeError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    return 1


def cmd_check(args):
    sessions = [None]
    if args.mode == "stateful":
        with open(args.sessions) as f:
            sessions = [line.strip() for line in f if line.strip()]
    ok = 0
    client = Client(args.url)
    for i in range(args.count):
        a, b = random.randrange(-10**9, 10**9), random.randrange(-10**9, 10**9)
        try:
            ok += call_add(client, args.era, 10**12 + i, a, b, sessions[i % len(sessions)])
        except (OSError, ValueError, http.client.HTTPException) as err:
            print(f"check: {err}", file=sys.stderr)
            client = Client(args.url)
    print(ok, args.count)
    return 0 if ok == args.count else 1


def cmd_sessions(args):
    client = Client(args.url)
    with open(args.out, "w") as out:
        for _ in range(args.count):
            out.write(open_session(client) + "\n")
    return 0


def cmd_request(args):
    print(call_body(args.era, args.id, args.a, args.b))
    for name, value in era_headers(args.era).items():
        print(f"{name}: {value}")
    return 0


def cmd_port(_args):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
    return 0


def cmd_listener(args):
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if int(fields[1].rsplit(":", 1)[1], 16) == args.port and fields[3] == "0A":
                        inodes.add(fields[9])
        except FileNotFoundError:
            pass
    targets = {f"socket:[{inode}]" for inode in inodes}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                if os.readlink(f"/proc/{pid}/fd/{fd}") in targets:
                    print(pid)
                    return 0
        except OSError:
            continue
    return 1


def cmd_cpu(args):
    with open(f"/proc/{args.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    print(int(fields[11]) + int(fields[12]))
    return 0


def cmd_cpu_busy(args):
    with open("/proc/stat") as f:
        for line in f:
            fields = line.split()
            if fields[0] == f"cpu{args.cpu}":
                # Interrupt time is left out: on loopback much of it is the
                # server's own packets.
                user, nice, system, _idle, _iowait, _irq, _softirq, steal = map(int, fields[1:9])
                print(user + nice + system + steal)
                return 0
    return 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("ready")
    p.add_argument("url")
    p.add_argument("--mode", choices=["stateless", "stateful"], required=True)
    p.add_argument("--era", choices=["2025", "2026"], default="2025")
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--timeout", type=float, default=60)
    p = sub.add_parser("check")
    p.add_argument("url")
    p.add_argument("--mode", choices=["stateless", "stateful"], required=True)
    p.add_argument("--era", choices=["2025", "2026"], default="2025")
    p.add_argument("--count", type=int, default=20)
    p.add_argument("--sessions")
    p = sub.add_parser("sessions")
    p.add_argument("url")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("request")
    p.add_argument("--era", choices=["2025", "2026"], default="2025")
    p.add_argument("--a", type=int, required=True)
    p.add_argument("--b", type=int, required=True)
    p.add_argument("--id", default="1")
    sub.add_parser("port")
    p = sub.add_parser("listener")
    p.add_argument("port", type=int)
    p = sub.add_parser("cpu")
    p.add_argument("pid", type=int)
    p = sub.add_parser("cpu-busy")
    p.add_argument("cpu", type=int)
    args = parser.parse_args()
    handlers = {
        "ready": cmd_ready, "check": cmd_check, "sessions": cmd_sessions, "request": cmd_request,
        "port": cmd_port, "listener": cmd_listener, "cpu": cmd_cpu, "cpu-busy": cmd_cpu_busy,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
