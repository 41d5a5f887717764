"""The storefront member widget (API 1.2 "Storefront"; seed 000: the member's cards under
我的 - 卡, free cards claimed, paid cards bought) on the example shop page, served from
another origin: 127.0.0.1:LOYALTY_STOREFRONT_TEST_PORT (default 9310), which the stack lists
in LOYALTY_ALLOWED_ORIGINS, and 127.0.0.1:9311, which it does not list.

Screenshots: with LOYALTY_CONSOLE_SHOTS set, docs/storefront-en.png and
docs/storefront-zh-CN.png."""
import functools
import http.server
import os
import re
import threading
import urllib.parse

import pytest
from playwright.sync_api import expect

from conftest import ROOT, SHOTS, assert_accessible, new_shop, token

PORT = int(os.environ.get("LOYALTY_STOREFRONT_TEST_PORT", "9310"))
UNLISTED_PORT = int(os.environ.get("LOYALTY_STOREFRONT_UNLISTED_PORT", "9311"))
API = os.environ.get("LOYALTY_E2E_URL", "http://127.0.0.1:9000")
SITE = os.path.join(ROOT, "examples", "storefront")
DOCS = os.path.join(ROOT, "docs")


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(port):
    handler = functools.partial(Quiet, directory=SITE)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def shop_site():
    """The example page on the listed origin and on an unlisted one."""
    listed, unlisted = serve(PORT), serve(UNLISTED_PORT)
    yield f"http://127.0.0.1:{PORT}", f"http://127.0.0.1:{UNLISTED_PORT}"
    for s in (listed, unlisted):
        s.shutdown()
        s.server_close()


def member_shop():
    """A shop with points, credit and value programs, a free card, a paid card (the guide
    card), a sold-out card and a member holding balances."""
    api = new_shop()
    api.ok("PUT", "/admin/programs/points", {"enabled": True, "name": "Points", "earn": {"points_per_unit": 1},
                                              "redeem": {"points_per_unit": 100}, "expiry": {"kind": "never"}})
    api.ok("PUT", "/admin/programs/credit", {"enabled": True, "expiry": {"kind": "never"}, "rules": []})
    api.ok("PUT", "/admin/programs/value", {"enabled": True, "any_amount": True, "min_amount": "10.00", "rules": []})
    free = api.ok("POST", "/admin/cards", {
        "kind": "free", "name": "Tea Club", "description": "Free to join: members save on every order.",
        "validity": {"kind": "days", "days": 30}, "benefits": [{"kind": "discount", "percent": 95}],
        "gift_pack": {"points": 50}})
    paid = api.ok("POST", "/admin/cards", {
        "kind": "paid", "name": "Gold yearly", "description": "20% off and free shipping for a year.",
        "validity": {"kind": "days", "days": 365}, "price": "99.00", "stock": 50,
        "benefits": [{"kind": "discount", "percent": 80}, {"kind": "free_shipping"}],
        "gift_pack": {"points": 100, "gifts": ["Tote bag"]}})
    gone = api.ok("POST", "/admin/cards", {
        "kind": "paid", "name": "Founders", "validity": {"kind": "permanent"}, "price": "499.00", "stock": 1})
    api.ok("POST", f"/cards/{gone['card_id']}/purchase", {"member_id": "someone_else"})
    member = "m_" + api.shop
    for account, delta in (("points", 3098), ("credit", "12.50"), ("value", "40.00")):
        api.ok("POST", f"/members/{member}/adjustments", {"account": account, "delta": delta, "reason": "opening"})
    return api, member, free, paid, gone


def open_shop(page, origin, api, member, lang=None):
    frag = {"api": API, "token": token(api.shop, "customer", member)}
    if lang:
        frag["lang"] = lang
    page.goto(f"{origin}/index.html#{urllib.parse.urlencode(frag)}")
    return page.locator("loyalty-member")


def card(widget, name):
    return widget.get_by_role("article", name=name)


def test_widget_shows_the_members_balances_and_cards(page, shop_site):
    api, member, free, paid, gone = member_shop()
    widget = open_shop(page, shop_site[0], api, member)
    expect(page.get_by_role("heading", name="Example storefront", level=1)).to_be_visible()
    expect(widget.get_by_role("heading", name="My membership")).to_be_visible()
    expect(widget.locator("[data-figure=points]")).to_have_text("3,098")
    expect(widget.locator("[data-figure=credit]")).to_have_text(re.compile(r"12\.50"))
    expect(widget.locator("[data-figure=value]")).to_have_text(re.compile(r"40\.00"))
    claim = widget.get_by_role("region", name="Cards to claim")
    expect(card(claim, "Tea Club").get_by_role("button", name="Claim")).to_be_visible()
    buy = widget.get_by_role("region", name="Cards to buy")
    expect(card(buy, "Gold yearly").get_by_role("button", name="Buy")).to_be_visible()
    expect(card(buy, "Gold yearly")).to_contain_text(re.compile(r"MYR\s99\.00"))
    founders = card(buy, "Founders")
    expect(founders).to_contain_text("Sold out")
    expect(founders.get_by_role("button")).to_have_count(0)
    expect(widget.get_by_role("region", name="My cards")).to_contain_text("You hold no cards yet.")
    # The token left the address bar.
    expect(page).not_to_have_url(re.compile("token="))


def test_claim_puts_the_card_among_held_cards(page, shop_site):
    api, member, free, paid, gone = member_shop()
    widget = open_shop(page, shop_site[0], api, member)
    claim = widget.get_by_role("region", name="Cards to claim")
    card(claim, "Tea Club").get_by_role("button", name="Claim").click()
    held = widget.get_by_role("region", name="My cards")
    expect(card(held, "Tea Club")).to_be_visible()
    expect(card(held, "Tea Club")).to_contain_text("Valid until")
    expect(widget.get_by_role("region", name="Cards to claim")).to_have_count(0)
    # The gift pack's 50 points.
    expect(widget.locator("[data-figure=points]")).to_have_text("3,148")
    cards = api.ok("GET", f"/members/{member}")["cards"]
    assert [c["card_id"] for c in cards] == [free["card_id"]]


def test_claim_asks_for_a_phone_when_the_card_requires_one(page, shop_site):
    api, member, *_ = member_shop()
    api.ok("POST", "/admin/cards", {"kind": "free", "name": "Phone club", "validity": {"kind": "permanent"},
                                    "require_phone": True})
    widget = open_shop(page, shop_site[0], api, member)
    club = card(widget, "Phone club")
    club.get_by_role("button", name="Claim").click()
    expect(club.get_by_role("alert")).to_be_visible()
    club.get_by_label("Phone").fill("+60123456789")
    club.get_by_role("button", name="Retry").click()
    expect(card(widget.get_by_role("region", name="My cards"), "Phone club")).to_be_visible()


def test_buy_fires_loyalty_purchase(page, shop_site):
    api, member, free, paid, gone = member_shop()
    widget = open_shop(page, shop_site[0], api, member)
    page.evaluate("""() => { window.seen = []; document.addEventListener('loyalty-purchase',
        e => window.seen.push(e.detail)); }""")
    card(widget.get_by_role("region", name="Cards to buy"), "Gold yearly").get_by_role("button", name="Buy").click()
    notice = page.locator("#notice")
    expect(notice).to_have_text(re.compile(r"^Purchase \S+ created: go to checkout$"))
    seen = page.evaluate("window.seen")
    assert len(seen) == 1
    purchase = seen[0]
    assert purchase["card_id"] == paid["card_id"] and purchase["amount"] == "99.00"
    assert purchase["currency"] == "MYR" and purchase["expires_at"]
    expect(notice).to_have_text(f"Purchase {purchase['purchase_id']} created: go to checkout")
    assert api.ok("GET", f"/purchases/{purchase['purchase_id']}")["status"] == "pending"


def test_guide_card_is_offered_first(page, shop_site):
    api, member, free, paid, gone = member_shop()
    api.ok("PUT", "/admin/settings", {"guide_card_id": paid["card_id"], "guide_on": ["product", "checkout"]})
    widget = open_shop(page, shop_site[0], api, member)
    offer = widget.get_by_role("region", name="Recommended for you")
    expect(card(offer, "Gold yearly").get_by_role("button", name="Buy")).to_be_visible()
    first = widget.locator("section").first
    expect(first).to_have_attribute("class", re.compile("offer"))


def level_up(api, member):
    """A growth ladder (003) and an order of 320.00: 320 growth, 180 more to Silver."""
    api.ok("PUT", "/admin/levels", {"upgrade_by": "growth", "growth_per_unit": 1, "levels": [
        {"level_id": "base", "name": "Member", "rank": 0, "threshold": 0},
        {"level_id": "silver", "name": "Silver", "rank": 1, "threshold": 500}]})
    api.ok("POST", f"/members/{member}/register", {"channel": "online"})
    api.ok("POST", f"/orders/o_{member}/accrue", {
        "member_id": member, "currency": "MYR", "total": "320.00",
        "placed_at": "2026-04-01T13:21:00+08:00", "paid_at": "2026-04-01T13:25:00+08:00",
        "lines": [{"sku": "A1", "category": "tea", "amount": "320.00"}]})


def test_level_progress(page, shop_site):
    api, member, *_ = member_shop()
    level_up(api, member)
    widget = open_shop(page, shop_site[0], api, member)
    panel = widget.get_by_role("region", name="Level")
    expect(panel).to_contain_text("Member")
    bar = panel.get_by_role("progressbar", name="Progress to Silver")
    expect(bar).to_have_attribute("value", "320")
    expect(bar).to_have_attribute("max", "500")
    expect(panel).to_contain_text("320 growth · 180 more to Silver")


def test_unlisted_origin_gets_nothing(browser, shop_site):
    """From an origin the API does not list, the browser blocks the widget's module and the
    API (CORS): the page shows the error state, never a balance. The CORS refusals are the
    expected console errors here; anything else fails."""
    api, member, *_ = member_shop()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and not re.search(
        r"CORS|Access-Control-Allow-Origin|Failed to load resource|net::ERR_FAILED", m.text) and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        widget = open_shop(page, shop_site[1], api, member)
        expect(page.get_by_role("alert").or_(widget.get_by_role("alert")).first).to_be_visible()
        expect(page.get_by_text("3,098")).to_have_count(0)
        expect(widget.locator("[data-figure=points]")).to_have_count(0)
    finally:
        context.close()
    assert not errors, errors


def test_widget_asks_to_sign_in_again_on_401(page, shop_site):
    api, member, *_ = member_shop()
    good = token(api.shop, "customer", member).split(".")
    page.goto(f"{shop_site[0]}/index.html#api={API}&token={good[0]}.{good[1]}.badsignature")
    expect(page.locator("loyalty-member").get_by_role("alert")).to_have_text("Please sign in again")


def test_chinese_strings(page, shop_site):
    api, member, *_ = member_shop()
    widget = open_shop(page, shop_site[0], api, member, lang="zh-CN")
    expect(page.get_by_role("heading", name="示例商城", level=1)).to_be_visible()
    expect(widget.get_by_role("heading", name="我的会员")).to_be_visible()
    for label in ("积分", "购物金", "储值", "会员等级", "我的权益卡", "可领取的权益卡", "可购买的权益卡"):
        expect(widget.get_by_role("heading", name=label, exact=True)).to_be_visible()
    expect(card(widget, "Tea Club").get_by_role("button", name="领取")).to_be_visible()
    expect(card(widget, "Gold yearly").get_by_role("button", name="购买")).to_be_visible()
    expect(card(widget, "Founders")).to_contain_text("已售罄")
    # The switch changes it back, without reloading.
    page.get_by_role("button", name="en", exact=True).click()
    expect(widget.get_by_role("heading", name="My membership")).to_be_visible()
    expect(card(widget, "Tea Club").get_by_role("button", name="Claim")).to_be_visible()
    page.get_by_role("button", name="简体中文").click()
    expect(widget.get_by_role("heading", name="我的会员")).to_be_visible()


def test_accessible_and_screenshots(page, shop_site):
    api, member, free, paid, gone = member_shop()
    api.ok("PUT", "/admin/settings", {"guide_card_id": paid["card_id"], "guide_on": ["product", "checkout"]})
    level_up(api, member)
    api.ok("POST", f"/cards/{free['card_id']}/claim", {"member_id": member})
    api.ok("POST", "/admin/cards", {"kind": "free", "name": "Birthday treat",
                                    "description": "A gift in your birthday month.",
                                    "validity": {"kind": "permanent"},
                                    "benefits": [{"kind": "custom", "text": "Free cake slice"}]})
    for lang, name in (("en", "storefront-en"), ("zh-CN", "storefront-zh-CN")):
        page.goto("about:blank")
        widget = open_shop(page, shop_site[0], api, member, lang=lang)
        expect(widget.locator("[data-figure=points]")).to_be_visible()
        expect(widget.get_by_role("progressbar")).to_be_visible()
        assert_accessible(page)
        if SHOTS:
            page.screenshot(path=os.path.join(DOCS, f"{name}.png"), full_page=True)
