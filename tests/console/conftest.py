"""The console in a real browser (Debian's Chromium driven by Playwright) against the real
local stack: scripts/e2e.sh starts the stack and sets LOYALTY_E2E_URL.

Every test gets a fresh browser context and fails on any console error or page error (a
CSP mistake shows up that way), and each test uses a shop of its own, so tests never see
each other's data. `axe(page)` runs axe-core (vendored, injected with page.evaluate: a
strict CSP blocks add_script_tag) and returns its violations.

Screenshots: with LOYALTY_CONSOLE_SHOTS=<dir>, `shot(page, name)` saves <dir>/<name>.png.
"""
import json
import os
import re
import sys
import urllib.error
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect, sync_playwright

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from make_token import token as make_token  # noqa: E402

URL = os.environ.get("LOYALTY_E2E_URL", "http://127.0.0.1:9000")
SECRET = os.environ.get("LOYALTY_JWT_SECRET", "local-dev-secret")
CHROMIUM = os.environ.get("LOYALTY_CHROMIUM", "/usr/lib/chromium/chromium")
SHOTS = os.environ.get("LOYALTY_CONSOLE_SHOTS")
# A function instance the local stack starts on first use is a `cargo run` away (4-6 s on
# 2 cores): assertions wait longer than Playwright's default 5 s.
expect.set_options(timeout=20_000)
AXE = open(os.path.join(os.path.dirname(__file__), "vendor", "axe.min.js")).read()


def token(shop, role="admin", sub="staff1"):
    return make_token(role, shop, sub, 3600, SECRET)


class Api:
    """The HTTP API as a test sets up its data (the console's own calls go through the page)."""

    def __init__(self, shop, role="admin", sub="setup"):
        self.shop = shop
        self.token = token(shop, role, sub)

    def call(self, method, path, body=None, key=None, raw=None, content_type=None):
        headers = {"Authorization": f"Bearer {self.token}"}
        data = None
        if raw is not None:
            data = raw.encode()
            headers["Content-Type"] = content_type or "text/plain"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if key or (method == "POST" and raw is None):
            headers["Idempotency-Key"] = key or uuid.uuid4().hex
        req = urllib.request.Request(URL + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as res:
                text = res.read().decode()
                status = res.status
        except urllib.error.HTTPError as e:
            text, status = e.read().decode(), e.code
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return status, parsed

    def ok(self, method, path, body=None, **kw):
        status, parsed = self.call(method, path, body, **kw)
        assert status < 300, f"{method} {path}: {status} {parsed}"
        return parsed


def new_shop(currency="MYR", timezone="Asia/Kuala_Lumpur", **settings):
    """A shop of the test's own, set up with its settings; returns its admin Api."""
    api = Api(f"c{uuid.uuid4().hex[:10]}")
    api.ok("PUT", "/admin/settings", {"currency": currency, "timezone": timezone, **settings})
    return api


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-quic",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors = []

    def on_console(m):
        # Chromium logs every 4xx answer as "Failed to load resource"; a 4xx is a refusal
        # the screen shows (404 "not set up yet", 409, 422), not a fault. Every other error
        # line (a CSP refusal, an exception) fails the test, and so does any 5xx below.
        expected = r"Failed to load resource: .* status of (4\d\d|5\d\d)" if getattr(pg, "expected_5xx", False) \
            else r"Failed to load resource: .* status of 4\d\d"
        if m.type == "error" and not re.match(expected, m.text):
            errors.append(f"console: {m.text}")

    def on_response(r):
        if r.status >= 500 and not getattr(pg, "expected_5xx", False):
            errors.append(f"server error: {r.request.method} {r.url} -> {r.status}")

    pg.on("console", on_console)
    pg.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    pg.on("response", on_response)
    pg.errors = errors
    yield pg
    context.close()
    assert not errors, "\n".join(errors)


def open_console(page, api, route="/members", role="admin", lang=None, sub="staff1"):
    """Signs in through `#token=` as `role` of `api`'s shop and opens `route`."""
    query = f"?lang={lang}" if lang else ""
    page.goto(f"{URL}/console/{query}#token={token(api.shop, role, sub)}")
    # The app takes the token out of the address at once.
    expect(page).not_to_have_url(re.compile("token="))
    page.evaluate(f"location.hash = '#{route}'")


def axe(page):
    page.evaluate(AXE)
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)}));
    }""")
    return result


def assert_accessible(page):
    violations = axe(page)
    assert violations == [], json.dumps(violations, indent=1)


def shot(page, name):
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
