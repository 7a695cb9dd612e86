#!/usr/bin/env python3
"""Instructions per request: the load bench's queries against shopgraph and its ceiling under
callgrind.

Wall-clock A/B runs on a shared machine move by a quarter within an hour; instruction counts
repeat to a fraction of a percent. This runs the dist server (as `cargo bench -p tests --bench
load` builds it, on the data it caches) under `valgrind --tool=callgrind` with instrumentation
off, warms each query up, counts the instructions of a fixed number of sequential requests
over HTTP and prints them per request; then the same for the ceiling (the load bench's own
binary with `--ceiling-server`, on a copy of the same data), and the ratio.

    python3 tests/benches/callgrind.py [--queries Q1,Q2,Q3] [--requests 40] [--binary PATH]
                                       [--data DIR] [--keep DIR] [--ceiling PATH | --no-ceiling]
                                       [--database-url postgres://...]

With `--database-url` both run on that PostgreSQL database (as the bench seeded it with the
same option) and the counts are the servers' own: PostgreSQL's work is in its processes.

Needs valgrind, and the bench run once before (for the binary and the data).
"""

import argparse
import base64
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


def count(pid, out, send, name, args):
    """Instructions per request of `args.requests` calls of `send(n)` in the process `pid`."""
    for n in range(args.warmup):
        send(n)
    subprocess.run(["callgrind_control", "-z", str(pid)], check=True, capture_output=True)
    subprocess.run(["callgrind_control", "-i", "on", str(pid)], check=True, capture_output=True)
    for n in range(args.requests):
        send(args.warmup + n)
    subprocess.run(["callgrind_control", "-i", "off", str(pid)], check=True, capture_output=True)
    for stale in glob.glob(out + "*"):
        os.remove(stale)
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
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
    return total / args.requests


def under_callgrind(out, command, env=None, stdout=subprocess.DEVNULL):
    return subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         *os.environ.get("CALLGRIND_ARGS", "").split(), *command],
        env=env, stdout=stdout, stderr=subprocess.DEVNULL, text=True,
    )


def row_number(global_id):
    """The row number behind a global id (`Type:row`, unpadded URL-safe base64)."""
    text = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    return int(text.split(":")[1])


def shopgraph(args, work, names):
    copy = os.path.join(work, "shopgraph-data")
    shutil.copytree(args.data, copy)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    out = os.path.join(work, "shopgraph.out")
    env = dict(os.environ, SHOPGRAPH_DATA_DIR=copy, SHOPGRAPH_JWT_SECRET=JWT_SECRET, SHOPGRAPH_LOG="warn")
    env.pop("DATABASE_URL", None)
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    server = under_callgrind(out, [args.binary, "serve", "--port", str(port), "--max-complexity", "1000000"], env)
    results = {}
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
        for name in names:
            query = QUERIES[name]
            send = lambda n: post(url, query, variables_for(name, users, cursors, n), token)
            results[name] = count(server.pid, out, send, name, args)
    finally:
        server.terminate()
        server.wait()
    # The same users and page starts, as the ceiling takes them (row numbers).
    starts = [None] + [row_number(users[100 * k - 1]) for k in range(1, len(cursors))]
    return results, [row_number(u) for u in users], starts


def ceiling(args, work, names, users, starts):
    copy = os.path.join(work, "ceiling-data")
    shutil.copytree(args.data, copy)
    out = os.path.join(work, "ceiling.out")
    server = under_callgrind(out, [args.ceiling, "--ceiling-server", args.database_url or os.path.join(copy, "shopgraph.db")],
                             stdout=subprocess.PIPE)
    results = {}
    try:
        base = "http://" + server.stdout.readline().strip().removeprefix("listening on ")
        for name in names:
            def send(n, name=name):
                body = {"Q1": {"id": users[(n * 7919) % len(users)]},
                        "Q2": {"after": starts[(n * 97) % len(starts)]}}.get(name, {})
                request = urllib.request.Request(f"{base}/{name.lower()}", json.dumps(body).encode(),
                                                 {"content-type": "application/json"})
                with urllib.request.urlopen(request, timeout=600) as response:
                    json.load(response)
            results[name] = count(server.pid, out, send, f"ceiling.{name}", args)
    finally:
        server.terminate()
        server.wait()
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", default="Q1,Q2,Q3")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--binary", default=os.path.join(ROOT, "target/bench-server/dist/shopgraph"))
    parser.add_argument("--ceiling", help="the load bench's binary, which serves the ceiling (default: the newest built)")
    parser.add_argument("--no-ceiling", action="store_true", help="measure shopgraph only")
    parser.add_argument("--data", help="a cached bench data directory (default: the newest)")
    parser.add_argument("--database-url", help="PostgreSQL, as the bench was run with (default: the cached SQLite data)")
    parser.add_argument("--keep", help="a directory to keep each query's callgrind dump in (for callgrind_annotate)")
    args = parser.parse_args()

    args.data = args.data or max((d for d in glob.glob(os.path.join(ROOT, "target/bench-data/*")) if not d.endswith(".run")), key=os.path.getmtime, default=None)
    if not args.data or not os.path.exists(args.binary):
        sys.exit("run `cargo bench -p tests --bench load` once first (it builds the server and the data)")
    if not args.no_ceiling and not args.ceiling:
        built = [f for f in glob.glob(os.path.join(ROOT, "target/release/deps/load-*")) if os.access(f, os.X_OK) and not f.endswith(".d")]
        args.ceiling = max(built, key=os.path.getmtime, default=None)
    names = [n.strip() for n in args.queries.split(",")]
    work = tempfile.mkdtemp(prefix="shopgraph-callgrind-")
    try:
        ours, users, starts = shopgraph(args, work, names)
        theirs = ceiling(args, work, names, users, starts) if args.ceiling and not args.no_ceiling else {}
        print(f"{'query':<6} {'requests':>8} {'shopgraph':>12} {'ceiling':>12} {'ratio':>7}   (instructions per request)")
        for name in names:
            c = theirs.get(name)
            ceiling_text = f"{c / 1e6:>10.3f} M" if c else f"{'-':>12}"
            ratio = f"{ours[name] / c:>6.2f}x" if c else f"{'-':>7}"
            print(f"{name:<6} {args.requests:>8} {ours[name] / 1e6:>10.3f} M {ceiling_text} {ratio}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
