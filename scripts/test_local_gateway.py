"""The local gateway (scripts/local_gateway.py) forwards only the API's routes.

A fake upstream (standing in for `cargo lambda watch`) records every request it gets and
answers 200. Lambda's invoke API and watch's runtime API must never reach it through the
gateway (404 `not_found`, API.md "Safety (clarifications)"); every route of the workspace
router (Cargo.toml `[workspace.metadata.lambda.watch.router]`), the console's static files
among them, must.

usage: .venv/bin/python -m unittest scripts/test_local_gateway.py   (make test runs it)
"""
import http.client
import json
import os
import re
import sys
import threading
import tomllib
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from local_gateway import Server, make_handler  # noqa: E402


def router():
    with open(os.path.join(HERE, "..", "Cargo.toml"), "rb") as f:
        return tomllib.load(f)["workspace"]["metadata"]["lambda"]["watch"]["router"]


class Upstream(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.received = []
        self.lock = threading.Lock()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self):
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                with upstream.lock:
                    upstream.received.append((self.command, self.path, body))
                data = b'{"ok":true}'
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _any

            def log_message(self, fmt, *args):
                pass

        super().__init__(("127.0.0.1", 0), Handler)


class GatewayTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = Upstream()
        threading.Thread(target=cls.upstream.serve_forever, daemon=True).start()
        handler = make_handler(cls.upstream.server_address[1], threading.BoundedSemaphore(8),
                               {"http://127.0.0.1:9310"})
        cls.gateway = Server(("127.0.0.1", 0), handler)
        threading.Thread(target=cls.gateway.serve_forever, daemon=True).start()
        cls.port = cls.gateway.server_address[1]

    @classmethod
    def tearDownClass(cls):
        for server in (cls.gateway, cls.upstream):
            server.shutdown()
            server.server_close()

    def setUp(self):
        with self.upstream.lock:
            self.upstream.received.clear()

    def send(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        finally:
            conn.close()

    def received(self):
        with self.upstream.lock:
            return list(self.upstream.received)

    def assert_not_found(self, method, path, body=None):
        status, headers, data = self.send(method, path, body=body)
        self.assertEqual(status, 404, (method, path, data))
        self.assertEqual(headers["content-type"], "application/problem+json")
        self.assertEqual(json.loads(data)["code"], "not_found")
        self.assertEqual(self.received(), [], (method, path))

    def assert_forwarded(self, method, path, body=None):
        status, _, data = self.send(method, path, body=body)
        self.assertEqual(status, 200, (method, path, data))
        self.assertEqual([(m, p) for m, p, _ in self.received()], [(method, path)])
        self.setUp()

    def test_lambdas_invoke_api_is_not_reachable(self):
        records = json.dumps({"Records": [{"eventName": "INSERT"}]}).encode()
        for name in ("webhook-fanout", "webhook-sender", "get-member"):
            self.assert_not_found("POST", f"/2015-03-31/functions/{name}/invocations", records)
        self.assert_not_found("POST", "/2015-03-31/functions/webhook-fanout/invocations?x=1", records)
        self.assert_not_found("GET", "/2015-03-31/functions/webhook-fanout/invocations")

    def test_watchs_runtime_api_is_not_reachable(self):
        self.assert_not_found("GET", "/2018-06-01/runtime/invocation/next")
        self.assert_not_found("GET", "/get-member/2018-06-01/runtime/invocation/next")
        self.assert_not_found("POST", "/2018-06-01/runtime/invocation/abc/response", b"{}")
        self.assert_not_found("POST", "/2018-06-01/runtime/init/error", b"{}")

    def test_paths_no_route_matches_are_404(self):
        for path in ["/", "/nope", "/members", "/members/", "/members/m1/", "/members/m1/nope",
                     "/admin/cards/c1/claims/x", "/consoles", "/lambda-url/get-member/x",
                     # A dot segment the upstream might resolve to some other path.
                     "/console/../2015-03-31/functions/webhook-fanout/invocations",
                     "/console/%2e%2e/2015-03-31/functions/webhook-fanout/invocations",
                     # Absolute-form: the upstream would route on the URL's path.
                     "http://127.0.0.1/2015-03-31/functions/webhook-fanout/invocations"]:
            method = "POST" if "invocations" in path else "GET"
            self.assert_not_found(method, path, b"{}" if method == "POST" else None)

    def test_the_api_routes_are_forwarded(self):
        self.assert_forwarded("GET", "/members/m1")
        self.assert_forwarded("GET", "/members/m1?cursor=abc")
        self.assert_forwarded("HEAD", "/members/m1")
        self.assert_forwarded("POST", "/members/m1/adjustments", b'{"points":1}')
        self.assert_forwarded("POST", "/orders/o1/redeem", b'{"points":1}')
        self.assert_forwarded("DELETE", "/admin/members/m1")
        self.assert_forwarded("PATCH", "/admin/webhooks/ep_1", b"{}")

    def test_the_console_is_forwarded(self):
        for path in ["/console", "/console/", "/console/src/main.js", "/console/src/i18n/en.js",
                     "/console/nope.js", "/console/?x=1"]:
            self.assert_forwarded("GET", path)

    def test_every_route_of_the_router_is_forwarded(self):
        routes = router()
        self.assertGreater(len(routes), 30)
        for path, methods in routes.items():
            concrete = re.sub(r"\{\*\w+\}", "a/b.js", re.sub(r"\{\w+\}", "x1", path))
            for r in methods:
                method = r["method"].upper()
                self.assert_forwarded(method, concrete, b"{}" if method != "GET" else None)

    def test_another_method_on_a_routed_path_is_not_forwarded(self):
        status, headers, data = self.send("POST", "/members/m1", body=b"{}")
        self.assertEqual(status, 405, data)
        self.assertEqual(json.loads(data)["code"], "method_not_allowed")
        self.assertEqual(headers["allow"], "GET, HEAD")
        status, _, _ = self.send("DELETE", "/console/src/main.js")
        self.assertEqual(status, 405)
        # A static segment wins over a parameter, as in matchit: `/admin/members/lookup` is
        # GET only, though `/admin/members/{member_id}` has PUT.
        status, headers, _ = self.send("PUT", "/admin/members/lookup", body=b"{}")
        self.assertEqual((status, headers["allow"]), (405, "GET, HEAD"))
        self.assertEqual(self.received(), [])

    def test_methods_the_api_never_routes_stay_405(self):
        for method in ["TRACE", "PROPFIND"]:
            status, headers, data = self.send(method, "/members/m1")
            self.assertEqual(status, 405, method)
            self.assertEqual(headers["content-type"], "application/problem+json")
            self.assertEqual(json.loads(data)["code"], "method_not_allowed")
        self.assertEqual(self.received(), [])

    def test_preflights_are_answered_here(self):
        status, headers, _ = self.send("OPTIONS", "/members/m1", headers={
            "Origin": "http://127.0.0.1:9310", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 204)
        self.assertEqual(headers["access-control-allow-origin"], "http://127.0.0.1:9310")
        status, headers, _ = self.send("OPTIONS", "/cards", headers={
            "Origin": "http://elsewhere.example", "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 204)
        self.assertNotIn("access-control-allow-origin", headers)
        self.assertEqual(self.received(), [])

    def test_a_body_that_is_not_utf8_is_400(self):
        status, _, data = self.send("POST", "/members/m1/adjustments", body=b"\xff\xfe{\x80")
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(data)["code"], "invalid_request")
        self.assertEqual(self.received(), [])


if __name__ == "__main__":
    unittest.main()
