"""CORS on the local stack answers as API Gateway's CORS configuration does (API 1.2
"Storefront"): the stack runs with LOYALTY_ALLOWED_ORIGINS=http://127.0.0.1:9310
(scripts/e2e.sh), the example storefront's test origin; any other origin gets no
Access-Control-Allow-* header, so a page the gateway would block is blocked here too."""
import os
import urllib.request

from conftest import URL, new_shop, token

LISTED = f"http://127.0.0.1:{os.environ.get('LOYALTY_STOREFRONT_TEST_PORT', '9310')}"
OTHER = "http://127.0.0.1:9311"


def send(method, path, headers):
    req = urllib.request.Request(URL + path, method=method, headers=headers)
    try:
        res = urllib.request.urlopen(req, timeout=60)
    except urllib.error.HTTPError as e:
        res = e
    res.read()
    return res.status, {k.lower(): v for k, v in res.headers.items()}


def test_a_preflight_from_a_listed_origin_is_allowed():
    for path, method in [("/cards", "GET"), ("/cards/card_x/claim", "POST"), ("/members/m1", "GET")]:
        status, headers = send("OPTIONS", path, {
            "Origin": LISTED, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type,idempotency-key"})
        assert status == 204, path
        assert headers["access-control-allow-origin"] == LISTED
        assert set(headers["access-control-allow-methods"].split(",")) == {"GET", "POST", "PUT", "PATCH", "DELETE"}
        assert set(headers["access-control-allow-headers"].split(",")) == {"authorization", "content-type", "idempotency-key"}
        assert headers["access-control-max-age"] == "600"
        assert "access-control-allow-credentials" not in headers


def test_any_other_origin_gets_no_cors_header():
    for origin in [OTHER, "https://evil.example", "null"]:
        status, headers = send("OPTIONS", "/cards", {"Origin": origin, "Access-Control-Request-Method": "GET"})
        assert status == 204
        assert not [h for h in headers if h.startswith("access-control-")], (origin, headers)


def test_answers_name_the_listed_origin_only():
    api = new_shop()
    bearer = {"Authorization": f"Bearer {token(api.shop, 'customer', 'm1')}"}
    status, headers = send("GET", "/cards", {**bearer, "Origin": LISTED})
    assert status == 200
    assert headers["access-control-allow-origin"] == LISTED
    assert "origin" in headers["vary"].lower()
    for origin in [OTHER, None]:
        status, headers = send("GET", "/cards", {**bearer, **({"Origin": origin} if origin else {})})
        assert status == 200
        assert not [h for h in headers if h.startswith("access-control-")], headers
    # The widget's modules load cross-origin too (a module script is a CORS request), the
    # parts it imports as much as its entry.
    for path in ["/console/member.js", "/console/member/view.js", "/console/member/strings.js"]:
        status, headers = send("GET", path, {"Origin": LISTED})
        assert status == 200, path
        assert headers["access-control-allow-origin"] == LISTED, path
