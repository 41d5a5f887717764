"""The balances report for a big shop on the local stack (BENCHMARKS.md "Reports"): seeds a
shop of N members with a year of ledger entries straight into the local table (as the
operations write them: entries in each member's partition, in the ledger's index), builds
the counters with scripts/backfill_reports.py, then times the report over HTTP.

usage: bench_reports.py [--url http://127.0.0.1:9000] [--ddb http://127.0.0.1:8000]
                        [--table loyalty-local] [-n 100000]
"""
import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone

import boto3

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from backfill_reports import shard  # noqa: E402
from make_token import token as make_token  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:9000")
    ap.add_argument("--ddb", default="http://127.0.0.1:8000")
    ap.add_argument("--table", default="loyalty-local")
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--shop", help="time the report of a shop seeded before (no seeding)")
    args = ap.parse_args()
    region = os.environ.get("AWS_REGION", "us-east-1")
    ddb = boto3.client("dynamodb", endpoint_url=args.ddb, region_name=region,
                       aws_access_key_id="test", aws_secret_access_key="test")
    shop = args.shop or f"big{uuid.uuid4().hex[:8]}"
    tok = make_token("admin", shop, "bench", 3600, os.environ.get("LOYALTY_JWT_SECRET", "local-dev-secret"))

    def call(method, path, body=None):
        req = urllib.request.Request(args.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as res:
            return res.status, res.read()

    if args.shop:
        time_report(call, shop, args.n, 0, 0)
        return
    call("PUT", "/admin/settings", {"currency": "MYR", "timezone": "Asia/Kuala_Lumpur"})
    start = datetime(2026, 1, 1, 2, 0, tzinfo=timezone.utc)
    rng = random.Random(7)
    t0 = time.monotonic()
    batch = []
    for i in range(args.n):
        member = f"m{i}"
        at = start + timedelta(seconds=rng.randrange(365 * 86400))
        millis = int(at.timestamp() * 1000)
        entry = f"{millis:013}00{uuid.uuid4().hex[:8].upper()}"
        amount = rng.randrange(1, 500)
        batch.append({"PutRequest": {"Item": {
            "PK": {"S": f"SHOP#{shop}#M#{member}"}, "SK": {"S": f"LEDGER#{entry}"},
            "entity_type": {"S": "ledger"}, "entry_id": {"S": entry},
            "GSI1PK": {"S": f"SHOP#{shop}#LDG#{shard(member)}"}, "GSI1SK": {"S": entry},
            "LSI1SK": {"S": f"POINTS#{entry}"},
            "account": {"S": "points"}, "kind": {"S": "accrual"}, "amount": {"N": str(amount)},
            "balance_after": {"N": str(amount)}, "reason": {"S": "accrual"}, "actor": {"S": "bench"},
            "at": {"S": at.isoformat(timespec="milliseconds").replace("+00:00", "Z")},
        }}})
        if len(batch) == 25:
            ddb.batch_write_item(RequestItems={args.table: batch})
            batch = []
    if batch:
        ddb.batch_write_item(RequestItems={args.table: batch})
    seeded = time.monotonic() - t0
    t1 = time.monotonic()
    subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "backfill_reports.py"),
                    "--table", args.table, "--endpoint", args.ddb, "--region", region], check=True,
                   env={**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
    built = time.monotonic() - t1
    time_report(call, shop, args.n, seeded, built)


def time_report(call, shop, n, seeded, built):
    times = []
    for _ in range(10):
        t = time.monotonic()
        status, body = call("GET", "/admin/reports/balances?from=2026-01-01&to=2026-12-31")
        times.append(time.monotonic() - t)
        assert status == 200
    report = json.loads(body)
    print(f"shop {shop}: {n} members, one entry each over 2026 (seeded in {seeded:.0f} s, "
          f"counters built in {built:.0f} s)")
    print(f"report 2026-01-01..2026-12-31: points closing {report['accounts']['points']['closing']}; "
          f"over HTTP p50 {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms (10 calls)")


if __name__ == "__main__":
    main()
