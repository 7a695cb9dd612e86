#!/usr/bin/env python3
"""Instructions per request: the load bench's queries against shopgraph under callgrind.

Wall-clock A/B runs on a shared machine move by a quarter within an hour; instruction counts
repeat to a fraction of a percent. This runs the dist server (as `cargo bench -p tests --bench
load` builds it, on the data it caches) under `valgrind --tool=callgrind` with instrumentation
off, warms each query up, counts the instructions of a fixed number of sequential requests
over HTTP and prints them per request.

    python3 tests/benches/callgrind.py [--queries Q1,Q2,Q3] [--requests 40] [--binary PATH]
                                       [--data DIR] [--keep DIR]

Needs valgrind, and the bench run once before (for the binary and the data).
"""

import argparse
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
JWT_SECRET = "bench-secret-bench-secret-bench-secret-0123"
ADMIN = ("admin@shopgraph.dev", "bench-admin-password")

# The load bench's documents (tests/benches/load.rs).
QUERIES = {
    "Q1": "query Q1($id: ID!) { user(id: $id) { id name email tier } }",
    "Q2": "query Q2($after: String, $first: Int = 50) { users(first: $first, after: $after) { nodes { id name posts(first: 10) { nodes { id title author { id name } } } } } }",
    "Q3": "query Q3($first: Int = 50) { orders(first: $first, filter: { status: { eq: PAID } }) { nodes { id totalCents customer { name } items { quantity unitPriceCents product { name } } } } }",
}


def post(url, query, variables, token=None):
    body = json.dumps({"query": query, "variables": variables}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json"})
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=600) as response:
        answer = json.load(response)
    if "errors" in answer:
        sys.exit(f"error from the server: {answer['errors'][0]}")
    return answer["data"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base, server):
    for _ in range(600):
        if server.poll() is not None:
            sys.exit("the server stopped while starting")
        try:
            with urllib.request.urlopen(f"{base}/health/live", timeout=5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit("the server did not start")


def variables_for(name, users, cursors, n):
    if name == "Q1":
        return {"id": users[(n * 7919) % len(users)]}
    if name == "Q2":
        return {"after": cursors[(n * 97) % len(cursors)]}
    return {}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", default="Q1,Q2,Q3")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/bench-server/dist/shopgraph"))
    parser.add_argument("--data", help="a cached bench data directory (default: the newest)")
    parser.add_argument("--keep", help="a directory to keep each query's callgrind dump in (for callgrind_annotate)")
    args = parser.parse_args()

    data = args.data or max((d for d in glob.glob(os.path.join(ROOT, "target/bench-data/*")) if not d.endswith(".run")), key=os.path.getmtime, default=None)
    if not data or not os.path.exists(args.binary):
        sys.exit("run `cargo bench -p tests --bench load` once first (it builds the server and the data)")
    work = tempfile.mkdtemp(prefix="shopgraph-callgrind-")
    try:
        copy = os.path.join(work, "data")
        shutil.copytree(data, copy)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        out = os.path.join(work, "callgrind.out")
        env = dict(os.environ, SHOPGRAPH_DATA_DIR=copy, SHOPGRAPH_JWT_SECRET=JWT_SECRET, SHOPGRAPH_LOG="warn")
        env.pop("DATABASE_URL", None)
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
             *os.environ.get("CALLGRIND_ARGS", "").split(), args.binary, "serve", "--port", str(port), "--max-complexity", "1000000"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(base, server)
            url = f"{base}/graphql"
            token = post(url, "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }",
                         {"e": ADMIN[0], "p": ADMIN[1]})["login"]["token"]
            users, cursors, after = [], [None], None
            for _ in range(20):
                page = post(url, "query($a: String) { users(first: 100, after: $a) { nodes { id } pageInfo { endCursor } } }",
                            {"a": after}, token)["users"]
                users += [n["id"] for n in page["nodes"]]
                after = page["pageInfo"]["endCursor"]
                cursors.append(after)
            print(f"{'query':<6} {'requests':>8} {'instructions/request':>22}")
            for name in args.queries.split(","):
                query = QUERIES[name.strip()]
                for n in range(args.warmup):
                    post(url, query, variables_for(name, users, cursors, n), token)
                subprocess.run(["callgrind_control", "-z", str(server.pid)], check=True, capture_output=True)
                subprocess.run(["callgrind_control", "-i", "on", str(server.pid)], check=True, capture_output=True)
                for n in range(args.requests):
                    post(url, query, variables_for(name, users, cursors, args.warmup + n), token)
                subprocess.run(["callgrind_control", "-i", "off", str(server.pid)], check=True, capture_output=True)
                for stale in glob.glob(out + "*"):
                    os.remove(stale)
                subprocess.run(["callgrind_control", "-d", str(server.pid)], check=True, capture_output=True)
                total = 0
                for dump in glob.glob(out + "*"):
                    with open(dump) as f:
                        for line in f:
                            if line.startswith(("totals:", "summary:")):
                                total = max(total, int(line.split()[1]))
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    for dump in glob.glob(out + "*"):
                        shutil.copy(dump, os.path.join(args.keep, f"callgrind.{name}"))
                print(f"{name:<6} {args.requests:>8} {total / args.requests / 1e6:>20.3f} M")
        finally:
            server.terminate()
            server.wait()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
