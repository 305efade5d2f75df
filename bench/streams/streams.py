#!/usr/bin/env python3
"""Many idle SSE streams held by one server process: the memory each one
takes, and whether keep-alives still come on time (standard library only).

  streams.py BINARY [--streams N] [--kind get|listen] [--http2 PER] [--keep-alive S] [--watch S]

Starts BINARY (the bench_server example: tool `add`, sessions) on a free
loopback port with its limits raised for one client address, then opens N
streams, each on its own HTTP/1.1 connection, or with --http2 PER, PER
streams on each cleartext HTTP/2 connection (BINARY built with the `http2`
feature; the client needs Python's `h2` package: pip install h2):

  get     a 2025-11-25 session (initialize, notifications/initialized) and
          its GET stream: the stream and its session;
  listen  a 2026-07-28 `subscriptions/listen` stream: no session.

It prints the server's RSS before and after, the growth per stream, and
for the next --watch seconds the longest wait any stream had between two
keep-alives (MCP_KEEP_ALIVE_SECS=--keep-alive). Exits 1 when a stream
could not be opened, ended early, or waited longer than twice the
keep-alive interval. Needs N + some file descriptors on both sides: it
raises its own limit to the hard one and the server's likewise.
"""

import argparse
import asyncio
import json
import os
import resource
import socket
import subprocess
import sys
import time

V2025, V2026 = "2025-11-25", "2026-07-28"


INITIALIZE = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": V2025, "capabilities": {}, "clientInfo": {"name": "streams", "version": "1"}}})
INITIALIZED = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})


def listen_body(n):
    """A 2026-07-28 `subscriptions/listen` request with id `n`."""
    return json.dumps({"jsonrpc": "2.0", "id": n, "method": "subscriptions/listen", "params": {
        "notifications": {"toolsListChanged": True},
        "_meta": {"io.modelcontextprotocol/protocolVersion": V2026,
                  "io.modelcontextprotocol/clientCapabilities": {},
                  "io.modelcontextprotocol/clientInfo": {"name": "streams", "version": "1"}}}})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def post(port, body, headers):
    lines = [
        "POST /mcp HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        "Accept: application/json, text/event-stream",
        f"Content-Length: {len(body)}",
    ] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


async def read_head(reader):
    """The status and headers of one response (lower-case names)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def read_body(reader, headers):
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    return b""


async def open_get_stream(port):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(post(port, INITIALIZE, {}))
    status, headers = await read_head(reader)
    await read_body(reader, headers)
    session = headers.get("mcp-session-id")
    if status != 200 or not session:
        raise RuntimeError(f"initialize answered {status}")
    common = {"Mcp-Session-Id": session, "MCP-Protocol-Version": V2025}
    writer.write(post(port, INITIALIZED, common))
    status, headers = await read_head(reader)
    await read_body(reader, headers)
    if status != 202:
        raise RuntimeError(f"notifications/initialized answered {status}")
    lines = ["GET /mcp HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: text/event-stream"]
    lines += [f"{k}: {v}" for k, v in common.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    status, _ = await read_head(reader)
    if status != 200:
        raise RuntimeError(f"GET answered {status}")
    return reader, writer


async def open_listen_stream(port, n):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    body = listen_body(n)
    writer.write(post(port, body, {"MCP-Protocol-Version": V2026, "Mcp-Method": "subscriptions/listen"}))
    status, headers = await read_head(reader)
    if status != 200 or not headers.get("content-type", "").startswith("text/event-stream"):
        body = (await read_body(reader, headers))[:200].decode(errors="replace")
        raise RuntimeError(f"subscriptions/listen answered {status} {headers.get('content-type')}: {body}")
    return reader, writer


class Http2Connection:
    """One cleartext HTTP/2 connection (prior knowledge) carrying many
    streams, driven by the sans-IO `h2` package."""

    def __init__(self, reader, writer, port):
        import h2.config
        import h2.connection
        self.h2 = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.h2.initiate_connection()
        self.reader, self.writer, self.port = reader, writer, port
        self.streams = {}
        self.writer.write(self.h2.data_to_send())
        self.pump = asyncio.create_task(self.read_frames())

    @classmethod
    async def open(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, port)

    async def read_frames(self):
        import h2.events
        while True:
            data = await self.reader.read(65536)
            if not data:
                for stream in self.streams.values():
                    stream.end()
                return
            for event in self.h2.receive_data(data):
                stream = self.streams.get(getattr(event, "stream_id", None))
                if isinstance(event, h2.events.ResponseReceived):
                    stream.head.set_result(dict(event.headers))
                elif isinstance(event, h2.events.DataReceived):
                    self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                    stream.chunk(event.data)
                elif isinstance(event, (h2.events.StreamEnded, h2.events.StreamReset)) and stream:
                    stream.end()
            self.writer.write(self.h2.data_to_send())

    async def request(self, method, headers, body=b""):
        """Sends one request; returns its status, headers and `Http2Stream`."""
        stream_id = self.h2.get_next_available_stream_id()
        stream = self.streams[stream_id] = Http2Stream()
        pseudo = [(":method", method), (":path", "/mcp"), (":scheme", "http"),
                  (":authority", f"127.0.0.1:{self.port}")]
        fields = pseudo + [(k.lower(), v) for k, v in headers.items()]
        self.h2.send_headers(stream_id, fields, end_stream=not body)
        if body:
            self.h2.send_data(stream_id, body, end_stream=True)
        self.writer.write(self.h2.data_to_send())
        head = await stream.head
        return int(head[":status"]), head, stream


class Http2Stream:
    """One stream's response: its head, and the gaps between its chunks."""

    def __init__(self):
        self.head = asyncio.get_running_loop().create_future()
        self.ended = asyncio.Event()
        self.last = None
        self.longest = 0.0

    def chunk(self, _data):
        moment = time.monotonic()
        if self.last is not None:
            self.longest = max(self.longest, moment - self.last)
        self.last = moment

    def end(self):
        if not self.head.done():
            self.head.set_exception(RuntimeError("the connection closed"))
        self.ended.set()


async def open_http2_stream(connection, kind, n):
    accept = {"content-type": "application/json", "accept": "application/json, text/event-stream"}
    if kind == "listen":
        body = listen_body(n)
        headers = dict(accept, **{"mcp-protocol-version": V2026, "mcp-method": "subscriptions/listen"})
        status, head, stream = await connection.request("POST", headers, body.encode())
        if status != 200 or not head.get("content-type", "").startswith("text/event-stream"):
            raise RuntimeError(f"subscriptions/listen answered {status}")
        return stream
    status, head, _ = await connection.request("POST", accept, INITIALIZE.encode())
    session = head.get("mcp-session-id")
    if status != 200 or not session:
        raise RuntimeError(f"initialize answered {status}")
    common = {"mcp-session-id": session, "mcp-protocol-version": V2025}
    status, _, _ = await connection.request("POST", dict(accept, **common), INITIALIZED.encode())
    if status != 202:
        raise RuntimeError(f"notifications/initialized answered {status}")
    status, _, stream = await connection.request("GET", dict({"accept": "text/event-stream"}, **common))
    if status != 200:
        raise RuntimeError(f"GET answered {status}")
    return stream


async def watch_http2(streams, seconds, gaps):
    for stream in streams:
        stream.last, stream.longest = time.monotonic(), 0.0
    await asyncio.sleep(seconds)
    now = time.monotonic()
    for stream in streams:
        gaps.append(float("inf") if stream.ended.is_set() else max(stream.longest, now - stream.last))


async def watch(reader, until, gaps):
    """Reads the stream until `until`; records the longest wait between
    two chunks (keep-alives, after the first)."""
    last = None
    longest = 0.0
    while True:
        left = until - time.monotonic()
        if left <= 0:
            break
        try:
            chunk = await asyncio.wait_for(reader.read(4096), left)
        except asyncio.TimeoutError:
            break
        if not chunk:
            gaps.append(float("inf"))
            return
        moment = time.monotonic()
        if last is not None:
            longest = max(longest, moment - last)
        last = moment
    # The wait since the last chunk counts too.
    if last is not None:
        longest = max(longest, time.monotonic() - last)
    gaps.append(longest)


async def run(args, port, pid):
    before = rss_kib(pid)
    opened = []
    semaphore = asyncio.Semaphore(200)

    async def one(n):
        async with semaphore:
            if args.kind == "get":
                opened.append(await open_get_stream(port))
            else:
                opened.append(await open_listen_stream(port, n))

    connections = []

    async def one_http2(n):
        async with semaphore:
            opened.append(await open_http2_stream(connections[n // args.http2], args.kind, n))

    started = time.monotonic()
    if args.http2:
        for _ in range(-(-args.streams // args.http2)):
            connections.append(await Http2Connection.open(port))
        one = one_http2
    results = await asyncio.gather(*(one(n) for n in range(args.streams)), return_exceptions=True)
    failures = [r for r in results if isinstance(r, Exception)]
    took = time.monotonic() - started
    # Let the server settle (the opening burst's buffers returned).
    await asyncio.sleep(2)
    after = rss_kib(pid)
    per = (after - before) / max(1, len(opened))
    print(f"{args.kind}: {len(opened)} streams opened in {took:.1f} s ({len(failures)} failed"
          + (f": {failures[0]!r}" if failures else "") + ")")
    print(f"server RSS {before} KiB -> {after} KiB: {per:.2f} KiB per stream")
    gaps = []
    until = time.monotonic() + args.watch
    if args.http2:
        await watch_http2(opened, args.watch, gaps)
    else:
        await asyncio.gather(*(watch(reader, until, gaps) for reader, _ in opened))
    ended = sum(1 for g in gaps if g == float("inf"))
    longest = max((g for g in gaps if g != float("inf")), default=0.0)
    print(f"keep-alive every {args.keep_alive} s: the longest wait of any stream over {args.watch} s "
          f"was {longest:.2f} s; {ended} streams ended")
    for connection in connections:
        connection.writer.close()
    for _, writer in [] if args.http2 else opened:
        writer.close()
    return not failures and not ended and longest <= 2 * args.keep_alive


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary")
    parser.add_argument("--streams", type=int, default=10000)
    parser.add_argument("--kind", choices=["get", "listen"], default="get")
    parser.add_argument("--http2", type=int, default=0, metavar="PER",
                        help="PER streams on each cleartext HTTP/2 connection (default: HTTP/1.1, one each)")
    parser.add_argument("--keep-alive", type=int, default=5)
    parser.add_argument("--watch", type=int, default=15)
    args = parser.parse_args()
    if args.http2:
        try:
            import h2  # noqa: F401
        except ImportError:
            sys.exit("--http2 needs Python's h2 package: pip install h2")

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < args.streams + 100:
        sys.exit(f"the file descriptor limit ({hard}) is below {args.streams + 100}")
    port = free_port()
    env = dict(os.environ, MCP_HOST="127.0.0.1", MCP_PORT=str(port), MCP_KEEP_ALIVE_SECS=str(args.keep_alive),
               MCP_MAX_CONNECTIONS=str(args.streams + 100), MCP_MAX_SESSIONS=str(args.streams + 100),
               MCP_MAX_SESSIONS_PER_CLIENT=str(args.streams + 100),
               MCP_MAX_LISTENERS_PER_CLIENT=str(args.streams + 100), MCP_RATE_LIMIT="off",
               MCP_HTTP2_MAX_STREAMS=str(args.http2 + 10),
               RUST_LOG="warn")
    server = subprocess.Popen([args.binary], env=env)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.1).close()
                break
            except OSError:
                time.sleep(0.1)
        ok = asyncio.run(run(args, port, server.pid))
    finally:
        server.terminate()
        server.wait(10)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
