"""What a read costs on the local stack as its DynamoDB fills up, with and without the
query patch (`query_by_partition` in local_dynamodb.py). BENCHMARKS.md has the figures.

For each size and mode, a local DynamoDB is started on one port with the table already
holding SIZE items of other members (written straight into moto's backend in the same
process, ~10 s per 100,000), the running stack (`scripts/stack.sh`, pointed at that port)
sets up a shop and one member with 60 ledger entries over HTTP, and the member read
(`GET /members/{id}`) and a ledger page (`GET /members/{id}/ledger?limit=50`) are timed at
the wire, READS times each: median and 90th percentile.

usage:
  scripts/bench_local_dynamodb.py [--sizes 0,10000,100000,1000000] [--reads 20]
      [--modes patched,unpatched]
  (it starts the stack itself, on ports 9400 and 9401, and stops it at the end)
  scripts/bench_local_dynamodb.py serve PORT SIZE [--unpatched-query]   (one server)
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from local_dynamodb import wait_for_port  # noqa: E402
TABLE = "loyalty-bench"
ACCOUNT, REGION = "123456789012", "us-east-1"


def serve(port, size, unpatched):
    """One local DynamoDB holding `size` items of 'bulk' members: a profile listed on GSI1,
    two accounts and seven ledger entries each, as the functions write them."""
    import local_dynamodb
    import local_table
    from moto.dynamodb.models import dynamodb_backends

    local_dynamodb.patch(query=not unpatched)
    props = local_table.table_properties(os.path.join(ROOT, "template.yaml"))
    table = local_table.create_in_backend(dynamodb_backends[ACCOUNT][REGION], TABLE, props)
    stream, table.stream_shard = table.stream_shard, None  # no stream records for the fill
    started = time.time()
    n = 0
    member = 0
    while n < size:
        pk = f"SHOP#bulk#M#b{member:07}"
        items = [{"PK": {"S": pk}, "SK": {"S": "PROFILE"}, "entity_type": {"S": "profile"},
                  "member_id": {"S": f"b{member:07}"}, "version": {"N": "9"},
                  "GSI1PK": {"S": "REG#bulk"}, "GSI1SK": {"S": f"{1700000000000 + member}#b{member}"},
                  "name": {"S": f"Member {member}"}, "total_spend": {"N": "120.50"}}]
        for acct in ("POINTS", "CREDIT"):
            items.append({"PK": {"S": pk}, "SK": {"S": f"ACCT#{acct}"}, "balance": {"N": "700"},
                          "lots": {"S": "lq8x0:300;lq9y0:400"}, "version": {"N": "7"}})
        for e in range(7):
            items.append({"PK": {"S": pk}, "SK": {"S": f"LEDGER#2026-05-0{e + 1}T10:00:00.000Z#{e}"},
                          "LSI1SK": {"S": f"points#2026-05-0{e + 1}T10:00:00.000Z#{e}"},
                          "amount": {"N": "100"}, "balance_after": {"N": str(100 * (e + 1))},
                          "reason": {"S": "order"}, "actor": {"S": "pos-1"}})
        for item in items[: size - n]:
            table.put_item(item)
            n += 1
        member += 1
    table.stream_shard = stream
    print(json.dumps({"filled": n, "seconds": round(time.time() - started, 1)}), flush=True)
    local_dynamodb.serve("127.0.0.1", port)


def call(url, token, method="GET", body=None, key=None, timeout=60):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as res:
            status, payload = res.status, res.read()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read()
    return status, (time.perf_counter() - started) * 1000, payload


def token(shop):
    out = subprocess.run([sys.executable, os.path.join(HERE, "make_token.py"), "--role", "admin",
                          "--shop", shop, "--sub", "bench"], capture_output=True, text=True,
                         check=True, env={**os.environ, "LOYALTY_JWT_SECRET": "local-dev-secret"})
    return out.stdout.strip()


def measure(url, reads, label):
    shop = f"bench-{uuid.uuid4().hex[:8]}"
    tok = token(shop)
    status, _, body = call(f"{url}/admin/settings", tok, "PUT",
                           {"currency": "MYR", "timezone": "Asia/Kuala_Lumpur"})
    assert status == 200, body
    for i in range(60):
        status, _, body = call(f"{url}/members/m1/adjustments", tok, "POST",
                               {"account": "points", "delta": 10, "reason": "bench"},
                               key=f"k{i}")
        assert status == 200, body
    out = {}
    for name, path in (("member read", "/members/m1"),
                       ("ledger page", "/members/m1/ledger?account=points&limit=50")):
        call(url + path, tok)  # warm: the instance is started
        times, statuses = [], set()
        for _ in range(reads):
            status, ms, _ = call(url + path, tok)
            statuses.add(status)
            times.append(ms)
        times.sort()
        out[name] = {"median_ms": round(statistics.median(times), 1),
                     "p90_ms": round(times[int(len(times) * 0.9) - 1], 1),
                     "statuses": sorted(statuses)}
    print(json.dumps({"run": label, **out}), flush=True)
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]), "--unpatched-query" in sys.argv)
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0,10000,100000,1000000")
    parser.add_argument("--modes", default="patched,unpatched")
    parser.add_argument("--reads", type=int, default=20)
    parser.add_argument("--port", type=int, default=9400)
    args = parser.parse_args()
    ddb_port = args.port + 1
    url = f"http://127.0.0.1:{args.port}"
    env = {**os.environ, "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ddb_port}",
           "LOYALTY_TABLE": TABLE, "LOYALTY_PORT": str(args.port), "AWS_REGION": REGION,
           "LOYALTY_DYNAMODB_PORT": str(ddb_port), "LOYALTY_WATCH_FLAGS": "--ignore-changes"}
    os.makedirs(os.path.join(ROOT, ".local"), exist_ok=True)
    stack = None
    results = []
    try:
        for mode in args.modes.split(","):
            for size in [int(s) for s in args.sizes.split(",")]:
                flags = ["--unpatched-query"] if mode == "unpatched" else []
                server = subprocess.Popen(
                    [sys.executable, os.path.abspath(__file__), "serve", str(ddb_port),
                     str(size), *flags], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                    text=True)
                filled = json.loads(server.stdout.readline())
                assert wait_for_port(ddb_port, 60), "the local DynamoDB did not start"
                if stack is None:
                    log = open(os.path.join(ROOT, ".local", "bench-stack.log"), "w")
                    stack = subprocess.Popen([os.path.join(HERE, "stack.sh")], env=env,
                                             stdout=log, stderr=log, start_new_session=True)
                    for _ in range(1200):
                        if "Loyalty stack ready" in open(log.name).read():
                            break
                        time.sleep(0.5)
                    else:
                        raise SystemExit("the stack did not start: .local/bench-stack.log")
                try:
                    out = measure(url, args.reads, f"{mode} {size}")
                    results.append((mode, size, filled["seconds"], out))
                finally:
                    server.terminate()
                    server.wait()
                    time.sleep(0.5)
    finally:
        if stack is not None:
            os.killpg(stack.pid, signal.SIGTERM)
            stack.wait()
    print()
    print("| moto | items in the table | fill (s) | member read median / p90 (ms) "
          "| ledger page median / p90 (ms) |")
    print("|---|---|---|---|---|")
    for mode, size, fill, out in results:
        cells = []
        for name in ("member read", "ledger page"):
            m = out[name]
            note = "" if m["statuses"] == [200] else f" (answers {m['statuses']})"
            cells.append(f"{m['median_ms']} / {m['p90_ms']}{note}")
        print(f"| {mode} | {size:,} | {fill} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
