"""Sign-in through the shop's OpenID Connect provider (API 1.2 "Console": where an issuer is
configured, "Sign in with ..." runs the authorization code flow with PKCE). scripts/e2e.sh
starts the stack with LOYALTY_OIDC_ISSUER=http://127.0.0.1:9320; the provider runs here."""
import json
import os
import re
import urllib.request
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from conftest import SECRET, URL, assert_accessible, make_token, new_shop
from oidc_provider import OidcProvider

PORT = int(os.environ.get("LOYALTY_OIDC_TEST_PORT", "9320"))


def configured():
    with urllib.request.urlopen(f"{URL}/console/config.json", timeout=30) as res:
        return json.load(res).get("oidc")


@pytest.fixture(scope="module")
def provider():
    if not configured():
        pytest.skip("the stack has no LOYALTY_OIDC_ISSUER (scripts/e2e.sh sets one)")
    origin = "{0.scheme}://{0.netloc}".format(urlparse(URL))
    p = OidcProvider(PORT, "loyalty-console", SECRET, make_token, origin).start()
    yield p
    p.stop()


def test_sign_in_with_the_provider_runs_the_code_flow_with_pkce(page, provider):
    api = new_shop()
    provider.user = (api.shop, "admin", "staff-sso")
    oidc = configured()
    assert oidc["issuer"] == provider.issuer and oidc["client_id"] == "loyalty-console"
    page.goto(f"{URL}/console/#/cards")
    button = page.get_by_role("button", name="Sign in with Test sign-in")
    expect(button).to_be_visible()
    expect(page.get_by_label("Token")).to_be_visible()  # the token form stays
    assert_accessible(page)
    # The page may talk to the provider, and only to it, besides its own origin.
    csp = page.evaluate("fetch('/console/config.json').then(r => r.headers.get('content-security-policy'))")
    assert f"connect-src 'self' {provider.issuer};" in csp, csp
    button.click()
    # Back from the provider: signed in as the provider's user, at the screen asked for,
    # with the code and state gone from the address bar.
    expect(page.get_by_role("heading", name="Benefit cards")).to_be_visible()
    assert "code=" not in page.url and "state=" not in page.url, page.url
    assert page.url.endswith("#/cards"), page.url
    expect(page.get_by_text(f"{api.shop} · Administrator")).to_be_visible()
    (exchange,) = provider.exchanged
    assert len(exchange["code_verifier"]) >= 43 and exchange["client_id"] == "loyalty-console"
    assert provider.refused == []


def test_a_return_that_does_not_match_the_request_signs_nobody_in(page, provider):
    api = new_shop()
    provider.user = (api.shop, "admin", "staff-sso")
    page.goto(f"{URL}/console/")
    # A code and state the console never asked for (a forged or replayed return).
    page.goto(f"{URL}/console/?code=forged&state=forged")
    expect(page.get_by_role("alert")).to_contain_text(re.compile("did not complete"))
    expect(page.get_by_label("Token")).to_be_visible()
    assert "code=" not in page.url
    assert page.evaluate("sessionStorage.getItem('loyalty.console.token')") is None
    assert provider.exchanged == [] or all(e.get("code") != "forged" for e in provider.exchanged)
