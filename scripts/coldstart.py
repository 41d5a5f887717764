"""Cold start of release bootstraps, measured against a local Lambda Runtime API.

usage: coldstart.py [--runs 15] [--ddb-port 8010] NAME=BINARY[:EVENT] ...

For each binary, `--runs` times: start a fresh process with AWS_LAMBDA_RUNTIME_API pointing
at this script's server, and time

- init:  spawn -> the first GET /2018-06-01/runtime/invocation/next (what Lambda bills as
         the Init phase: everything `main` does before it asks for work);
- first: spawn -> the first POST .../response (init plus the first invocation, with its
         real DynamoDB round trips against the local server this script starts).

Prints min / median / max in milliseconds and each binary's ratio to the first one (the
floor: pass a hello-world lambda_http binary first). Nothing here is asserted; the figures
go to BENCHMARKS.md with this command.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from local_dynamodb import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


class Runtime:
    """One invocation per process: hands out the event, records when things happened."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset(b"{}")

    def reset(self, event):
        with self.lock:
            self.event = event
            self.first_next = None
            self.response = None
            self.status = None
            self.done = threading.Event()


RUNTIME = Runtime()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *_args):
        pass

    def _reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        now = time.perf_counter()
        if not self.path.endswith("/runtime/invocation/next"):
            return self._reply(404)
        with RUNTIME.lock:
            first = RUNTIME.first_next is None
            if first:
                RUNTIME.first_next = now
        if not first:
            # The runtime asks for the next event after answering: hold it until killed.
            RUNTIME.done.wait(30)
            return self._reply(204)
        deadline = int(time.time() * 1000) + 30_000
        self._reply(
            200,
            RUNTIME.event,
            {
                "Content-Type": "application/json",
                "Lambda-Runtime-Aws-Request-Id": "coldstart-1",
                "Lambda-Runtime-Deadline-Ms": str(deadline),
                "Lambda-Runtime-Invoked-Function-Arn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
                "Lambda-Runtime-Trace-Id": "Root=1-00000000-000000000000000000000000",
            },
        )

    def do_POST(self):
        now = time.perf_counter()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._reply(202, b"{}", {"Content-Type": "application/json"})
        with RUNTIME.lock:
            if RUNTIME.response is None:
                RUNTIME.response = now
                try:
                    RUNTIME.status = json.loads(body).get("statusCode")
                except (ValueError, AttributeError):
                    RUNTIME.status = "error" if "error" in self.path else "?"
                if "error" in self.path:
                    RUNTIME.status = f"error: {body[:200]!r}"
        RUNTIME.done.set()


def start_dynamodb(port):
    log = open(ROOT / ".local" / "coldstart-dynamodb.log", "w")
    proc = subprocess.Popen(
        [PY, str(ROOT / "scripts" / "local_dynamodb.py"), "127.0.0.1", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    wait_for_port(port, 10)
    endpoint = f"http://127.0.0.1:{port}"
    subprocess.run(
        [PY, str(ROOT / "scripts" / "local_table.py"), "--endpoint", endpoint, "--table", "coldstart"],
        check=True,
        env={**os.environ, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1"},
        stdout=subprocess.DEVNULL,
    )
    return proc, endpoint


def one_run(binary, event, env):
    # A server per spawn: a request the previous process sent just before it was killed
    # must not count as this one's.
    RUNTIME.reset(event)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # A killed runtime drops its held /next connection: not an error worth a traceback.
    server.handle_error = lambda *_args: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{server.server_address[1]}"}
    started = time.perf_counter()
    proc = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    finished = RUNTIME.done.wait(10)
    proc.kill()
    _, err = proc.communicate()
    RUNTIME.done.set()
    server.shutdown()
    server.server_close()
    if not finished or RUNTIME.first_next is None:
        sys.stderr.write(f"{binary}: no answer within 10 s (retried)\n{err.decode(errors='replace')[-2000:]}\n")
        return None
    return (RUNTIME.first_next - started) * 1000, (RUNTIME.response - started) * 1000, RUNTIME.status


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--ddb-port", type=int, default=0)
    ap.add_argument("targets", nargs="+", help="NAME=BINARY[:EVENT_JSON]")
    args = ap.parse_args()
    (ROOT / ".local").mkdir(exist_ok=True)

    ddb, endpoint = start_dynamodb(args.ddb_port or free_port())
    env = {
        "PATH": os.environ.get("PATH", ""),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "bench",
        "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        # What Lambda gives every function: region and the role's credentials as variables.
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_SESSION_TOKEN": "test",
        "AWS_ENDPOINT_URL": endpoint,
        "LOYALTY_TABLE": "coldstart",
        "LOYALTY_LOCAL": "1",
        "RUST_LOG": os.environ.get("RUST_LOG", "warn"),
    }
    rows = []
    stalls = {}
    default_event = next((t.split(":", 1)[1] for t in args.targets if ":" in t), None)
    try:
        for target in args.targets:
            name, _, spec = target.partition("=")
            binary, _, event_path = spec.partition(":")
            # Without an event of its own (the floor) a binary gets the first target's.
            event_path = event_path or default_event
            event = Path(event_path).read_bytes() if event_path else b"{}"
            one_run(binary, event, env)  # page cache warm, like a second cold start on Lambda
            runs = []
            while len(runs) < args.runs:
                run = one_run(binary, event, env)
                if run is None:
                    stalls[name] = stalls.get(name, 0) + 1
                    if stalls[name] > 3:
                        raise SystemExit(f"{name}: stalled more than 3 times")
                    continue
                runs.append(run)
            inits = [r[0] for r in runs]
            firsts = [r[1] for r in runs]
            size = os.path.getsize(binary)
            rows.append((name, inits, firsts, size, runs[-1][2]))
    finally:
        ddb.kill()
    if stalls:
        print(f"spawns that got no answer within 10 s and were run again: {stalls}")
    floor = statistics.median(rows[0][1])
    print(f"{args.runs} spawns each; ms as min / median / max; ratio = median init / {rows[0][0]}'s")
    print("| function | init (spawn -> first /next) | first response | ratio | bootstrap | status |")
    print("|---|---|---|---|---|---|")
    for name, inits, firsts, size, status in rows:
        fmt = lambda xs: f"{min(xs):.1f} / {statistics.median(xs):.1f} / {max(xs):.1f}"
        print(
            f"| {name} | {fmt(inits)} | {fmt(firsts)} | {statistics.median(inits) / floor:.2f}x "
            f"| {size / 1e6:.2f} MB | {status} |"
        )


if __name__ == "__main__":
    main()
