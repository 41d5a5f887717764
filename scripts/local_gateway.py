"""The local stack's front door: forwards the API's requests (its routes only, see below) to
`cargo lambda watch`, with at most MAX_IN_FLIGHT requests inside it at once.

Why: cargo-lambda 1.9's watch queues invocations per function in a channel of 100 and pushes
into it while holding the lock that function instances need to take work from it; the 101st
concurrent request to one function deadlocks the whole server (seen here with 300 concurrent
buyers). API Gateway itself accepts such bursts, so locally they wait here instead, and
watch never holds more than it can take.

cargo-lambda 1.9's watch also now and then answers a request whose response is large (the
console's 83 KB stylesheet: ~9 % of requests at 8 concurrent, directly on watch too) with a
500 of its own, `{"type":"https://httpstatuses.com/500",...}` as text/plain, which no function
of ours writes (ours are problem+json with a `code`) and Lambda never does. A GET (safe to
repeat) that gets exactly that answer is sent again, up to WATCH_500_RETRIES times.

It also answers, as API Gateway would, what never reaches a function: a body that is not
UTF-8 text (watch answers those with its own 500 before any handler runs) and methods the API
does not route (http.server would answer 501 HTML). Both get problem+json 4xx.

And CORS as the HTTP API's CORS configuration answers it (template.yaml `AllowedOrigins`;
here `LOYALTY_ALLOWED_ORIGINS`, comma-separated, default none): a preflight (OPTIONS with
Origin and Access-Control-Request-Method) from a listed origin gets 204 with
Access-Control-Allow-Origin: <that origin> and the allowed methods, headers and max age; from
any other origin 204 with no Access-Control-Allow-* header, so the browser refuses. Other
requests from a listed origin get Access-Control-Allow-Origin on their answer. watch's own
CORS headers (it echoes any origin, with credentials) never pass through: a page that works
here is one API Gateway lets through.

And, as API Gateway does, it forwards only the API's routes: the workspace router of
Cargo.toml (`[workspace.metadata.lambda.watch.router]`, the routes template.yaml gives API
Gateway; scripts/check_routes.py keeps them the same). watch serves more than the API on its
port: Lambda's invoke API (`POST /2015-03-31/functions/<name>/invocations`) and its runtime
API (`/2018-06-01/runtime/...`). Forwarded, they would let anyone who can reach this port
invoke any function with an event of their own making, e.g. the stream consumers with forged
stream records, which no caller of the deployed API can do. So a path (query string aside)
that no route matches is 404 problem+json `not_found`, as are paths with `.` or `..`
segments (which watch might resolve to another path) and absolute-form request targets; a
routed path asked with a method it is not routed for is 405 `method_not_allowed`; HEAD goes
where GET does. Preflights are still answered here, for any path. What calls watch's invoke
API on purpose (scripts/local_events.py, the webhook e2e test) calls watch directly, on its
inner port (scripts/stack.sh).

usage: local_gateway.py LISTEN_PORT UPSTREAM_PORT [MAX_IN_FLIGHT]
"""
import http.client
import json
import os
import re
import sys
import threading
import tomllib
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "host", "content-length"}


ROUTED_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}


# template.yaml's CorsConfiguration, the same values.
CORS_METHODS = "GET,POST,PUT,PATCH,DELETE"
CORS_HEADERS = "authorization,content-type,idempotency-key"
CORS_MAX_AGE = "600"


def allowed_origins() -> set:
    raw = os.environ.get("LOYALTY_ALLOWED_ORIGINS", "")
    return {o.strip().rstrip("/") for o in raw.split(",") if o.strip()}


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def load_router(cargo_toml=os.path.join(ROOT, "Cargo.toml")) -> dict:
    """The workspace router: {matchit path: [{"method": ..., "function": ...}, ...]}."""
    with open(cargo_toml, "rb") as f:
        return tomllib.load(f)["workspace"]["metadata"]["lambda"]["watch"]["router"]


def compile_route(path: str):
    """A matchit path as a regex: `{name}` is one non-empty segment, `{*name}` the non-empty
    rest (so `/x/{*rest}` never matches `/x/`, which the router lists on its own)."""
    out, pos = [], 0
    for m in re.finditer(r"\{(\*?)(\w+)\}", path):
        out.append(re.escape(path[pos:m.start()]))
        out.append(".+" if m.group(1) else "[^/]+")
        pos = m.end()
    out.append(re.escape(path[pos:]))
    return re.compile("".join(out))


def specificity(path: str) -> tuple:
    """matchit's precedence: a static segment before a `{param}`, a param before `{*rest}`."""
    return tuple(2 if seg.startswith("{*") else 1 if "{" in seg else 0
                 for seg in path.split("/"))


def route_table(router: dict) -> list:
    """[(compiled path, {methods})], most specific first, HEAD wherever GET is."""
    table = []
    for path in sorted(router, key=specificity):
        methods = {r["method"].upper() for r in router[path]}
        if "GET" in methods:
            methods.add("HEAD")
        table.append((compile_route(path), methods))
    return table


def routed_methods(table: list, target: str):
    """The methods of the route a request target's path matches (as matchit picks it: the
    most specific), or None when none does."""
    path = target.split("?", 1)[0]
    if not path.startswith("/") or any(
            urllib.parse.unquote(seg) in (".", "..") for seg in path.split("/")):
        return None
    for pattern, methods in table:
        if pattern.fullmatch(path):
            return methods
    return None


WATCH_500 = b'{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}'
WATCH_500_RETRIES = 3


def problem(status: int, code: str, detail: str) -> bytes:
    return json.dumps({
        "type": f"https://loyalty.example/problems/{code}",
        "title": http.client.responses.get(status, "Error"),
        "status": status, "detail": detail, "code": code,
    }).encode()


def make_handler(upstream_port: int, slots: threading.BoundedSemaphore, origins: set,
                 router: dict = None):
    table = route_table(load_router() if router is None else router)

    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, status: int, code: str, detail: str, extra=()):
            data = problem(status, code, detail)
            self.send_response(status)
            self.send_header("content-type", "application/problem+json")
            for k, v in extra:
                self.send_header(k, v)
            self.send_header("content-length", str(len(data)))
            self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
            self.close_connection = True

        def _unsupported(self):
            self._drain()
            self._answer(405, "method_not_allowed", f"{self.command} is not supported",
                         [("allow", ", ".join(sorted(ROUTED_METHODS)))])

        def __getattr__(self, name):
            # http.server looks up do_<METHOD>; every method it does not know lands here.
            if name.startswith("do_"):
                return self._unsupported
            raise AttributeError(name)

        def _drain(self):
            try:
                length = int(self.headers.get("content-length") or 0)
            except ValueError:
                length = 0
            return self.rfile.read(length) if length > 0 else None

        def _preflight(self):
            """API Gateway answers preflights itself; they never reach a function."""
            self._drain()
            origin = self.headers.get("origin", "")
            self.send_response(204)
            if origin in origins:
                self.send_header("access-control-allow-origin", origin)
                self.send_header("access-control-allow-methods", CORS_METHODS)
                self.send_header("access-control-allow-headers", CORS_HEADERS)
                self.send_header("access-control-max-age", CORS_MAX_AGE)
            self.send_header("vary", "origin")
            self.send_header("content-length", "0")
            self.send_header("connection", "close")
            self.end_headers()
            self.close_connection = True

        def _forward(self):
            if self.command == "OPTIONS" and self.headers.get("origin") \
                    and self.headers.get("access-control-request-method"):
                return self._preflight()
            methods = routed_methods(table, self.path)
            if methods is None:
                self._drain()
                return self._answer(404, "not_found", "no route matches this path")
            if self.command not in methods:
                self._drain()
                return self._answer(405, "method_not_allowed",
                                    f"{self.command} is not routed for this path",
                                    [("allow", ", ".join(sorted(methods)))])
            try:
                length = int(self.headers.get("content-length") or 0)
            except ValueError:
                return self._answer(400, "invalid_request", "bad Content-Length")
            if length < 0:
                return self._answer(400, "invalid_request", "bad Content-Length")
            body = self.rfile.read(length) if length else None
            if body is not None:
                try:
                    body.decode("utf-8")
                except UnicodeDecodeError:
                    return self._answer(400, "invalid_request", "the body is not UTF-8 text")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            for attempt in range(WATCH_500_RETRIES + 1):
                with slots:
                    conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
                    try:
                        conn.request(self.command, self.path, body=body, headers=headers)
                        resp = conn.getresponse()
                        data = resp.read()
                        status, reason, out_headers = resp.status, resp.reason, resp.getheaders()
                    finally:
                        conn.close()
                if not (self.command in ("GET", "HEAD") and status == 500 and data == WATCH_500):
                    break
            self.send_response(status, reason)
            for k, v in out_headers:
                name = k.lower()
                if name in HOP_BY_HOP or name.startswith("access-control-") or name == "vary":
                    continue
                self.send_header(k, v)
            origin = self.headers.get("origin", "")
            if origin in origins:
                self.send_header("access-control-allow-origin", origin)
            varies = [v for k, v in out_headers if k.lower() == "vary"
                      and not v.lower().startswith("origin, access-control-request-method")]
            self.send_header("vary", ", ".join(["origin"] + varies))
            self.send_header("content-length", str(len(data)))
            self.send_header("connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        def log_message(self, fmt, *args):
            pass

    return Forward


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Bursts of hundreds of connections are the point of the race tests.
    request_queue_size = 1024


def main():
    listen, upstream = int(sys.argv[1]), int(sys.argv[2])
    in_flight = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    slots = threading.BoundedSemaphore(in_flight)
    Server(("127.0.0.1", listen), make_handler(upstream, slots, allowed_origins())).serve_forever()


if __name__ == "__main__":
    main()
