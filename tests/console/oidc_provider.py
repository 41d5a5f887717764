"""A minimal OpenID Connect provider for the console's sign-in test, run on a local port:
discovery, an authorization endpoint that signs the configured user straight in (there is
no login page to drive), and a token endpoint that checks the code exactly as a provider
must for a public client: one use, the same client and redirect URI, and the PKCE verifier
whose S256 hash is the challenge the authorization request carried (RFC 7636). The tokens
are JWTs with the API's claims (shop, sub, role), signed with the local stack's HS256
secret, as a shop's own provider would be configured to sign for it (JWKS in AWS).

Real HTTP and real checks; what it leaves out (consent, a user database, refresh tokens) the
console does not use.
"""
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class OidcProvider:
    def __init__(self, port, client_id, jwt_secret, make_token, console_origin):
        self.port = port
        self.issuer = f"http://127.0.0.1:{port}"
        self.client_id = client_id
        self.jwt_secret = jwt_secret
        self.make_token = make_token  # (role, shop, sub, ttl, secret) -> JWT
        self.console_origin = console_origin
        self.user = None  # (shop, role, sub): who signs in next
        self.codes = {}
        self.exchanged = []  # what the token endpoint accepted, for the test to see
        self.refused = []
        self.server = None

    def start(self):
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def _handler(self):
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                # The console (another origin) calls discovery and the token endpoint with
                # fetch: a provider serving browser clients answers with CORS.
                self.send_header("access-control-allow-origin", provider.console_origin)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, {
                        "issuer": provider.issuer,
                        "authorization_endpoint": f"{provider.issuer}/authorize",
                        "token_endpoint": f"{provider.issuer}/token",
                        "response_types_supported": ["code"],
                        "code_challenge_methods_supported": ["S256"],
                        "grant_types_supported": ["authorization_code"],
                        "token_endpoint_auth_methods_supported": ["none"],
                    })
                if url.path == "/authorize":
                    ok = (q.get("response_type") == "code" and q.get("client_id") == provider.client_id
                          and q.get("code_challenge_method") == "S256" and q.get("code_challenge")
                          and q.get("redirect_uri", "").startswith(provider.console_origin + "/")
                          and provider.user is not None)
                    if not ok:
                        provider.refused.append(("authorize", q))
                        return self._json(400, {"error": "invalid_request"})
                    code = secrets.token_urlsafe(24)
                    provider.codes[code] = {"challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"],
                                            "client_id": q["client_id"], "user": provider.user,
                                            "at": time.time()}
                    back = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q.get("state", "")})
                    self.send_response(302)
                    self.send_header("location", back)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                if urllib.parse.urlparse(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("content-length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                grant = provider.codes.pop(form.get("code", ""), None)  # one use only
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                ok = (grant is not None and form.get("grant_type") == "authorization_code"
                      and form.get("client_id") == grant["client_id"]
                      and form.get("redirect_uri") == grant["redirect_uri"]
                      and challenge == grant["challenge"] and time.time() - grant["at"] < 60)
                if not ok:
                    provider.refused.append(("token", form))
                    return self._json(400, {"error": "invalid_grant"})
                shop, role, sub = grant["user"]
                jwt = provider.make_token(role, shop, sub, 3600, provider.jwt_secret)
                provider.exchanged.append(form)
                return self._json(200, {"access_token": jwt, "id_token": jwt, "token_type": "Bearer",
                                        "expires_in": 3600})

        return Handler


if __name__ == "__main__":
    sys.exit("imported by tests/console/test_oidc.py")
