#!/usr/bin/env python3
"""The Redis a soak or a replicas test runs against, in one of three modes:

  single   one redis-server (as before)
  cluster  three primaries and three replicas (tests/tests/redis_cluster.rs:
           cluster-node-timeout 1000, repl-diskless-sync-delay 0, waited
           for until every node says cluster_state:ok and every replica
           master_link_status:up, or a primary cannot fail over)
  tls      one redis-server speaking TLS only, a certificate from a CA made
           here, the default user off and one ACL user `mcp`
           (tests/tests/redis_tls.rs); the replicas trust the CA through
           SSL_CERT_FILE (rustls-native-certs reads it)

Standard library only. As a command:

  redis_nodes.py start MODE DIR PIDFILE   # prints REDIS_URL; DIR/redis.json describes the nodes
  redis_nodes.py keys DIR                 # every key, on every primary

As a module (soak.py, .ci/replicas/client.py): Nodes.load(DIR).
Every node runs with DIR as its working directory (nodes-PORT.conf, the
certificates), so a killed node restarted with the same arguments rejoins
the cluster as it was (a replica, once its replica took over).
"""

import json
import os
import socket
import subprocess
import sys
import time

PASSWORD = "s3cret-for-soak"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cluster_port():
    """A free port whose cluster bus port (+10000) is free too: redis-server
    refuses a cluster port above 55535, which an ephemeral port often is."""
    import random
    for _ in range(200):
        port = random.randint(20000, 45000)
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for a cluster node")


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_until(predicate, timeout, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class Nodes:
    def __init__(self, mode, directory, ports, pidfile, pids=None):
        self.mode, self.dir, self.ports, self.pidfile = mode, directory, list(ports), pidfile
        self.pids = dict(pids or {})  # port -> pid of the node now running there

    # ---------------------------------------------------------------- state

    def save(self):
        with open(os.path.join(self.dir, "redis.json"), "w") as f:
            json.dump({"mode": self.mode, "dir": self.dir, "ports": self.ports, "pidfile": self.pidfile,
                       "pids": {str(p): pid for p, pid in self.pids.items()}}, f)

    @classmethod
    def load(cls, directory):
        with open(os.path.join(directory, "redis.json")) as f:
            state = json.load(f)
        return cls(state["mode"], state["dir"], state["ports"], state["pidfile"],
                   {int(p): pid for p, pid in state.get("pids", {}).items()})

    def url(self):
        if self.mode == "cluster":
            return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports[:3])
        if self.mode == "tls":
            return f"rediss://mcp:{PASSWORD}@127.0.0.1:{self.ports[0]}/"
        return f"redis://127.0.0.1:{self.ports[0]}/"

    def ca(self):
        return os.path.join(self.dir, "ca.pem")

    # ---------------------------------------------------------------- processes

    def command(self, port):
        base = ["redis-server", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        if self.mode == "cluster":
            return base + ["--port", str(port), "--cluster-enabled", "yes", "--cluster-node-timeout", "1000",
                           "--repl-diskless-sync-delay", "0", "--cluster-config-file", f"nodes-{port}.conf"]
        if self.mode == "tls":
            return base + ["--port", "0", "--tls-port", str(port),
                           "--tls-cert-file", "server.pem", "--tls-key-file", "server.key", "--tls-ca-cert-file", "ca.pem",
                           "--tls-auth-clients", "no",
                           "--user", "default", "off", "--user", "mcp", "on", f">{PASSWORD}", "~*", "&*", "+@all"]
        return base + ["--port", str(port)]

    def start_node(self, port):
        """Starts (or restarts) the node on port, with DIR as its working
        directory; its pid goes to the pid file (killed at cleanup)."""
        with open(os.path.join(self.dir, f"redis-{port}.log"), "a") as log:
            child = subprocess.Popen(self.command(port), cwd=self.dir, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        with open(self.pidfile, "a") as f:
            f.write(f"{child.pid}\n")
        self.pids[port] = child.pid
        return child

    def cli(self, port, *args, timeout=10):
        """redis-cli against one node; its stdout ('' when it hung)."""
        command = ["redis-cli", "-p", str(port)]
        env = dict(os.environ)
        if self.mode == "tls":
            command += ["--tls", "--cacert", self.ca(), "--user", "mcp"]
            env["REDISCLI_AUTH"] = PASSWORD
        try:
            out = subprocess.run(command + list(args), capture_output=True, text=True, timeout=timeout, env=env)
            return out.stdout
        except subprocess.TimeoutExpired:
            return ""

    def cli_checked(self, port, *args):
        command = ["redis-cli", "-p", str(port)]
        env = dict(os.environ)
        if self.mode == "tls":
            command += ["--tls", "--cacert", self.ca(), "--user", "mcp"]
            env["REDISCLI_AUTH"] = PASSWORD
        out = subprocess.run(command + list(args), capture_output=True, text=True, timeout=30, env=env)
        if out.returncode != 0 or out.stderr.strip():
            raise RuntimeError(f"redis-cli -p {port} {' '.join(args)} failed: {out.stderr.strip()}")
        return out.stdout

    def ready(self, port):
        return self.cli(port, "PING", timeout=2).strip() == "PONG"

    # ---------------------------------------------------------------- cluster

    def cluster_nodes(self):
        """[(port, role, master's node id or '-', node id, slots, flags)] as a live node sees them."""
        for port in self.ports:
            text = self.cli(port, "CLUSTER", "NODES", timeout=3)
            if text.strip():
                rows = []
                for line in text.strip().splitlines():
                    f = line.split()
                    node_port = int(f[1].split("@")[0].rsplit(":", 1)[1])
                    role = "master" if "master" in f[2] else "slave"
                    rows.append((node_port, role, f[3], f[0], f[8:], f[2]))
                return rows
        return []

    def primaries(self):
        """The ports of the primaries that serve slots (and are not marked failed)."""
        if self.mode != "cluster":
            return [self.ports[0]]
        return [p for p, role, _, _, slots, flags in self.cluster_nodes() if role == "master" and slots and "fail" not in flags]

    def primary_of_slot(self, slot):
        for port, role, _, _, slots, flags in self.cluster_nodes():
            if role != "master" or "fail" in flags:
                continue
            for r in slots:
                if r.startswith("["):
                    continue  # a slot being migrated
                lo, _, hi = r.partition("-")
                if int(lo) <= slot <= int(hi or lo):
                    return port
        return None

    def slot_of(self, key):
        for port in self.ports:
            out = self.cli(port, "CLUSTER", "KEYSLOT", key, timeout=3).strip()
            if out.isdigit():
                return int(out)
        return None

    def healthy(self):
        """Every node answers, says cluster_state:ok, and every replica is in
        step with its primary."""
        for port in self.ports:
            if self.mode == "cluster" and "cluster_state:ok" not in self.cli(port, "CLUSTER", "INFO", timeout=3):
                return False
            replication = self.cli(port, "INFO", "replication", timeout=3)
            if "role:master" not in replication and "master_link_status:up" not in replication:
                return False
        return True

    def create_cluster(self):
        addresses = [f"127.0.0.1:{p}" for p in self.ports]
        out = subprocess.run(["redis-cli", "--cluster", "create", *addresses, "--cluster-replicas", "1", "--cluster-yes"],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {out.stdout[-500:]} {out.stderr[-500:]}")
        if not wait_until(self.healthy, 30):
            raise RuntimeError("the cluster did not become whole within 30 s")

    # ---------------------------------------------------------------- keys

    def keys(self):
        """[(port, key)]: every key, SCANned on every primary."""
        found = []
        for port in self.primaries():
            found += [(port, k) for k in self.cli_checked(port, "--scan").split("\n") if k]
        return found


def make_certificates(directory):
    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=directory, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
            "-subj", "/CN=mcp soak CA")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1")
    with open(os.path.join(directory, "san.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.pem", "-days", "1", "-extfile", "san.cnf")


def start(mode, directory, pidfile):
    directory = os.path.abspath(directory)
    os.makedirs(directory, exist_ok=True)
    if mode not in ("single", "cluster", "tls"):
        raise SystemExit(f"unknown Redis mode {mode!r}: single, cluster or tls")
    ports = [cluster_port() for _ in range(6)] if mode == "cluster" else [free_port()]
    nodes = Nodes(mode, directory, ports, os.path.abspath(pidfile))
    if mode == "tls":
        make_certificates(directory)
    for port in ports:
        nodes.start_node(port)
    for port in ports:
        if not wait_until(lambda: nodes.ready(port), 10):
            raise RuntimeError(f"redis-server on {port} did not answer within 10 s")
    if mode == "cluster":
        nodes.create_cluster()
    nodes.save()
    return nodes


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "start":
        print(start(sys.argv[2], sys.argv[3], sys.argv[4]).url())
    elif len(sys.argv) == 3 and sys.argv[1] == "keys":
        for port, key in Nodes.load(sys.argv[2]).keys():
            print(f"{port} {key}")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
