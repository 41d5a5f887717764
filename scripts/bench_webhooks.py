"""Outbound webhooks through the local stack (BENCHMARKS.md "Outbound webhooks"): N accruals
from K threads in a shop with one endpoint (a receiver on 127.0.0.1 that answers 200), each
accrual's message carried by the table's stream to webhook-fanout and by webhook-sender's
sweep to the receiver. Prints the accruals' rate, the messages' rate at the receiver, and
each message's latency from its accrual's answer to its arrival.

usage: bench_webhooks.py [--url http://127.0.0.1:9000] [-n 300] [-k 8]
(a running `make run`; the first run after a start includes the instances' cold starts)
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_token import token as make_token  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default=os.environ.get("LOYALTY_E2E_URL", "http://127.0.0.1:9000"))
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("-k", type=int, default=8)
    args = ap.parse_args()
    secret = os.environ.get("LOYALTY_JWT_SECRET", "local-dev-secret")
    shop = f"b{uuid.uuid4().hex[:10]}"
    tok = make_token("admin", shop, "bench", 3600, secret)

    def call(method, path, body=None):
        req = urllib.request.Request(args.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json",
                                              "Idempotency-Key": uuid.uuid4().hex})
        with urllib.request.urlopen(req, timeout=60) as res:
            return json.loads(res.read() or b"null")

    arrived = {}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            with lock:
                arrived.setdefault(body["data"]["order_id"], time.monotonic())
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    call("PUT", "/admin/settings", {"currency": "MYR", "timezone": "Asia/Kuala_Lumpur"})
    call("PUT", "/admin/programs/points", {"enabled": True, "earn": {"points_per_unit": 1},
                                           "redeem": {"points_per_unit": 100}})
    call("POST", "/admin/webhooks", {"url": f"http://127.0.0.1:{server.server_address[1]}/hook",
                                     "events": ["points.earned"]})
    committed = {}

    def accrue(i):
        now = datetime.now(timezone.utc).isoformat()
        call("POST", f"/orders/o{i}/accrue", {"member_id": f"m{i % 50}", "currency": "MYR", "total": "10.00",
                                               "placed_at": now, "paid_at": now, "lines": []})
        committed[f"o{i}"] = time.monotonic()

    start = time.monotonic()
    with ThreadPoolExecutor(args.k) as pool:
        list(pool.map(accrue, range(args.n)))
    done = time.monotonic()
    deadline = done + 120
    while len(arrived) < args.n and time.monotonic() < deadline:
        time.sleep(0.1)
    server.shutdown()
    if len(arrived) < args.n:
        sys.exit(f"only {len(arrived)} of {args.n} messages arrived")
    first, last = min(arrived.values()), max(arrived.values())
    latency = sorted(arrived[o] - committed[o] for o in committed)
    print(f"accruals: {args.n} from {args.k} threads in {done - start:.1f} s = {args.n / (done - start):.1f}/s")
    print(f"messages: {args.n} arrived over {last - first:.1f} s = {args.n / max(last - first, 1e-9):.1f}/s "
          f"(all {last - start:.1f} s after the first accrual)")
    print(f"latency from the accrual's answer: p50 {statistics.median(latency):.2f} s, "
          f"p95 {latency[int(0.95 * (len(latency) - 1))]:.2f} s, max {latency[-1]:.2f} s")


if __name__ == "__main__":
    main()
