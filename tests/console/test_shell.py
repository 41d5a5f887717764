"""The console's shell (API 1.2 "Console"): its headers, sign-in, sign-out on 401, the two
languages, and the strings of every screen in both catalogs."""
import glob
import os
import re
import urllib.request

from playwright.sync_api import expect

from conftest import (ROOT, URL, assert_accessible, new_shop, open_console, shot, token)


def test_every_console_answer_carries_the_security_headers():
    for path, status in [("/console/", 200), ("/console/src/main.js", 200), ("/console/nope.js", 404)]:
        try:
            res = urllib.request.urlopen(URL + path, timeout=30)
        except urllib.error.HTTPError as e:
            res = e
        assert res.status == status, path
        csp = res.headers["content-security-policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, csp
        assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp, csp
        assert res.headers["x-content-type-options"] == "nosniff"
        assert res.headers["referrer-policy"] == "no-referrer"


def test_a_token_in_the_address_signs_in_and_leaves_the_address_bar(page):
    api = new_shop()
    open_console(page, api, "/members")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "token" not in page.url
    stored = page.evaluate("[sessionStorage.length, localStorage.length, Object.keys(sessionStorage)]")
    assert stored[1] == 0, "the token is never kept in localStorage"
    assert any("token" in k for k in stored[2])
    # The header names the shop and the role from the token.
    expect(page.get_by_text(f"{api.shop} · Administrator")).to_be_visible()
    assert_accessible(page)


def test_a_link_for_another_shop_asks_before_it_replaces_the_session(page):
    """A `#token=` link must not silently sign a signed-in user in to another shop (API.md
    "Safety"): the console asks, and declining keeps the session it had."""
    mine, theirs = new_shop(), new_shop()
    open_console(page, mine, "/members")
    expect(page.get_by_text(f"{mine.shop} · Administrator")).to_be_visible()
    before = page.evaluate("sessionStorage.getItem('loyalty.console.token')")
    asked = []

    def dismiss(d):
        asked.append((d.type, d.message))
        d.dismiss()

    # Opened in this tab (a new document: the query differs); declined.
    page.once("dialog", dismiss)
    page.goto(f"{URL}/console/?lang=en#token={token(theirs.shop, 'admin', 'intruder')}")
    expect(page).not_to_have_url(re.compile("token="))
    expect(page.get_by_text(f"{mine.shop} · Administrator")).to_be_visible()
    assert len(asked) == 1 and asked[0][0] == "confirm", asked
    assert theirs.shop in asked[0][1] and "intruder" in asked[0][1] and mine.shop in asked[0][1], asked
    assert page.evaluate("sessionStorage.getItem('loyalty.console.token')") == before
    expect(page.get_by_text(theirs.shop)).to_have_count(0)

    # The same link followed within the page (only the hash changes); accepted: it switches.
    def accept(d):
        asked.append((d.type, d.message))
        d.accept()

    page.once("dialog", accept)
    page.evaluate(f"location.hash = '#token={token(theirs.shop, 'admin', 'intruder')}'")
    expect(page.get_by_text(f"{theirs.shop} · Administrator")).to_be_visible()
    expect(page).not_to_have_url(re.compile("token="))
    assert len(asked) == 2 and theirs.shop in asked[1][1], asked
    assert page.evaluate("sessionStorage.getItem('loyalty.console.token')") != before


def test_a_link_for_the_same_shop_and_user_replaces_the_session_silently(page):
    api = new_shop()
    open_console(page, api, "/members", sub="staff1")
    expect(page.get_by_text(f"{api.shop} · Administrator")).to_be_visible()
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    # A refreshed token for the same shop and subject (here with another role, to see it taken).
    page.goto(f"{URL}/console/?lang=en#token={token(api.shop, 'ops', 'staff1')}")
    expect(page).not_to_have_url(re.compile("token="))
    expect(page.get_by_text(f"{api.shop} · Operations")).to_be_visible()
    assert asked == []


def test_the_sign_in_form_and_a_refused_token_signs_out(page):
    api = new_shop()
    page.goto(f"{URL}/console/")
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
    assert_accessible(page)
    shot(page, "sign-in-en")
    page.get_by_label("Token").fill(token(api.shop, "admin"))
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_be_visible()

    # A token the server refuses (wrong signature): the first API call answers 401 and the
    # console signs out, saying why.
    page.get_by_role("button", name="Sign out").click()
    forged = token(api.shop, "admin")[:-4] + "AAAA"
    page.get_by_label("Token").fill(forged)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("signed out")
    expect(page.get_by_label("Token")).to_be_visible()
    assert page.evaluate("sessionStorage.length") == 0


def test_roles_see_only_their_screens(page):
    api = new_shop()
    open_console(page, api, "/till", role="cashier")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Till")).to_be_visible()
    for hidden in ["Settings", "Import", "Points", "Store credit", "Stored value"]:
        expect(nav.get_by_role("link", name=hidden, exact=True)).to_have_count(0)
    # A set-up screen typed into the address bar says plainly it is not for this role.
    page.evaluate("location.hash = '#/settings'")
    expect(page.get_by_role("heading", name="Not available for your role")).to_be_visible()


def test_the_language_switch_and_the_lang_parameter(page):
    api = new_shop()
    open_console(page, api, "/members", lang="zh-CN")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="会员", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    page.get_by_label("语言").select_option("en")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Members")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    assert "lang=en" in page.url


def test_every_string_the_screens_use_is_in_both_catalogs(page):
    api = new_shop()
    open_console(page, api, "/members")
    catalogs = page.evaluate("""async () => {
        const en = (await import('/console/src/i18n/en.js')).default;
        const zh = (await import('/console/src/i18n/zh-CN.js')).default;
        return {en: Object.keys(en), zh: Object.keys(zh),
                emptyZh: Object.entries(zh).filter(([k, v]) => !v || !String(v).trim()).map(([k]) => k)};
    }""")
    en, zh = set(catalogs["en"]), set(catalogs["zh"])
    assert en - zh == set(), f"missing in zh-CN: {sorted(en - zh)}"
    assert zh - en == set(), f"missing in en: {sorted(zh - en)}"
    assert catalogs["emptyZh"] == []
    used = set()
    for path in glob.glob(os.path.join(ROOT, "console", "src", "**", "*.js"), recursive=True):
        if os.sep + "i18n" + os.sep in path:
            continue
        used |= set(re.findall(r"""\bt\(\s*["']([\w.-]+)["']""", open(path, encoding="utf-8").read()))
    assert used, "the screens use t()"
    assert used - en == set(), f"used but in no catalog: {sorted(used - en)}"


def test_an_unknown_route_is_a_page_not_found(page):
    api = new_shop()
    open_console(page, api, "/nowhere")
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()


def test_a_lost_answer_is_retried_with_the_same_key_and_lands_once(page):
    """004/001 adjustments: the first answer is lost on the way back (the server committed,
    the browser sees 503); "Retry" sends the same Idempotency-Key, the server replays, and
    the ledger holds one entry."""
    api = new_shop()
    api.ok("POST", "/members/m-retry/adjustments", {"account": "points", "delta": 50, "reason": "opening"})
    keys = []

    def lose_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        res = route.fetch()  # reaches the real server, which commits
        if len(keys) == 1:
            route.fulfill(status=503, content_type="application/problem+json",
                          body='{"type":"about:blank","title":"Service Unavailable","status":503,'
                               '"detail":"try again","code":"unavailable"}')
        else:
            route.fulfill(response=res)

    page.route("**/members/m-retry/adjustments", lose_first_answer)
    page.expected_5xx = True
    open_console(page, api, "/members/m-retry")
    page.get_by_role("button", name="Adjust balance").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Account").select_option("points")
    dialog.get_by_label("Amount").fill("-20")
    dialog.get_by_label("Reason").fill("damaged goods")
    dialog.get_by_role("button", name="Apply").click()
    dialog.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("dialog")).to_be_hidden()
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1], keys
    _, ledger = api.call("GET", "/members/m-retry/ledger?account=points")
    reasons = [e["reason"] for e in ledger["items"]]
    assert reasons.count("damaged goods") == 1, reasons
    _, member = api.call("GET", "/members/m-retry")
    assert member["points"]["balance"] == 30
