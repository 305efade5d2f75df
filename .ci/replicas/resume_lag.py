#!/usr/bin/env python3
"""Reproduces a GET stream that stays behind after it is resumed elsewhere.

Through the balancer: one session, its GET stream, N/3 transactions (three
resources/updated events each); halfway the replica holding the stream is
SIGKILLed while the reader is a few events behind (it usually is, with a
cluster) and the reader resumes through another replica with Last-Event-ID.
Then, with pings keeping the session alive, how many events have arrived,
second by second; then one more transaction. Observed (issue 28): the
resumed stream stays exactly as many events behind as the reader was at the
kill, for good: the last events arrive only when later ones push them.

  REPLICAS_REDIS=cluster .ci/replicas/run.sh target/release/examples/transactions \
    -- python3 .ci/replicas/resume_lag.py 3000
Exit status 1 when events are missing at the end.
"""
import os, re, signal, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from client import Endpoint, StreamReader, initialize
url = sys.argv[-1]
n = int(sys.argv[1])
client = initialize(url)
reader = StreamReader(url, client.session)
reader.start()
assert reader.wait_for(lambda r: r.holders, 10)
sent, rid = 0, 1
t0 = time.time()
def tx():
    global sent, rid
    r, _ = client.call(rid, "tools/call", {"name": "start_transaction", "arguments": {"description": "p"}})
    tid = r["structuredContent"]["id"]; uri = f"transaction://{tid}"
    client.call(rid + 1, "resources/subscribe", {"uri": uri})
    for k, kind in enumerate(["debit", "credit"]):
        client.call(rid + 2 + k, "tools/call", {"name": "add_operation", "arguments": {"transaction_id": tid, "operation": {"kind": kind, "account": "a", "amount_cents": 1}}})
    client.call(rid + 4, "tools/call", {"name": "commit", "arguments": {"transaction_id": tid}})
    client.call(rid + 5, "resources/unsubscribe", {"uri": uri})
    sent += 3; rid += 6
killed = None
for i in range(n // 3):
    tx()
    if killed is None and i == n // 6:
        holder = reader.holders[0]
        out = subprocess.run(["ss", "-ltnpH", f"sport = :{holder.rsplit(':', 1)[1]}"], capture_output=True, text=True).stdout
        pid = int(re.search(r"pid=(\d+)", out).group(1))
        os.kill(pid, signal.SIGKILL)
        killed = holder
        print(f"killed the holder {holder} (pid {pid}) after {sent} sent, {len(reader.events)} received", flush=True)
print(f"sent {sent} in {time.time()-t0:.1f} s; stream held by {reader.holders}", flush=True)
for s in range(8):
    print(f"  +{s}s received {len(reader.events)}", flush=True)
    client.call(rid, "ping", {}); rid += 1
    time.sleep(1)
tx()
time.sleep(2)
ids = sorted(int(i.rsplit('-', 1)[1]) for i, _ in reader.events)
missing = sorted(set(range(1, sent + 1)) - set(ids))
print(f"after one more transaction: sent {sent}, received {len(reader.events)}, missing {len(missing)}: {missing[:12]}", flush=True)
sys.exit(1 if missing else 0)
