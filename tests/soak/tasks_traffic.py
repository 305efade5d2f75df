"""Tasks in the soak: clients of the tasks example's replicas (behind the
same nginx, at /tasks/mcp) create prime-sieve tasks in the 2026-07-28 era
and poll them to their end while the chaos runs.

Each acknowledged task (its taskId answered) must end: completed with the
right count of primes, or failed or lost when chaos explains it (its
worker's replica killed while it ran and then its retry's, or Redis
restarted empty after it was created). A wrong result, a task that never
ends, or an end chaos does not explain fails the soak. Standard library
only; soak.py drives it.
"""

import json
import random
import threading
import time

VERSION = "2026-07-28"
PATH = "/tasks/mcp"
TASK_DEADLINE = 90.0  # a killed worker's task waits out the 30 s claim timeout, then runs again
RERUN = 40.0  # what each replica killed while a task runs may add (claim timeout, a second run)
MAX_RUNS = 2  # a task runs at most twice (one retry): a third kill cannot delay it more
POLL_EVERY = 0.3
# Long tasks (seconds each), so that some are running when chaos strikes:
# their counts are known rather than computed here.
KNOWN_COUNTS = {10**8: 5_761_455, 10**9: 50_847_534}


def now():
    return time.monotonic()


def prime_count(limit):
    """π(limit), by a plain sieve."""
    sieve = bytearray([1]) * (limit + 1)
    sieve[0:2] = b"\x00\x00"
    for n in range(2, int(limit**0.5) + 1):
        if sieve[n]:
            sieve[n * n::n] = bytes(len(range(n * n, limit + 1, n)))
    return sum(sieve)


class Caller:
    """Stands in for a session in the soak's error records: the stateless
    era has none, so a 404 is never explained by one."""

    def __init__(self, name):
        self.id, self.opened, self.last_ok = name, now(), now()

    def lost_to_chaos(self, _at):
        return False


class TaskClient(threading.Thread):
    def __init__(self, soak, n, exchange, names_redis):
        super().__init__(daemon=True, name=f"tasks{n}")
        self.soak, self.record, self.exchange, self.names_redis = soak, soak.record, exchange, names_redis
        self.rng = random.Random(1000 + n)
        self.caller = Caller(f"tasks{n}")
        self.next_id = 0
        self.outcomes = []  # (task id, created at, ended at, outcome, detail)

    def rpc(self, op, method, params, name=None):
        """The result, or None after recording the error; `name` is the
        Mcp-Name header (the tool's name, the task's id)."""
        self.next_id += 1
        params = dict(params, _meta={
            "io.modelcontextprotocol/protocolVersion": VERSION,
            "io.modelcontextprotocol/clientCapabilities": {"extensions": {"io.modelcontextprotocol/tasks": {}}},
            "io.modelcontextprotocol/clientInfo": {"name": self.name, "version": "0"},
        })
        headers = {"content-type": "application/json", "accept": "application/json, text/event-stream",
                   "mcp-protocol-version": VERSION, "mcp-method": method}
        if name:
            headers["mcp-name"] = name
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        self.record.count(op)
        t0 = now()
        reply = self.exchange(self.soak.balancer, "POST", PATH, headers, body, 15.0, want_id=self.next_id)
        answer = next((m for m in reply.messages if m.get("id") == self.next_id and "method" not in m), None)
        if reply.kind or reply.status != 200 or answer is None:
            kind = reply.kind or (f"http-{reply.status}" if reply.status != 200 else "no-answer")
            self.record.error(op, kind, t0, now(), self.caller, reply.detail)
            return None
        if "error" in answer:
            return {"error": answer["error"], "t0": t0}
        return answer["result"]

    def run(self):
        while now() < self.soak.end - 10:
            if self.rng.random() < 0.2:
                limit = self.rng.choice(sorted(KNOWN_COUNTS))
            else:
                limit = self.rng.randrange(50_000, 400_000)
            created = self.rpc("task create", "tools/call", {
                "name": "distributed_compute",
                "arguments": {"task_type": "prime_sieve", "data": {"limit": limit}}}, name="distributed_compute")
            if not created or "error" in created or created.get("resultType") != "task":
                if created and "error" in created:
                    error = created["error"]
                    kind = "rpc-redis" if self.names_redis(error) else f"rpc-{error.get('code')}"
                    self.record.error("task create", kind, created["t0"], now(), self.caller, error)
                time.sleep(0.5)
                continue
            self.record.event("task created")
            self.follow(created["taskId"], limit)

    def follow(self, task_id, limit):
        created = now()
        while now() < created + self.deadline(created):
            time.sleep(POLL_EVERY)
            task = self.rpc("task get", "tasks/get", {"taskId": task_id}, name=task_id)
            if task is None:
                continue  # a transport error, recorded; ask again
            if "error" in task and self.names_redis(task["error"]):
                # Redis paused or failing over: the task is still there.
                self.record.error("task get", "rpc-redis", task["t0"], now(), self.caller, task["error"])
                continue
            if "error" in task:
                self.end(task_id, created, "lost", task["error"])
                return
            status = task.get("status")
            if status == "completed":
                values = (task.get("result") or {}).get("structuredContent", {}).get("values", [])
                expected = KNOWN_COUNTS.get(limit) or prime_count(limit)
                right = bool(values) and values[0] == expected
                self.end(task_id, created, "completed" if right else "wrong result",
                         f"limit {limit}: {values[:1]} for {expected}")
                return
            if status in ("failed", "cancelled"):
                self.end(task_id, created, status, task.get("statusMessage") or task.get("result"))
                return
        self.end(task_id, created, "never ended", f"limit {limit}")

    def deadline(self, created):
        """How long a task created at `created` may take: TASK_DEADLINE, plus
        a rerun for each replica killed since (its worker may have been one)."""
        with self.record.lock:
            kills = sum(1 for w in self.record.windows if w[1].startswith("replica SIGKILLed") and w[2] >= created - 1)
        return TASK_DEADLINE + RERUN * min(kills, MAX_RUNS)

    def end(self, task_id, created, outcome, detail):
        self.outcomes.append((task_id, created, now(), outcome, str(detail)[:200]))
        self.record.event(f"task {outcome}")


def explain_task(outcome, record):
    """Why a task's end other than a right completion is documented, or None."""
    _, created, ended, kind, _ = outcome
    if kind == "lost":
        return "Redis restarted empty" if any(created - 1 <= t <= ended for t in record.redis_restarts) else None
    if kind == "failed":
        # Its worker died, and with it the one retry's (retries = 1).
        kills = [w for w in record.windows if w[1].startswith("replica SIGKILLed") and created - 1 <= w[3] and w[2] <= ended]
        return "its workers were killed" if kills else None
    return None


def check_tasks(clients, record, check):
    """Prints the tasks' outcomes and checks them (soak.py's `check`)."""
    outcomes = [o for c in clients for o in c.outcomes]
    by_kind = {}
    for o in outcomes:
        by_kind[o[3]] = by_kind.get(o[3], 0) + 1
    print(f"tasks: {len(outcomes)} acknowledged, by end: {dict(sorted(by_kind.items()))}")
    unexplained = [o for o in outcomes if o[3] != "completed" and not explain_task(o, record)]
    for task_id, created, ended, kind, detail in unexplained[:10]:
        print(f"  task {task_id} {kind} {record.t(created)}..{record.t(ended)}: {detail}")
    check(by_kind.get("completed", 0) > 0, f"tasks completed ({by_kind.get('completed', 0)})")
    check(not by_kind.get("wrong result"), f"every completed task has the right result ({by_kind.get('wrong result', 0)} not)")
    check(not by_kind.get("never ended"),
          f"every acknowledged task ended within {TASK_DEADLINE:.0f} s, {RERUN:.0f} s more a replica killed meanwhile ({by_kind.get('never ended', 0)} not)")
    check(not unexplained, f"every task that did not complete is explained by chaos ({len(unexplained)} not)")
