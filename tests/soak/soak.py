#!/usr/bin/env python3
"""Chaos soak: several clients drive three replicas through nginx while a
chaos loop kills, freezes and restarts them and restarts and pauses Redis.

Standard library only; run by run.sh, which starts Redis (redis_nodes.py:
one, a cluster of three primaries and three replicas, or one over TLS, as
SOAK_REDIS says), the replicas and nginx. Against a cluster the Redis chaos
is a failover (the primary of a session's slot SIGKILLed, its replica
promoted, the node restarted to rejoin as a replica) and CLIENT PAUSE on a
primary; keys are SCANned on every primary. Each client thread opens a session, watches its GET stream (resumed
with Last-Event-ID when cut), runs transactions of examples/transactions
(start, subscribe, add balanced operations, then commit, or roll back with
the confirmation answered through another replica, or roll back and cancel),
reads every transaction back from the ledger, then closes the session
(DELETE) or abandons it to expire.

At the end it checks and prints: every acknowledged operation present once
in the ledger (one that got an error may be absent, never twice), no call
past its client time limit, no Redis keys left for closed or expired
sessions, the RSS of replicas that were never restarted within +10% of its
value after warm-up, and every client-visible error one of the documented
kinds at a time chaos explains it. Exit status 1 if any check fails.
"""

import argparse
import collections
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from redis_nodes import Nodes, port_open, wait_until  # noqa: E402  (single Redis, a cluster, or TLS: SOAK_REDIS)
from tasks_traffic import MAX_RUNS, RERUN, TASK_DEADLINE, TaskClient, check_tasks  # noqa: E402

PROTOCOL = "2025-11-25"
CALL_TIMEOUT = 25.0  # per request: above MCP_REQUEST_TIMEOUT (15 s) plus Redis's 2 s
CANCEL_TIMEOUT = 10.0  # a cancelled rollback must end its stream well before its handler times out
GET_TIMEOUT = 10.0  # keep-alives come every 2 s: silence this long means a dead stream
FREEZE_SECS = 8.0  # longer than nginx's proxy_read_timeout (6 s)
VANISHED = "a replica ended while frozen"
REQUEST_TIMEOUT = -32001  # JSON-RPC: the request ran past its time limit
GRACE = 5.0  # after a chaos window closes, errors it caused may still arrive
SESSION_TIMEOUT = float(os.environ.get("SOAK_SESSION_TIMEOUT", "10"))  # as replica.sh sets it

# Which chaos explains which client-visible error (docs/deploy.md, docs/transport.md).
EXPLAINED_BY = {
    # The session store failed or is paused; or a frozen replica woke to
    # find its Redis commands past their time limit.
    "http-503": ("redis", "replica"),
    "rpc-redis": ("redis",),  # a JSON-RPC error naming Redis
    "tool-redis": ("redis",),  # a tool's SessionState update failed on Redis
    "http-502": ("replica",),  # nginx: the upstream died mid-request
    "http-504": ("replica",),  # nginx: the upstream is frozen past proxy_read_timeout
    "conn": ("replica",),  # a stream cut when its replica died, or a direct post to a dead one
    # An SSE response ended without its answer: nginx ended it when its
    # replica died, or Redis restarted empty and took the session with it.
    "no-answer": ("replica", "redis"),
    # A cancelled rollback that ended after CANCEL_TIMEOUT (by its request
    # timeout): the cancellation crossed Redis while it restarted empty.
    "cancel-late": ("redis",),
}


def now():
    return time.monotonic()


# ---------------------------------------------------------------- records


class Record:
    """Everything the threads observe, behind one lock."""

    def __init__(self, start):
        self.start = start
        self.lock = threading.Lock()
        self.ops = collections.Counter()  # operations attempted, by kind
        self.errors = []  # (op, kind, t0, t1, session, detail)
        self.events = collections.Counter()  # chaos actions and protocol events
        self.windows = []  # (category, name, start, end) of each chaos action
        self.ledger = collections.Counter()  # acked, lost, duplicated, ...
        self.problems = []  # (what, detail): findings that fail a check
        self.closed = set()  # session ids closed with DELETE (200)
        self.abandoned = set()  # session ids left to expire
        self.uris = {}  # session id -> its transaction URIs
        self.redis_restarts = []  # monotonic times Redis went down (and came back empty)
        self.failovers = []  # (primary killed, replica promoted): a cluster failover

    def count(self, op):
        with self.lock:
            self.ops[op] += 1

    def event(self, name, n=1):
        with self.lock:
            self.events[name] += n

    def error(self, op, kind, t0, t1, session, detail):
        with self.lock:
            self.errors.append((op, kind, t0, t1, session, str(detail)[:200]))

    def problem(self, what, detail):
        with self.lock:
            self.problems.append((what, str(detail)[:300]))

    def t(self, moment):
        return f"{moment - self.start:6.1f}s"


# ---------------------------------------------------------------- HTTP


class Reply:
    def __init__(self, status=None, upstream="", messages=(), session=None, kind=None, detail="", tried=""):
        self.status, self.upstream, self.messages = status, upstream, list(messages)
        self.tried = tried  # nginx's X-Upstream: "a, b" when it sent the request to a, then to b
        self.session, self.kind, self.detail = session, kind, detail


def sse_events(response, deadline):
    """(id, message) pairs from an SSE body until it ends; stops at deadline."""
    event_id, data = None, []
    while True:
        if now() > deadline:
            raise socket.timeout("stream past its time limit")
        line = response.readline()
        if not line:
            return
        line = line.decode().rstrip("\r\n")
        if line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "":
            if data and data != [""]:
                yield event_id, json.loads("\n".join(data))
            data = []


def exchange(hostport, method, path, headers, body=None, timeout=CALL_TIMEOUT, on_message=None, want_id=None):
    """One HTTP request on a fresh connection (no stale keep-alive can fail
    it), its SSE or JSON body read whole. Never raises: failures become
    Reply.kind ('timeout', 'conn')."""
    host, port = hostport.rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    deadline = now() + timeout
    try:
        conn.request(method, path, body, headers)
        response = conn.getresponse()
        # After a refused connection nginx tried another: the last one answered.
        tried = response.getheader("x-upstream", "")
        upstream = tried.split(", ")[-1]
        session = response.getheader("mcp-session-id")
        if response.getheader("content-type", "").startswith("text/event-stream"):
            messages = []
            for _, message in sse_events(response, deadline):
                messages.append(message)
                if on_message:
                    on_message(message, upstream)
                if want_id is not None and message.get("id") == want_id and "method" not in message:
                    break
            return Reply(response.status, upstream, messages, session, tried=tried)
        payload = response.read()
        messages = []
        if payload and response.getheader("content-type", "").startswith("application/json"):
            messages = [json.loads(payload)]
        return Reply(response.status, upstream, messages, session, detail=payload[:200], tried=tried)
    except socket.timeout as error:
        return Reply(kind="timeout", detail=error)
    except (ConnectionError, http.client.HTTPException, OSError, ValueError) as error:
        return Reply(kind="conn", detail=repr(error))
    finally:
        conn.close()


def names_redis(text):
    text = str(text).lower()
    return "redis" in text or "session store" in text


# ---------------------------------------------------------------- one session


class Outcome:
    def __init__(self, ok, result=None, kind=None, upstream="", messages=(), trace=None):
        self.ok, self.result, self.kind, self.upstream, self.messages = ok, result, kind, upstream, messages
        self.trace = trace  # (start, end, nginx's upstreams)


class Session:
    """One MCP session through the balancer, its calls recorded."""

    def __init__(self, soak, name):
        self.soak, self.record, self.name = soak, soak.record, name
        self.id = None
        self.next = 0
        self.lock = threading.Lock()
        self.opened = now()
        self.last_ok = now()
        self.gone = False  # answered 404: expired, or lost with a Redis restart
        self.txs = []
        self.reader = None

    def headers(self):
        h = {"content-type": "application/json", "accept": "application/json, text/event-stream",
             "mcp-protocol-version": PROTOCOL}
        if self.id:
            h["mcp-session-id"] = self.id
        return h

    def request_id(self):
        with self.lock:
            self.next += 1
            return self.next

    def fail(self, op, kind, t0, detail):
        if kind == "http-404":
            self.gone = True
        self.record.error(op, kind, t0, now(), self, detail)
        return Outcome(False, kind=kind)

    def rpc(self, op, method, params, **kw):
        """A request; Outcome.ok when it got a result (and a tool did not fail);
        Outcome.trace says when it ran and where nginx sent it."""
        t0 = now()
        outcome, tried = self.call(op, method, params, **kw)
        outcome.trace = (t0, now(), tried)
        return outcome

    def call(self, op, method, params, timeout=CALL_TIMEOUT, on_message=None, rid=None, target=None):
        rid = rid or self.request_id()
        body = json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params})
        self.record.count(op)
        t0 = now()
        reply = exchange(target or self.soak.balancer, "POST", "/mcp", self.headers(), body, timeout, on_message, rid)
        if reply.kind:
            return self.fail(op, reply.kind, t0, reply.detail), reply.tried
        if reply.status != 200:
            return self.fail(op, f"http-{reply.status}", t0, reply.detail or reply.messages), reply.tried
        answer = next((m for m in reply.messages if m.get("id") == rid and "method" not in m), None)
        if answer is None:
            out = self.fail(op, "no-answer", t0, reply.messages[-3:])
            out.upstream, out.messages = reply.upstream, reply.messages
            return out, reply.tried
        if "error" in answer:
            kind = "rpc-redis" if names_redis(answer["error"]) else f"rpc-{answer['error'].get('code')}"
            return self.fail(op, kind, t0, answer["error"]), reply.tried
        result = answer["result"]
        if result.get("isError"):
            return self.fail(op, "tool-redis" if names_redis(result) else "tool-error", t0, result.get("content")), reply.tried
        self.last_ok = now()
        return Outcome(True, result, upstream=reply.upstream, messages=reply.messages), reply.tried

    def post_direct(self, op, hostport, message):
        """A client answer or notification straight to one replica (not via
        nginx), so that it lands where we choose; True on 202."""
        self.record.count(op)
        t0 = now()
        reply = exchange(hostport, "POST", "/mcp", self.headers(), json.dumps(message), 10.0)
        if reply.kind or reply.status != 202:
            self.fail(op, reply.kind or f"http-{reply.status}", t0, reply.detail)
            return False
        return True

    def initialize(self):
        body = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": PROTOCOL, "capabilities": {"elicitation": {}},
            "clientInfo": {"name": f"soak-{self.name}", "version": "0"}}})
        self.record.count("initialize")
        t0 = now()
        reply = exchange(self.soak.balancer, "POST", "/mcp", self.headers(), body)
        if reply.kind or reply.status != 200 or not reply.session:
            self.fail("initialize", reply.kind or f"http-{reply.status}", t0, reply.detail)
            return False
        self.id = reply.session
        self.opened = self.last_ok = now()
        note = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
        self.record.count("initialized")
        t0 = now()
        reply = exchange(self.soak.balancer, "POST", "/mcp", self.headers(), note)
        if reply.kind or reply.status != 202:
            self.fail("initialized", reply.kind or f"http-{reply.status}", t0, reply.detail)
            return False
        return True

    def delete(self):
        """DELETE, retried while chaos refuses it; True once the session is gone."""
        for _ in range(4):
            self.record.count("delete")
            t0 = now()
            h = {"mcp-session-id": self.id, "mcp-protocol-version": PROTOCOL}
            reply = exchange(self.soak.balancer, "DELETE", "/mcp", h, timeout=CALL_TIMEOUT)
            if reply.status == 200:
                return True
            kind = reply.kind or f"http-{reply.status}"
            self.fail("delete", kind, t0, reply.detail)
            if kind == "http-404":
                return True
            time.sleep(1)
        return False

    def lost_to_chaos(self, at):
        """A 404 is documented if Redis restarted empty since the session
        opened, or the session sat idle past its timeout."""
        restarted = any(t >= self.opened - 0.5 for t in self.record.redis_restarts)
        return restarted or at - self.last_ok > SESSION_TIMEOUT - 1


class StreamReader(threading.Thread):
    """The session's GET stream: resources/updated events by URI; when cut,
    resumed (through whichever replica nginx picks) with Last-Event-ID."""

    def __init__(self, session):
        super().__init__(daemon=True)
        self.session, self.record = session, session.record
        self.stop = False
        self.sock = None
        # Held while `stop` is set or `sock` replaced: a close that comes
        # while a connection is being made must not miss it (an open
        # stream keeps its session alive past the run).
        self.lock = threading.Lock()
        self.seen = set()
        self.by_uri = collections.Counter()
        self.cond = threading.Condition()

    def run(self):
        last = None
        while not self.stop and not self.session.gone:
            headers = {"accept": "text/event-stream", "mcp-session-id": self.session.id,
                       "mcp-protocol-version": PROTOCOL}
            if last:
                headers["last-event-id"] = last
                self.record.event("GET resumed with Last-Event-ID")
            self.record.count("get stream")
            t0 = now()
            host, port = self.session.soak.balancer.rsplit(":", 1)
            conn = http.client.HTTPConnection(host, int(port), timeout=GET_TIMEOUT)
            try:
                conn.connect()
                with self.lock:
                    if self.stop:
                        break
                    self.sock = conn.sock
                conn.request("GET", "/mcp", headers=headers)
                response = conn.getresponse()
                if response.status != 200:
                    kind = f"http-{response.status}"
                    # 409: a second GET on a replica still holding the first (documented).
                    self.session.fail("get stream", kind, t0, response.read()[:200])
                    time.sleep(0.3)
                    continue
                for event_id, message in sse_events(response, float("inf")):
                    last = event_id or last
                    if message.get("method") == "notifications/resources/updated":
                        self.note(event_id, message["params"]["uri"])
                if not self.stop:
                    self.record.event("GET stream ended by server")
            except (socket.timeout, ConnectionError, http.client.HTTPException, OSError, ValueError) as error:
                if not self.stop:
                    self.record.event("GET stream cut")
                    self.record.error("get stream (cut)", "conn", t0, now(), self.session, repr(error))
            finally:
                conn.close()
            time.sleep(0.1)

    def note(self, event_id, uri):
        with self.cond:
            if event_id in self.seen:
                self.record.problem("event delivered twice", f"{self.session.id} {event_id} {uri}")
            else:
                self.seen.add(event_id)
                self.by_uri[uri] += 1
            self.cond.notify_all()

    def wait_for(self, expected, timeout):
        """Waits until each URI has its expected count of events."""
        deadline = now() + timeout
        with self.cond:
            while any(self.by_uri[u] < n for u, n in expected.items()):
                left = deadline - now()
                if left <= 0 or self.session.gone:
                    return False
                self.cond.wait(min(left, 0.5))
            return True

    def close(self):
        with self.lock:
            self.stop = True
            sock = self.sock
        try:
            sock and sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.join(GET_TIMEOUT + 2)


class Tx:
    """What a client knows of one transaction."""

    def __init__(self, tx_id):
        self.id, self.uri = tx_id, f"transaction://{tx_id}"
        self.sent = set()  # accounts of every add_operation sent (one account per operation)
        self.acked = set()  # ... of those acknowledged
        self.subscribed = False
        self.changes_acked = 0  # acked changes while subscribed: each owes an event
        self.expected = "open"  # status the ledger must show; None when an error left it unknown
        self.log = {}  # account -> (outcome, start, end, upstreams): to explain a finding


# ---------------------------------------------------------------- client traffic


class Worker(threading.Thread):
    """One client: sessions one after another until the run ends."""

    def __init__(self, soak, n):
        super().__init__(daemon=True, name=f"c{n}")
        self.soak, self.record, self.n = soak, soak.record, n
        self.rng = random.Random(n)
        self.sessions = 0

    def run(self):
        while now() < self.soak.end:
            self.sessions += 1
            session = Session(self.soak, f"c{self.n}s{self.sessions}")
            if not session.initialize():
                time.sleep(0.5)
                continue
            self.record.event("session opened")
            self.soak.note_session(session)
            if self.rng.random() < 0.8:
                session.reader = StreamReader(session)
                session.reader.start()
            for t in range(self.rng.randint(2, 5)):
                if now() > self.soak.end or session.gone:
                    break
                self.transaction(session, f"{session.name}t{t}")
            self.soak.verify(session)
            if session.reader:
                session.reader.close()
            self.close(session)

    def close(self, session):
        if session.gone:
            return
        if self.rng.random() < 0.1:
            self.record.abandoned.add(session.id)  # left to expire
            self.record.event("session abandoned")
        elif session.delete():
            self.record.closed.add(session.id)
            self.record.event("session closed")
        else:
            self.record.abandoned.add(session.id)

    def tool(self, session, name, arguments, **kw):
        return session.rpc(name, "tools/call", {"name": name, "arguments": arguments}, **kw)

    def transaction(self, session, tag):
        started = self.tool(session, "start_transaction", {"description": tag})
        if not started.ok:
            return
        tx = Tx(started.result["structuredContent"]["id"])
        session.txs.append(tx)
        self.soak.note_uri(session, tx.uri)
        if session.reader and self.rng.random() < 0.8:
            tx.subscribed = session.rpc("subscribe", "resources/subscribe", {"uri": tx.uri}).ok
        ops = []
        for i in range(self.rng.randint(1, 3)):
            amount = self.rng.randint(1, 10_000)
            ops += [("debit", f"{tag}o{2 * i}", amount), ("credit", f"{tag}o{2 * i + 1}", amount)]
        if self.rng.random() < 0.3:
            # Concurrent updates of one session's ledger, likely on different
            # replicas: compare-and-set must lose none.
            threads = [threading.Thread(target=self.add, args=(session, tx, op)) for op in ops]
            for th in threads:
                th.start()
            for th in threads:
                th.join(CALL_TIMEOUT + 5)
            self.record.event("concurrent adds")
        else:
            for op in ops:
                self.add(session, tx, op)
        if session.gone:
            return
        balanced = len(tx.acked) == len(ops)
        choice = self.rng.random()
        if balanced and choice < 0.55:
            self.commit(session, tx)
        elif not balanced or choice < 0.85:
            self.rollback(session, tx)
        else:
            self.cancelled_rollback(session, tx)
        if tx.subscribed and self.rng.random() < 0.5:
            session.rpc("unsubscribe", "resources/unsubscribe", {"uri": tx.uri})

    def add(self, session, tx, op):
        kind, account, amount = op
        tx.sent.add(account)
        arguments = {"transaction_id": tx.id, "operation": {"kind": kind, "account": account, "amount_cents": amount}}
        done = self.tool(session, "add_operation", arguments)
        tx.log[account] = (done.kind or "ok",) + (done.trace or ())
        if done.ok:
            tx.acked.add(account)
            tx.changes_acked += tx.subscribed

    def commit(self, session, tx):
        """commit is idempotent: retried after an error, as a client would."""
        for _ in range(3):
            done = self.tool(session, "commit", {"transaction_id": tx.id})
            if done.ok:
                tx.expected = "committed"
                tx.changes_acked += tx.subscribed
                return
            tx.expected = None
            if session.gone:
                return
            time.sleep(0.5)

    def other_replicas(self, upstream):
        others = [r for r in self.soak.replicas if r != upstream]
        self.rng.shuffle(others)
        return others

    def rollback(self, session, tx):
        """The handler asks for confirmation; the answer goes to another
        replica than the one waiting, sometimes to two (delivered once)."""

        def answer(message, asker):
            if message.get("method") != "elicitation/create":
                return
            self.record.event("elicitation asked")
            reply = {"jsonrpc": "2.0", "id": message["id"], "result": {"action": "accept", "content": {}}}
            copies = 2 if self.rng.random() < 0.2 else 1
            for other in self.other_replicas(asker):
                if session.post_direct("elicitation answer", other, reply):
                    self.record.event("elicitation answered via another replica")
                    copies -= 1
                    if copies == 0:
                        return

        done = self.tool(session, "rollback", {"transaction_id": tx.id}, on_message=answer)
        if done.ok and done.result["structuredContent"]["status"] == "rolled_back":
            tx.expected = "rolled_back"
            tx.changes_acked += tx.subscribed
        else:
            tx.expected = None

    def cancelled_rollback(self, session, tx):
        """A rollback cancelled (through another replica) while it waits for
        its confirmation: it must end without a result and change nothing."""
        rid = session.request_id()
        cancelled = []

        def cancel(message, asker):
            if message.get("method") != "elicitation/create":
                return
            note = {"jsonrpc": "2.0", "method": "notifications/cancelled",
                    "params": {"requestId": rid, "reason": "soak"}}
            for other in self.other_replicas(asker):
                if session.post_direct("cancel", other, note):
                    cancelled.append(other)
                    self.record.event("cancellation sent via another replica")
                    return

        body = {"name": "rollback", "arguments": {"transaction_id": tx.id}}
        self.record.count("rollback (cancelled)")
        t0 = now()
        # Read up to the request's own limit; ending after CANCEL_TIMEOUT is
        # an error of its own kind, explained only by a Redis restart.
        reply = exchange(self.soak.balancer, "POST", "/mcp", session.headers(),
                         json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call", "params": body}),
                         CALL_TIMEOUT, cancel, rid)
        took = now() - t0
        answered = [m for m in reply.messages if m.get("id") == rid and "method" not in m]
        if reply.kind or reply.status != 200:
            session.fail("rollback (cancelled)", reply.kind or f"http-{reply.status}", t0, reply.detail)
            tx.expected = None
        elif not cancelled:
            tx.expected = None  # never asked, or the cancellation could not be posted
        elif answered and "result" in answered[0] and not answered[0]["result"].get("isError"):
            self.record.problem("a cancelled rollback ran anyway", f"{session.id} tx {tx.id}: {answered[0]}")
            tx.expected = None
        elif took > CANCEL_TIMEOUT:
            session.fail("rollback (cancelled)", "cancel-late", t0, f"ended after {took:.1f} s")
            tx.expected = None
        else:
            self.record.event("rollback cancelled")  # ended with no result (or an error): stays open


# ---------------------------------------------------------------- chaos


class Chaos(threading.Thread):
    """Kill/restart, freeze, Redis restart, Redis pause, in turn, from the
    end of warm-up until shortly before the end of traffic."""

    def __init__(self, soak):
        super().__init__(daemon=True, name="chaos")
        self.soak, self.record = soak, soak.record
        self.rng = random.Random(99)

    def run(self):
        time.sleep(max(0.0, self.soak.warm_end - now()))
        self.soak.rss_before = self.soak.rss()
        if self.soak.redis.mode == "cluster":
            actions = [self.kill_replica, self.freeze_replica, self.pause_primary, self.fail_over_primary]
        else:
            actions = [self.kill_replica, self.freeze_replica, self.pause_redis, self.restart_redis]
        i = 0
        while now() + 10 < self.soak.end and not self.soak.args.no_chaos:
            actions[i % len(actions)]()
            i += 1
            time.sleep(3)

    def window(self, category, name, start):
        with self.record.lock:
            self.record.windows.append((category, name, start, now()))
        self.record.event(name)

    def kill_replica(self):
        # The first replica is never killed: its RSS is compared over the whole run.
        addr = self.rng.choice(self.soak.replicas[1:] + self.soak.task_replicas)
        start = now()
        os.kill(self.soak.pids[addr], signal.SIGKILL)
        wait_until(lambda: not alive(self.soak.pids[addr]), 5)
        time.sleep(1)
        self.soak.start_replica(addr)
        self.window("replica", "replica SIGKILLed and restarted", start)

    def freeze_replica(self):
        addr = self.rng.choice(self.soak.replicas + self.soak.task_replicas)
        pid = self.soak.pids[addr]
        start = now()
        try:
            os.kill(pid, signal.SIGSTOP)
            time.sleep(FREEZE_SECS)
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            # The soak kills no frozen replica. A SIGKILL can only come from
            # outside (it was seen once in a 24-minute run, from no process
            # of the soak): said, not failed. Any other end (a crash, an
            # exit) is the replica's own and fails the run. Either way it
            # is started again so that the soak goes on.
            status = self.soak.exit_status(addr)
            if status == f"killed by signal {signal.SIGKILL.value}":
                self.record.event(f"a frozen replica was SIGKILLed from outside the soak ({addr})")
            else:
                self.record.problem(VANISHED, f"{addr} (pid {pid}) {status}")
            self.soak.start_replica(addr)
        self.window("replica", f"replica SIGSTOPped {FREEZE_SECS:.0f} s", start)

    def pause_redis(self):
        start = now()
        self.soak.redis.cli(self.soak.redis_port, "CLIENT", "PAUSE", "1500")
        time.sleep(1.5)
        self.window("redis", "Redis CLIENT PAUSE 1500", start)

    def restart_redis(self):
        start = now()
        with self.record.lock:
            self.record.redis_restarts.append(start)
        self.soak.redis.cli(self.soak.redis_port, "SHUTDOWN", "NOSAVE")
        wait_until(lambda: not port_open(self.soak.redis_port), 5)
        time.sleep(1)
        self.soak.start_redis()
        self.window("redis", "Redis restarted empty", start)

    def random_slot(self):
        """The slot of a random open session's keys (they carry its id as a
        hash tag), else any slot."""
        with self.record.lock:
            ids = sorted(self.record.uris)
        if ids:
            slot = self.soak.redis.slot_of(self.rng.choice(ids[-20:]))
            if slot is not None:
                return slot
        return self.rng.randrange(16384)

    def pause_primary(self):
        """CLIENT PAUSE on the primary of a random session's slot."""
        redis = self.soak.redis
        slot = self.random_slot()
        port = redis.primary_of_slot(slot) or redis.primaries()[0]
        start = now()
        redis.cli(port, "CLIENT", "PAUSE", "1500")
        time.sleep(1.5)
        self.window("redis", f"Redis CLIENT PAUSE 1500 on primary :{port} (slot {slot})", start)

    def fail_over_primary(self):
        """SIGKILL the primary of a random session's slot; wait until its
        replica is promoted and the cluster is whole; restart the dead node
        in its directory (it rejoins as a replica of the new primary) and
        wait until it is in step, so that the next failover can happen."""
        redis = self.soak.redis
        slot = self.random_slot()
        port = redis.primary_of_slot(slot)
        if port is None:
            self.record.problem("Redis Cluster: no primary serves a slot", slot)
            return
        start = now()
        os.kill(redis.pids[port], signal.SIGKILL)
        wait_until(lambda: not port_open(port), 5)
        promoted = wait_until(lambda: redis.primary_of_slot(slot) not in (None, port), 20)
        new = redis.primary_of_slot(slot)
        with self.record.lock:
            self.record.failovers.append((start, now()))
        if not promoted:
            self.record.problem("Redis Cluster: no replica promoted within 20 s", f"slot {slot}, primary :{port}")
        time.sleep(1)
        self.soak.start_redis(port)
        if not wait_until(redis.healthy, 30):
            self.record.problem("Redis Cluster: not whole again within 30 s of restarting a node", port)
        self.window("redis", f"Redis primary :{port} SIGKILLed (slot {slot}), :{new} promoted, {port} rejoined", start)


def alive(pid):
    """False once the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def vm_rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- the soak


class Soak:
    def __init__(self, args):
        self.args = args
        self.balancer = args.url.split("//", 1)[1].split("/", 1)[0]
        self.pids = {}
        self.processes = {}  # addr -> the replica's Popen, for its exit status
        self.replicas = sorted(f"127.0.0.1:{port}" for port in args.replica_ports.split(","))
        # The tasks example's replicas (tasks_traffic.py), killed and frozen like the others.
        self.task_replicas = sorted(f"127.0.0.1:{port}" for port in args.task_ports.split(",") if port)
        self.restarted = set()
        self.redis = Nodes.load(args.redis_dir)
        self.redis_port = self.redis.ports[0]
        self.start = now()
        self.warm_end = self.start + min(10.0, args.secs / 6)
        self.end = self.start + args.secs
        self.record = Record(self.start)
        self.rss_before = {}
        self.children = []

    # Processes the soak starts itself; run.sh kills them too (spawned.pids).
    def spawn(self, command, log):
        with open(os.path.join(self.args.work, log), "a") as out:
            child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        self.children.append(child)
        with open(os.path.join(self.args.work, "spawned.pids"), "a") as f:
            f.write(f"{child.pid}\n")
        return child

    def start_replica(self, addr, first=False):
        """Starts a replica (soak.py starts them all, so that how one ended
        is known); a restart marks it restarted."""
        port = addr.rsplit(":", 1)[1]
        template = self.args.task_cmd if addr in self.task_replicas else self.args.replica_cmd
        command = template.replace("{port}", port).split()
        child = self.spawn(command, f"replica-{port}.log")
        self.pids[addr], self.processes[addr] = child.pid, child
        if not first:
            self.restarted.add(addr)
        if not wait_until(lambda: port_open(int(port)), 10):
            self.record.problem("a restarted replica did not listen within 10 s", addr)

    def exit_status(self, addr):
        """How the replica at `addr` ended ("running" if it did not)."""
        code = self.processes[addr].poll()
        if code is None:
            return "running"
        return f"killed by signal {-code}" if code < 0 else f"exited with status {code}"

    def start_redis(self, port=None):
        """(Re)starts a Redis node with its first arguments and working
        directory: a cluster node rejoins with its nodes.conf."""
        port = port or self.redis_port
        self.children.append(self.redis.start_node(port))
        self.redis.save()
        if not wait_until(lambda: self.redis.ready(port), 10):
            self.record.problem("Redis did not come back within 10 s", port)

    def rss(self):
        return {addr: (pid, vm_rss_kb(pid)) for addr, pid in self.pids.items()}

    def sample_rss(self, stop):
        """RSS every 5 s, to tell a step (one-time allocation) from a slope (a leak)."""
        self.rss_series = collections.defaultdict(list)
        while not stop.wait(5):
            for addr, (pid, kb) in self.rss().items():
                self.rss_series[addr].append((pid, kb))

    def note_session(self, session):
        with self.record.lock:
            self.record.uris[session.id] = []

    def note_uri(self, session, uri):
        with self.record.lock:
            self.record.uris[session.id].append(uri)

    def verify(self, session):
        """Reads each transaction back: every acknowledged operation once,
        none twice, none never sent, the status the client was told; and
        every acknowledged change owed an event on the GET stream."""
        led = self.record.ledger
        if session.reader and not session.gone:
            owed = {tx.uri: tx.changes_acked for tx in session.txs if tx.subscribed and tx.changes_acked}
            if not session.reader.wait_for(owed, 10) and not session.gone and not session.lost_to_chaos(now()):
                short = {u: (n, session.reader.by_uri[u]) for u, n in owed.items() if session.reader.by_uri[u] < n}
                self.record.problem("acknowledged changes without their event", f"{session.id} {short}")
            with self.record.lock:
                led["events owed"] += sum(owed.values())
        for tx in session.txs:
            ledger_tx = None
            tries = []  # why each read back failed, for the finding below
            for _ in range(4):
                if session.gone:
                    break
                read = session.rpc("read back", "resources/read", {"uri": tx.uri})
                if read.ok:
                    ledger_tx = json.loads(read.result["contents"][0]["text"])
                    break
                tries.append(f"{read.kind} at {self.record.t(read.trace[0])}..{self.record.t(read.trace[1])}")
                time.sleep(1)
            with self.record.lock:
                led["operations acknowledged"] += len(tx.acked)
                led["operations sent"] += len(tx.sent)
                if ledger_tx is None:
                    # Documented only when the session went with a Redis restart (or expired).
                    key = "acked, session lost to chaos" if session.gone and session.lost_to_chaos(now()) else "acked, unverifiable"
                    led[key] += len(tx.acked)
                    if key == "acked, unverifiable" and tx.acked:
                        self.record.problems.append(("read back failed", f"{session.id} tx {tx.id}: {tries}"))
                    continue
                counts = collections.Counter(op["account"] for op in ledger_tx["operations"])
                led["operations verified"] += len(tx.acked)
                for account in tx.acked:
                    if counts[account] == 0:
                        led["lost"] += 1
                        self.record.problems.append(("acknowledged operation lost", f"{session.id} tx {tx.id} {account}: "
                                                     f"{self.describe(tx.log.get(account))}"))
                for account, n in counts.items():
                    if n > 1:
                        led["duplicated"] += n - 1
                        self.record.problems.append(("operation duplicated", f"{session.id} tx {tx.id} {account} x{n}: "
                                                     f"{self.describe(tx.log.get(account))}"))
                    if account not in tx.sent:
                        self.record.problems.append(("operation never sent", f"{session.id} tx {tx.id} {account}"))
                    elif account not in tx.acked:
                        led["errored but applied (allowed)"] += 1
                if tx.expected and ledger_tx["status"] != tx.expected:
                    led["wrong status"] += 1
                    self.record.problems.append(("wrong status", f"{session.id} tx {tx.id}: {ledger_tx['status']}, told {tx.expected}"))

    def describe(self, log):
        """An add_operation's outcome, when it ran, where nginx sent it, and
        the chaos under way then."""
        if not log or len(log) < 4:
            return str(log)
        outcome, t0, t1, tried = log
        chaos = [name for _, name, start, end in self.record.windows if start - 1 <= t1 and t0 <= end + GRACE]
        return f"{outcome} at {self.record.t(t0)}..{self.record.t(t1)} via [{tried}], chaos {chaos}"

    def explain(self, error):
        """Why a client-visible error is documented, or None."""
        op, kind, t0, t1, session, _ = error
        if kind == "http-404":
            if session.lost_to_chaos(t0):
                return "session lost with Redis or expired"
            # nginx sends an idempotent DELETE again to another replica when
            # its own died mid-request: the first ended the session, the
            # second finds none.
            return self.window(("replica",), t0, t1) if op == "delete" else None
        if kind == "http-409" and op == "get stream":
            return "a second GET stream on one replica"
        if kind == f"rpc-{REQUEST_TIMEOUT}" and op == "rollback":
            # Its confirmation crossed Redis as it restarted empty or failed
            # over, and was lost with it: the handler waited to its limit.
            return self.window(("redis",), t0, t1)
        return self.window(EXPLAINED_BY.get(kind, ()), t0, t1)

    def window(self, categories, t0, t1):
        """The chaos of `categories` under way between t0 and t1, or None."""
        for cat, _, start, end in self.record.windows:
            if cat in categories and start - 1 <= t1 and t0 <= end + GRACE:
                return cat
        # A chaos action still under way has no window yet: its start is logged by time.
        return None


# ---------------------------------------------------------------- checks and summary


def session_keys(redis, sessions, uris):
    """What Redis still holds of these sessions: keys naming one of them or
    one of their transactions, and members of the shared sets (the session
    index, the per-client sets, the subscribers of a URI) that name one.
    In a cluster every primary is SCANned, each key read on its primary.
    Returns (leftovers, every key)."""
    found = redis.keys()
    keys = [k for _, k in found]
    marks = set(sessions) | {u for s in sessions for u in uris.get(s, [])}
    left = [k for k in keys if any(m in k for m in marks)]
    for port, key in found:
        kind = redis.cli(port, "TYPE", key).strip()
        if kind == "zset":
            members = redis.cli(port, "ZRANGE", key, "0", "-1").split()
        elif kind == "set":
            members = redis.cli(port, "SMEMBERS", key).split()
        else:
            continue
        left += [f"{key} member {m}" for m in members if m in sessions]
    return left, keys


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--secs", type=float, default=60)
    parser.add_argument("--replica-ports", required=True, help="port,port,port: soak.py starts the replicas")
    parser.add_argument("--redis-dir", required=True, help="where redis_nodes.py started Redis (redis.json)")
    parser.add_argument("--replica-cmd", required=True, help="command line, {port} replaced")
    parser.add_argument("--task-ports", default="", help="port,port: replicas of the tasks example")
    parser.add_argument("--task-cmd", default="", help="their command line, {port} replaced")
    parser.add_argument("--task-clients", type=int, default=int(os.environ.get("SOAK_TASK_CLIENTS", "2")))
    parser.add_argument("--work", required=True)
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS", "6")))
    # SOAK_CHAOS=0: the same traffic without chaos, to tell what chaos causes (RSS growth, say).
    parser.add_argument("--no-chaos", action="store_true", default=os.environ.get("SOAK_CHAOS") == "0")
    args = parser.parse_args()

    soak = Soak(args)
    rec = soak.record
    for addr in soak.replicas + soak.task_replicas:
        soak.start_replica(addr, first=True)
    workers = [Worker(soak, n) for n in range(args.clients)]
    task_clients = [TaskClient(soak, n, exchange, names_redis) for n in range(args.task_clients if soak.task_replicas else 0)]
    chaos = Chaos(soak)
    print(f"soak: {args.secs:.0f} s, {args.clients} clients, chaos {'off' if args.no_chaos else 'on'}, replicas {soak.replicas}, tasks replicas {soak.task_replicas} ({len(task_clients)} clients), Redis {soak.redis.mode} {soak.redis.url()}",
          flush=True)
    for thread in workers + task_clients + [chaos]:
        thread.start()
    sampling = threading.Event()
    threading.Thread(target=soak.sample_rss, args=(sampling,), daemon=True).start()
    chaos.join(args.secs + 60)
    for worker in workers:
        worker.join(max(1.0, soak.end + 90 - now()))
    for client in task_clients:  # following their last task
        client.join(max(1.0, soak.end + TASK_DEADLINE + RERUN * MAX_RUNS + 10 - now()))
    stuck = [w.name for w in workers + task_clients if w.is_alive()]
    traffic_secs = now() - soak.start
    rss_after = soak.rss()
    sampling.set()

    failures = []

    def check(ok, what):
        print(("ok      " if ok else "FAILED  ") + what, flush=True)
        if not ok:
            failures.append(what)

    # Keys of closed sessions: DELETE removes them at once.
    closed_left, _ = session_keys(soak.redis, rec.closed, rec.uris)
    # Then every session of the run, abandoned ones included, once expired.
    everyone = set(rec.uris)
    deadline = now() + SESSION_TIMEOUT + 20
    while True:
        left, all_keys = session_keys(soak.redis, everyone, rec.uris)
        if not left or now() > deadline:
            break
        time.sleep(1)

    explained = collections.Counter()
    unexplained = []
    for error in rec.errors:
        why = soak.explain(error)
        if why:
            explained[(error[0], error[1])] += 1
        else:
            unexplained.append(error)
    hung = [e for e in rec.errors if e[1] == "timeout"]

    # ---- summary table
    print("\n==== soak summary ====")
    print(f"duration            {traffic_secs:.1f} s of traffic ({args.secs:.0f} s asked), {args.clients} clients")
    print("operations by kind")
    for op, n in sorted(rec.ops.items()):
        print(f"  {op:<34}{n:>7}")
    print(f"  {'total':<34}{sum(rec.ops.values()):>7}")
    print("events")
    for name, n in sorted(rec.events.items()):
        print(f"  {name:<50}{n:>6}")
    print("chaos timeline")
    for cat, name, start, end in rec.windows:
        print(f"  {rec.t(start)} .. {rec.t(end)}  {name}")
    print("errors by kind (operation, kind: count; * = not explained by chaos)")
    by_kind = collections.Counter((e[0], e[1]) for e in rec.errors)
    bad_kinds = collections.Counter((e[0], e[1]) for e in unexplained)
    for (op, kind), n in sorted(by_kind.items()):
        star = f"  * {bad_kinds[(op, kind)]} unexplained" if bad_kinds[(op, kind)] else ""
        print(f"  {op + ', ' + kind:<44}{n:>6}{star}")
    print("ledger")
    for name, n in sorted(rec.ledger.items()):
        print(f"  {name:<40}{n:>7}")
    print(f"lost {rec.ledger['lost']}, duplicated {rec.ledger['duplicated']}")
    print("RSS per replica (kB): after warm-up -> end")
    rss_ok = True
    for addr in soak.replicas:
        pid0, kb0 = soak.rss_before.get(addr, (None, None))
        pid1, kb1 = rss_after[addr]
        if addr in soak.restarted or pid0 != pid1:
            print(f"  {addr}  pid {pid0} {kb0} -> pid {pid1} {kb1}  (restarted: not compared)")
            continue
        growth = (kb1 - kb0) / kb0 * 100 if kb0 and kb1 else float("nan")
        within = kb0 is not None and kb1 is not None and kb1 <= kb0 * 1.10
        rss_ok &= within
        print(f"  {addr}  pid {pid1}  {kb0} -> {kb1}  ({growth:+.1f}%){'' if within else '  OVER +10%'}")
        print(f"    every 5 s: {' '.join(str(kb) for pid, kb in soak.rss_series[addr] if pid == pid1)}")
    print(f"Redis keys at the end: {len(all_keys)} {sorted(all_keys)[:8]}")
    print("======================\n")

    for what, detail in rec.problems[:20]:
        print(f"  finding: {what}: {detail}")
    for op, kind, t0, t1, session, detail in unexplained[:15]:
        print(f"  unexplained error: {rec.t(t0)}..{rec.t(t1)} {op} {kind} session {session.id} "
              f"(opened {rec.t(session.opened)}, last ok {rec.t(session.last_ok)}): {detail}")

    kinds = collections.Counter(w for w, _ in rec.problems)
    check(not stuck, f"every client finished in time (stuck: {stuck})")
    check(rec.ledger["operations verified"] > 0, f"operations were verified ({rec.ledger['operations verified']})")
    check(rec.ledger["lost"] == 0, f"no acknowledged operation lost ({rec.ledger['lost']})")
    check(rec.ledger["duplicated"] == 0, f"no operation duplicated ({rec.ledger['duplicated']})")
    check(not kinds["operation never sent"], f"no operation the clients never sent ({kinds['operation never sent']})")
    check(rec.ledger["wrong status"] == 0, f"every transaction in the status its client was told ({rec.ledger['wrong status']})")
    check(rec.ledger["acked, unverifiable"] == 0,
          f"every acknowledged operation verifiable unless its session was lost to chaos ({rec.ledger['acked, unverifiable']})")
    check(not kinds["a cancelled rollback ran anyway"], f"cancelled rollbacks changed nothing ({kinds['a cancelled rollback ran anyway']})")
    check(not kinds["event delivered twice"], f"no GET-stream event delivered twice ({kinds['event delivered twice']})")
    check(not kinds["acknowledged changes without their event"],
          f"every acknowledged change of a subscribed transaction reached the GET stream ({kinds['acknowledged changes without their event']} sessions short)")
    check(not hung, f"no call hung past its client time limit ({len(hung)})")
    check(not closed_left, f"no keys left for closed sessions right after the run ({len(closed_left)}: {closed_left[:5]})")
    check(not left, f"no keys left for any session of the run after the idle timeout ({len(left)}: {left[:5]})")
    check(rss_ok, "RSS of replicas never restarted within +10% of after warm-up")
    check(not unexplained, f"every client-visible error of a documented kind, explained by chaos ({len(unexplained)} not)")
    if args.secs >= 60 and not args.no_chaos:
        ran = {name.split()[0] + " " + name.split()[1] for _, name, _, _ in rec.windows}
        check(len(ran) == 4, f"every kind of chaos ran at least once ({sorted(ran)})")
    if task_clients:
        check_tasks(task_clients, rec, check)
    check(not kinds[VANISHED], "no replica ended but those the chaos killed")
    check(not kinds["a restarted replica did not listen within 10 s"] and not kinds["Redis did not come back within 10 s"]
          and not any(k.startswith("Redis Cluster:") for k in kinds),
          "restarts came back in time" + (" (every failover promoted a replica, the dead node rejoined)"
                                          if soak.redis.mode == "cluster" else ""))
    for child in soak.children:
        if child.poll() is None:
            child.send_signal(signal.SIGCONT)
    if failures:
        print(f"soak: {len(failures)} FAILED", flush=True)
        sys.exit(1)
    print("soak: all passed", flush=True)


if __name__ == "__main__":
    main()
